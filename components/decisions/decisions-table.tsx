import Link from "next/link";
import { DataTable, type Column } from "@/components/list/data-table";
import type { RouterOutputs } from "@/components/trpc/types";
import { DecisionBadge } from "@/components/ui/badges";
import { shortDigest, shortSha } from "@/components/ui/format";
import { TimeAgo } from "@/components/ui/time-ago";

type Decision = RouterOutputs["decisions"]["list"]["items"][number];

/** The gate's answers as recorded: what was asked, the answer, and why. */
export function DecisionsTable({ rows, now }: { rows: readonly Decision[]; now: Date }) {
  const columns: Column<Decision>[] = [
    {
      id: "decision",
      header: "Decision",
      cell: (d) => (
        <Link href={`/decisions/${d.id}`} aria-label={`Decision ${d.id}: ${d.decision}`}>
          <DecisionBadge decision={d.decision} />
        </Link>
      ),
    },
    {
      id: "service",
      header: "Service",
      cell: (d) => (
        <Link className="text-brand-700 underline" href={`/services/${d.service.slug}`}>
          {d.service.name}
        </Link>
      ),
    },
    { id: "stage", header: "Stage", className: "capitalize", cell: (d) => d.stage },
    {
      id: "commit",
      header: "Commit",
      className: "font-mono text-xs",
      cell: (d) => (
        <>
          {shortSha(d.commit)}
          {d.artifact ? <span className="block text-slate-500">{shortDigest(d.artifact)}</span> : null}
        </>
      ),
    },
    {
      id: "why",
      header: "Why",
      className: "max-w-md text-xs",
      cell: (d) => (
        <>
          {d.failed.length ? (
            <span className="text-red-900">✕ {d.failed.join("; ")}</span>
          ) : (
            <span className="text-slate-600">{d.warned.length ? "passed, with warnings" : "all checks passed"}</span>
          )}
          {d.warned.length ? <span className="block text-amber-900">! {d.warned.join("; ")}</span> : null}
        </>
      ),
    },
    {
      id: "when",
      header: "When",
      className: "whitespace-nowrap text-slate-600",
      cell: (d) => (
        <>
          <Link className="underline" href={`/decisions/${d.id}`}>
            <TimeAgo iso={d.evaluatedAt} now={now} />
          </Link>
          <span className="block text-xs">policy v{d.policyVersion}</span>
        </>
      ),
    },
  ];
  return <DataTable label="Gate decisions" columns={columns} rows={rows} rowKey={(d) => d.id} />;
}
