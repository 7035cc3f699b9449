import type { ComponentProps, ReactNode } from "react";
import { Pagination } from "@/components/ui/pagination";

/**
 * The results of a list: its empty state when there are none, otherwise the list (a table or cards) and its pages.
 * `framed` puts the results on a card of their own; a list inside a Section leaves it off.
 */
export function ListResults({
  isEmpty,
  empty,
  pagination,
  framed = true,
  children,
}: {
  isEmpty: boolean;
  /** what to say (and what to do) when the list is empty */
  empty: ReactNode;
  pagination?: ComponentProps<typeof Pagination>;
  framed?: boolean;
  children: ReactNode;
}) {
  if (isEmpty) return <>{empty}</>;
  const pages = pagination ? <Pagination {...pagination} /> : null;
  if (!framed)
    return (
      <>
        {children}
        {pages}
      </>
    );
  return (
    <div className="rounded-xl border border-slate-200 bg-white shadow-sm">
      {children}
      {pages ? <div className="px-3 pb-3">{pages}</div> : null}
    </div>
  );
}
