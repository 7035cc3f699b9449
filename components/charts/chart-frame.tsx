import type { ReactNode } from "react";

/** A chart with a text summary for assistive technology and its numbers in a table on request. */
export function ChartFrame({
  summary,
  children,
  table,
  height = 220,
}: {
  summary: string;
  children: ReactNode;
  table?: ReactNode;
  height?: number;
}) {
  return (
    <figure className="w-full">
      <div role="img" aria-label={summary} style={{ height }} className="w-full">
        {children}
      </div>
      {table ? (
        <details className="mt-2 text-sm">
          <summary className="cursor-pointer text-slate-600 hover:text-slate-900">Show the numbers</summary>
          <div className="mt-2 overflow-x-auto">{table}</div>
        </details>
      ) : null}
    </figure>
  );
}
