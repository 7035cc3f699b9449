import type { ComponentProps, ReactNode } from "react";
import { FilterBar, type FilterBarProps } from "./filter-bar";
import { ListResults } from "./list-results";
import { PageHeader } from "./page-header";

/**
 * The frame of a list page: heading, optional tabs, the filters, then the results (or the empty state) and their pages.
 * The page declares its filters and empty state and renders its rows (a DataTable, or cards) as children.
 */
export function ListPage({
  title,
  description,
  tabs,
  filters,
  isEmpty,
  empty,
  pagination,
  children,
}: {
  title: string;
  description?: ReactNode;
  /** e.g. a TabNav over the list's statuses */
  tabs?: ReactNode;
  filters?: FilterBarProps;
} & Omit<ComponentProps<typeof ListResults>, "framed">) {
  return (
    <div className="space-y-4">
      <PageHeader title={title} description={description} />
      {tabs}
      {filters ? <FilterBar {...filters} /> : null}
      <ListResults isEmpty={isEmpty} empty={empty} pagination={pagination}>
        {children}
      </ListResults>
    </div>
  );
}
