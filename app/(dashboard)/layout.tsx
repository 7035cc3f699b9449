import Link from "next/link";
import type { ReactNode } from "react";
import { NavLinks } from "@/components/dashboard/nav-links";
import { TrpcProvider } from "@/components/trpc/provider";
import { hasRole } from "@/server/auth/permissions";
import { currentUser, userActor } from "@/server/auth/current-user";
import { signOutAction } from "../(auth)/actions";

export const dynamic = "force-dynamic";

export default async function DashboardLayout({ children }: { children: ReactNode }) {
  const user = await currentUser();
  // Each page redirects to sign-in with its own path as `next` (a layout does not know the path).
  if (!user) return <main id="main">{children}</main>;
  return (
    <TrpcProvider>
      <a
        href="#main"
        className="sr-only z-50 rounded bg-white px-3 py-2 text-sm font-medium text-brand-700 focus:not-sr-only focus:absolute focus:top-2 focus:left-2"
      >
        Skip to content
      </a>
      <header className="bg-brand-900 text-white">
        <div className="mx-auto flex max-w-7xl flex-wrap items-center gap-x-6 gap-y-2 px-4 py-3 sm:px-6">
          <Link
            href="/dashboard"
            className="text-lg font-bold tracking-tight focus-visible:outline-2 focus-visible:outline-white"
          >
            Gatehouse
          </Link>
          <nav aria-label="Main" className="order-3 w-full sm:order-none sm:w-auto sm:flex-1">
            <NavLinks security={hasRole(userActor(user), "security")} />
          </nav>
          <div className="ml-auto flex items-center gap-3 text-sm">
            <span className="hidden text-slate-200 md:inline" data-testid="signed-in-user">
              {user.name ?? user.email} · <span className="capitalize">{user.role}</span>
            </span>
            <form action={signOutAction}>
              <button
                type="submit"
                className="rounded-md border border-white/30 px-2.5 py-1 text-slate-100 hover:bg-white/10 focus-visible:outline-2 focus-visible:outline-white"
              >
                Sign out
              </button>
            </form>
          </div>
        </div>
      </header>
      <main id="main" className="mx-auto max-w-7xl px-4 py-6 sm:px-6">
        {children}
      </main>
    </TrpcProvider>
  );
}
