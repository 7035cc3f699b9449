import type { ReactNode } from "react";
import type { Params } from "@/components/ui/href";
import { SortHeader } from "@/components/ui/sort-header";

export type SortDir = "asc" | "desc";

/** One column: its header, how to render a row's cell, and optionally the server-side sort it stands for. */
export type Column<T> = {
  /** unique within the table */
  id: string;
  header: string;
  /** the header is read to screen readers only (a column of buttons) */
  hideHeader?: boolean;
  sort?: { key: string; defaultDir?: SortDir };
  /** classes of this column's cells, after the padding */
  className?: string;
  cell: (row: T) => ReactNode;
};

/** The list's current order, and the page and filters a sort link keeps. */
export type TableSort = { path: string; params: Params; current: string; dir: SortDir };

type DataAttributes = Record<`data-${string}`, string>;

/**
 * A server-rendered table: column headers with scope (and aria-sort where sortable), one row per item.
 * It scrolls sideways inside its container, so a wide table never widens the page.
 */
export function DataTable<T>({
  label,
  columns,
  rows,
  rowKey,
  rowData,
  sort,
  bleed = false,
}: {
  /** the table's accessible name */
  label: string;
  columns: readonly Column<T>[];
  rows: readonly T[];
  rowKey: (row: T) => string;
  /** data-* attributes of a row, for scripts and tests */
  rowData?: (row: T) => DataAttributes;
  /** required as soon as a column is sortable */
  sort?: TableSort;
  /** on phones, run to the edges of the section around it */
  bleed?: boolean;
}) {
  return (
    <div className={`relative overflow-x-auto ${bleed ? "-mx-4 sm:mx-0" : ""}`}>
      <table aria-label={label} className="min-w-full text-sm">
        <thead className="border-b border-slate-200 bg-slate-50 text-left text-xs text-slate-600 uppercase">
          <tr>
            {columns.map((c) =>
              c.sort && sort ? (
                <SortHeader
                  key={c.id}
                  label={c.header}
                  sortKey={c.sort.key}
                  defaultDir={c.sort.defaultDir}
                  path={sort.path}
                  params={sort.params}
                  current={sort.current}
                  dir={sort.dir}
                />
              ) : (
                <th key={c.id} scope="col" className="px-3 py-2">
                  {c.hideHeader ? <span className="sr-only">{c.header}</span> : c.header}
                </th>
              ),
            )}
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {rows.map((row) => (
            <tr key={rowKey(row)} className="align-top hover:bg-slate-50" {...rowData?.(row)}>
              {columns.map((c) => (
                <td key={c.id} className={`px-3 py-2 ${c.className ?? ""}`}>
                  {c.cell(row)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
