import type { ReactNode } from "react";

export function AuthCard({ title, intro, children }: { title: string; intro?: ReactNode; children: ReactNode }) {
  return (
    <section className="rounded-xl border border-slate-200 bg-white p-6 shadow-sm sm:p-8" aria-labelledby="auth-title">
      <h1 id="auth-title" className="text-2xl font-bold tracking-tight text-slate-900">
        {title}
      </h1>
      {intro ? <div className="mt-2 text-sm text-slate-600">{intro}</div> : null}
      <div className="mt-6">{children}</div>
    </section>
  );
}
