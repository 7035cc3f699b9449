import { Pill } from "@/components/ui/badges";
import { dateTime } from "@/components/ui/format";
import { TimeAgo } from "@/components/ui/time-ago";
import type { StageRuntime } from "@/server/recheck/stage-status";

/** Whether what runs in a stage is still in policy: since when, and what fails with what would fix it. */
export function StageRuntimeStatus({ runtime, now }: { runtime: StageRuntime; now: Date }) {
  if (!runtime.deployment) return null;
  const since = runtime.since ? (
    <>
      {dateTime(runtime.since)} (<TimeAgo iso={runtime.since} now={now} />)
    </>
  ) : null;
  if (runtime.status === "in_policy")
    return (
      <p className="mt-2 text-xs text-emerald-800" data-stage-status="in_policy">
        <span aria-hidden="true">✓ </span>In policy since {since}
        {runtime.checkedAt ? (
          <span className="text-slate-500">
            {" "}
            · checked <TimeAgo iso={runtime.checkedAt} now={now} />
          </span>
        ) : null}
      </p>
    );
  if (runtime.status === "unknown")
    return (
      <p className="mt-2 text-xs text-slate-600" data-stage-status="unknown">
        <Pill>status unknown</Pill> {runtime.error ? `The last re-check failed: ${runtime.error}` : "Not re-checked yet."}
      </p>
    );
  return (
    <div
      className="mt-2 space-y-1 rounded border border-red-300 bg-red-50 px-2 py-1.5 text-xs text-red-950"
      data-stage-status="out_of_policy"
    >
      <p>
        <span aria-hidden="true">⚠ </span>
        <strong>Out of policy since {since}</strong>
        {runtime.decisionId ? (
          <a className="ml-1 underline" href={`/decisions/${runtime.decisionId}`}>
            re-check
          </a>
        ) : null}
      </p>
      <ul className="space-y-1">
        {runtime.failingChecks.map((c) => (
          <li key={c.id}>
            <span className="font-semibold">{c.title}</span>: {c.message}
            {c.remediation ? <span className="block text-red-900">Fix: {c.remediation}</span> : null}
          </li>
        ))}
      </ul>
    </div>
  );
}
