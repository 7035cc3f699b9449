import type { ReactNode } from "react";

/** A titled block of a page, with an id to link to and an optional action on the right. */
export function Section({
  id,
  title,
  description,
  action,
  children,
  className = "",
}: {
  id?: string;
  title: string;
  description?: ReactNode;
  action?: ReactNode;
  children: ReactNode;
  className?: string;
}) {
  return (
    <section
      id={id}
      aria-labelledby={id ? `${id}-title` : undefined}
      className={`rounded-xl border border-slate-200 bg-white p-4 shadow-sm sm:p-5 ${className}`}
    >
      <div className="mb-3 flex flex-wrap items-start justify-between gap-2">
        <div>
          <h2 id={id ? `${id}-title` : undefined} className="text-base font-semibold text-slate-900">
            {title}
          </h2>
          {description ? <p className="mt-0.5 text-sm text-slate-600">{description}</p> : null}
        </div>
        {action}
      </div>
      {children}
    </section>
  );
}

export function SectionSkeleton({ title, rows = 4 }: { title: string; rows?: number }) {
  return (
    <section className="rounded-xl border border-slate-200 bg-white p-5 shadow-sm" aria-busy="true">
      <h2 className="mb-3 text-base font-semibold text-slate-900">{title}</h2>
      <p className="sr-only">Loading…</p>
      <div className="space-y-2">
        {Array.from({ length: rows }, (_, i) => (
          <div key={i} className="h-4 animate-pulse rounded bg-slate-100" />
        ))}
      </div>
    </section>
  );
}

export function Empty({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="rounded-lg border border-dashed border-slate-300 bg-slate-50 p-4 text-sm text-slate-700">
      <p className="font-medium text-slate-900">{title}</p>
      {children ? <div className="mt-2 space-y-2">{children}</div> : null}
    </div>
  );
}
