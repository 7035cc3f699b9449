import Link from "next/link";
import { href, type Params } from "./href";

/** A column header that sorts the server-side list; aria-sort tells screen readers the current order. */
export function SortHeader({
  label,
  sortKey,
  path,
  params,
  current,
  dir,
  defaultDir = "desc",
  className = "",
}: {
  label: string;
  sortKey: string;
  path: string;
  params: Params;
  current: string;
  dir: "asc" | "desc";
  defaultDir?: "asc" | "desc";
  className?: string;
}) {
  const active = current === sortKey;
  const next = active ? (dir === "asc" ? "desc" : "asc") : defaultDir;
  return (
    <th
      scope="col"
      aria-sort={active ? (dir === "asc" ? "ascending" : "descending") : "none"}
      className={`px-3 py-2 ${className}`}
    >
      <Link
        className="inline-flex items-center gap-1 hover:underline"
        href={href(path, params, { sort: sortKey, dir: next, page: undefined })}
      >
        {label}
        <span aria-hidden="true" className="text-slate-400">
          {active ? (dir === "asc" ? "↑" : "↓") : "↕"}
        </span>
      </Link>
    </th>
  );
}
