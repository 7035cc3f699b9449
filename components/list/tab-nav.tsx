import Link from "next/link";

export type Tab = { label: string; count: number; href: string; current: boolean };

/** Tabs over one list (e.g. by status), each a link with its count; the current one is marked for screen readers. */
export function TabNav({ label, tabs }: { label: string; tabs: readonly Tab[] }) {
  return (
    <nav aria-label={label}>
      <ul className="flex flex-wrap gap-1 border-b border-slate-200 text-sm">
        {tabs.map((t) => (
          <li key={t.label}>
            <Link
              href={t.href}
              aria-current={t.current ? "page" : undefined}
              className={`-mb-px inline-flex items-center gap-1.5 rounded-t-md border px-3 py-1.5 font-medium focus-visible:outline-2 focus-visible:outline-brand-600 ${
                t.current
                  ? "border-slate-200 border-b-white bg-white text-slate-900 underline decoration-2 underline-offset-4"
                  : "border-transparent text-slate-600 hover:text-slate-900"
              }`}
            >
              {t.label}
              <span className="rounded-full bg-slate-100 px-1.5 text-xs tabular-nums text-slate-700">{t.count}</span>
            </Link>
          </li>
        ))}
      </ul>
    </nav>
  );
}
