import Link from "next/link";
import { ChecksList } from "@/components/dashboard/checks-list";
import type { RouterOutputs } from "@/components/trpc/types";
import { DecisionBadge, Pill } from "@/components/ui/badges";
import { dateTime, plural, shortSha } from "@/components/ui/format";
import { Empty, Section } from "@/components/ui/section";
import { TimeAgo } from "@/components/ui/time-ago";

/** The service's latest gate decisions, each opening to its checks. */
export async function RecentDecisionsSection({
  data,
  slug,
  now,
}: {
  data: Promise<RouterOutputs["services"]["decisions"]>;
  slug: string;
  now: Date;
}) {
  const decisions = await data;
  return (
    <Section
      id="decisions"
      title="Recent gate decisions"
      action={
        <Link className="text-sm text-brand-700 underline" href={`/decisions?service=${slug}`}>
          All decisions
        </Link>
      }
    >
      {decisions.length === 0 ? (
        <Empty title="The gate has not been asked yet">
          <p>Ask it from the pipeline before each promotion:</p>
          <pre className="overflow-x-auto rounded bg-slate-900 px-3 py-2 font-mono text-xs text-slate-100">{`gatehouse gate --service ${slug} --stage test`}</pre>
        </Empty>
      ) : (
        <ul className="divide-y divide-slate-100">
          {decisions.map((d) => {
            const failed = d.checks.filter((c) => c.status === "fail").length;
            const warned = d.checks.filter((c) => c.status === "warn").length;
            return (
              <li key={d.id} className="py-2">
                <details>
                  <summary className="flex cursor-pointer flex-wrap items-center gap-2 text-sm">
                    <DecisionBadge decision={d.decision} />
                    <span className="font-medium capitalize">{d.stage}</span>
                    {d.kind === "recheck" ? <Pill tone="blue">re-check</Pill> : null}
                    <code className="text-xs">{shortSha(d.commit)}</code>
                    <span className="text-slate-600">
                      {failed ? `${failed} failing` : "all passing"}
                      {warned ? `, ${plural(warned, "warning")}` : ""}
                    </span>
                    <span className="text-xs text-slate-500" title={dateTime(d.evaluatedAt)}>
                      <TimeAgo iso={d.evaluatedAt} now={now} /> · policy v{d.policyVersion}
                    </span>
                    <Link className="ml-auto text-xs text-brand-700 underline" href={`/decisions/${d.id}`}>
                      Open
                    </Link>
                  </summary>
                  <div className="mt-2 pl-2">
                    <ChecksList checks={d.checks} compact />
                  </div>
                </details>
              </li>
            );
          })}
        </ul>
      )}
    </Section>
  );
}
