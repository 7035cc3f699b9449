import Link from "next/link";
import { href, type Params } from "./href";

/** Previous / next and a few page numbers; every page is a server-rendered link. */
export function Pagination({
  path,
  params,
  page,
  pages,
  total,
  noun,
  one,
  capped = false,
}: {
  path: string;
  params: Params;
  page: number;
  pages: number;
  total: number;
  /** what is counted, plural ("findings") */
  noun: string;
  /** the singular, when it is not the plural without its final "s" */
  one?: string;
  /** the count stopped at `total`: there are more */
  capped?: boolean;
}) {
  const counted = total === 1 && !capped ? (one ?? noun.replace(/s$/, "")) : noun;
  const nums = [...new Set([1, page - 1, page, page + 1, pages])].filter((n) => n >= 1 && n <= pages).sort((a, b) => a - b);
  const link =
    "rounded border border-slate-300 bg-white px-2.5 py-1 text-sm hover:bg-slate-50 focus-visible:outline-2 focus-visible:outline-brand-600";
  return (
    <nav aria-label="Pagination" className="mt-4 flex flex-wrap items-center justify-between gap-2 text-sm text-slate-600">
      <p>
        {total.toLocaleString("en")}
        {capped ? "+" : ""} {counted} · page {page} of {pages}
        {capped ? "+" : ""}
      </p>
      <ul className="flex flex-wrap items-center gap-1">
        <li>
          {page > 1 ? (
            <Link className={link} href={href(path, params, { page: page - 1 })} rel="prev">
              ← Previous
            </Link>
          ) : null}
        </li>
        {nums.map((n, i) => (
          <li key={n} className="flex items-center gap-1">
            {i > 0 && n - nums[i - 1]! > 1 ? <span aria-hidden="true">…</span> : null}
            {n === page ? (
              <span aria-current="page" className="rounded bg-brand-700 px-2.5 py-1 text-white">
                {n}
              </span>
            ) : (
              <Link className={link} href={href(path, params, { page: n })} aria-label={`Page ${n}`}>
                {n}
              </Link>
            )}
          </li>
        ))}
        <li>
          {page < pages ? (
            <Link className={link} href={href(path, params, { page: page + 1 })} rel="next">
              Next →
            </Link>
          ) : null}
        </li>
      </ul>
    </nav>
  );
}
