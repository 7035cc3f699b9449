"use client";
import Link from "next/link";
import { usePathname } from "next/navigation";

const LINKS = [
  { href: "/dashboard", label: "Overview" },
  { href: "/posture", label: "Posture" },
  { href: "/services", label: "Services" },
  { href: "/findings", label: "Findings" },
  { href: "/decisions", label: "Decisions" },
  { href: "/policies", label: "Policies" },
  { href: "/waivers", label: "Waivers" },
  { href: "/scoring", label: "How scoring works" },
  // Access and accountability, after the daily views.
  { href: "/tokens", label: "Tokens", first: true },
  { href: "/audit", label: "Audit", security: true },
  { href: "/teams", label: "Teams" },
  { href: "/settings/notifications", label: "Notifications" },
];

/** `security`: the user may read the audit log (security and admin); the page itself checks again. */
export function NavLinks({ security = false }: { security?: boolean }) {
  const path = usePathname();
  return (
    <ul className="flex gap-1 overflow-x-auto text-sm">
      {LINKS.filter((l) => security || !("security" in l)).map((l) => {
        const active = path === l.href || path.startsWith(`${l.href}/`);
        return (
          <li key={l.href} className={`shrink-0 ${"first" in l ? "ml-2 border-l border-white/20 pl-2" : ""}`}>
            <Link
              href={l.href}
              aria-current={active ? "page" : undefined}
              className={`block rounded-md px-3 py-1.5 font-medium focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-white ${
                active
                  ? "bg-white/15 text-white underline decoration-2 underline-offset-4"
                  : "text-slate-200 hover:bg-white/10 hover:text-white"
              }`}
            >
              {l.label}
            </Link>
          </li>
        );
      })}
    </ul>
  );
}
