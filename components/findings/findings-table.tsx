import Link from "next/link";
import { DataTable, type Column, type SortDir } from "@/components/list/data-table";
import type { RouterOutputs } from "@/components/trpc/types";
import { Pill, SeverityBadge } from "@/components/ui/badges";
import { EpssBadge, KevBadge } from "@/components/intel/intel-badges";
import { AREA_SHORT } from "@/components/ui/format";
import { href, type Params } from "@/components/ui/href";
import { TimeAgo } from "@/components/ui/time-ago";

type Finding = RouterOutputs["findings"]["list"]["items"][number];

const PATH = "/findings";

/** The findings list: sortable on the server; a tool links to the same list narrowed to that tool. */
export function FindingsTable({
  rows,
  params,
  sort,
  dir,
  now,
}: {
  rows: readonly Finding[];
  /** the list's filters, kept by the sort and tool links */
  params: Params;
  sort: string;
  dir: SortDir;
  now: Date;
}) {
  const columns: Column<Finding>[] = [
    { id: "severity", header: "Severity", sort: { key: "severity" }, cell: (f) => <SeverityBadge severity={f.severity} /> },
    {
      id: "finding",
      header: "Finding",
      sort: { key: "title", defaultDir: "asc" },
      className: "max-w-md",
      cell: (f) => (
        <>
          <Link className="font-medium break-words text-brand-700 underline" href={`/findings/${f.id}`}>
            {f.title}
          </Link>
          <span className="block text-xs break-all text-slate-500">
            {f.vulnerabilityId ?? f.ruleId}
            {f.packageName ? ` · ${f.packageName}${f.packageVersion ? ` ${f.packageVersion}` : ""}` : ""}
            {f.location ? ` · ${f.location}` : ""}
          </span>
          <span className="mt-0.5 flex flex-wrap gap-1">
            <Pill>
              {f.area}. {AREA_SHORT[f.area]}
            </Pill>
            {f.status === "closed" ? <Pill>closed</Pill> : null}
            {f.reopened ? <Pill tone="amber">reopened {f.reopened}×</Pill> : null}
            <KevBadge kev={f.kev} />
            <EpssBadge epss={f.epss} />
          </span>
        </>
      ),
    },
    {
      id: "service",
      header: "Service",
      sort: { key: "service", defaultDir: "asc" },
      cell: (f) => (
        <Link className="text-brand-700 underline" href={`/services/${f.service.slug}`}>
          {f.service.name}
        </Link>
      ),
    },
    {
      id: "sources",
      header: "Sources",
      cell: (f) => (
        <div className="flex flex-wrap gap-1">
          {f.tools.map((t) => (
            <Link key={t} href={href(PATH, params, { tool: t, page: undefined })}>
              <Pill tone="blue">{t}</Pill>
            </Link>
          ))}
        </div>
      ),
    },
    {
      id: "first-seen",
      header: "First seen",
      sort: { key: "firstSeen", defaultDir: "asc" },
      className: "whitespace-nowrap text-slate-600",
      cell: (f) => <TimeAgo iso={f.firstSeenAt} now={now} />,
    },
    {
      id: "last-seen",
      header: "Last seen",
      sort: { key: "lastSeen" },
      className: "whitespace-nowrap text-slate-600",
      cell: (f) => (
        <>
          <TimeAgo iso={f.closedAt ?? f.lastSeenAt} now={now} />
          {f.closedAt ? <span className="block text-xs">closed</span> : null}
        </>
      ),
    },
  ];
  return (
    <DataTable
      label="Findings"
      columns={columns}
      rows={rows}
      rowKey={(f) => f.id}
      sort={{ path: PATH, params, current: sort, dir }}
    />
  );
}
