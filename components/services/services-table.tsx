import Link from "next/link";
import { DataTable, type Column, type SortDir } from "@/components/list/data-table";
import type { RouterOutputs } from "@/components/trpc/types";
import { GradeBadge, SeverityBadge } from "@/components/ui/badges";
import type { Params } from "@/components/ui/href";
import { TimeAgo } from "@/components/ui/time-ago";

type Service = RouterOutputs["services"]["list"]["items"][number];

const SEVERITIES = ["critical", "high", "medium", "low"] as const;

/** The services list: grade, tier and open findings, each count linking to those findings. */
export function ServicesTable({
  rows,
  params,
  sort,
  dir,
  now,
}: {
  rows: readonly Service[];
  /** the list's filters, kept by the sort links */
  params: Params;
  sort: string;
  dir: SortDir;
  now: Date;
}) {
  const columns: Column<Service>[] = [
    {
      id: "service",
      header: "Service",
      sort: { key: "name", defaultDir: "asc" },
      cell: (s) => (
        <>
          <Link className="font-medium text-brand-700 underline" href={`/services/${s.slug}`}>
            {s.name}
          </Link>
          <span className="block text-xs text-slate-500">{s.team}</span>
        </>
      ),
    },
    {
      id: "grade",
      header: "Grade",
      sort: { key: "grade", defaultDir: "asc" },
      cell: (s) => <GradeBadge grade={s.score?.grade ?? null} score={s.score?.score} />,
    },
    { id: "tier", header: "Tier", sort: { key: "tier" }, className: "capitalize", cell: (s) => s.tier },
    {
      id: "open",
      header: "Open findings",
      sort: { key: "critical" },
      cell: (s) => (
        <div className="flex flex-wrap gap-1">
          {SEVERITIES.map((sev) =>
            s.open[sev] ? (
              <Link
                key={sev}
                href={`/findings?service=${s.slug}&severity=${sev}`}
                aria-label={`${s.open[sev]} open ${sev} findings`}
              >
                <SeverityBadge severity={sev} count={s.open[sev]} />
              </Link>
            ) : null,
          )}
          {SEVERITIES.every((sev) => !s.open[sev]) ? <span className="text-xs text-slate-500">none open</span> : null}
        </div>
      ),
    },
    {
      id: "last-scan",
      header: "Last scan",
      sort: { key: "lastScan" },
      className: "whitespace-nowrap text-slate-600",
      cell: (s) => <TimeAgo iso={s.lastScanAt} now={now} />,
    },
    {
      id: "actions",
      header: "Actions",
      hideHeader: true,
      className: "text-right whitespace-nowrap",
      cell: (s) => (
        <Link className="text-sm text-brand-700 underline" href={`/services/${s.slug}/remediation`}>
          Remediation
        </Link>
      ),
    },
  ];
  return (
    <DataTable
      label="Services"
      columns={columns}
      rows={rows}
      rowKey={(s) => s.id}
      sort={{ path: "/services", params, current: sort, dir }}
    />
  );
}
