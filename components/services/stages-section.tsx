import Link from "next/link";
import { StageRuntimeStatus } from "@/components/dashboard/stage-runtime";
import type { RouterOutputs } from "@/components/trpc/types";
import { DecisionBadge } from "@/components/ui/badges";
import { shortDigest, shortSha } from "@/components/ui/format";
import { Section } from "@/components/ui/section";
import { TimeAgo } from "@/components/ui/time-ago";

/** Per stage: what is deployed, the decision that let it in, whether it is still in policy, and the policy. */
export async function StagesSection({ data, now }: { data: Promise<RouterOutputs["services"]["stages"]>; now: Date }) {
  const stages = await data;
  return (
    <Section
      id="stages"
      title="What runs in each stage"
      description="The latest deployment, the decision that let it in, whether it is still in policy, and the policy in force."
    >
      <ol className="grid gap-4 md:grid-cols-3">
        {stages.map((s) => (
          <li key={s.stage} className="rounded-lg border border-slate-200 p-3">
            <h3 className="flex items-center justify-between text-sm font-semibold">
              {s.name}
              {s.lastDecision ? (
                <Link
                  href={`/decisions/${s.lastDecision.id}`}
                  aria-label={`Latest ${s.stage} decision: ${s.lastDecision.decision}`}
                >
                  <DecisionBadge decision={s.lastDecision.decision} />
                </Link>
              ) : null}
            </h3>
            {s.deployment ? (
              <dl className="mt-2 grid grid-cols-[auto_1fr] gap-x-3 gap-y-1 text-xs">
                <dt className="text-slate-500">Commit</dt>
                <dd className="font-mono">{shortSha(s.deployment.commit)}</dd>
                <dt className="text-slate-500">Artifact</dt>
                <dd className="font-mono break-all">{shortDigest(s.deployment.artifact)}</dd>
                <dt className="text-slate-500">Deployed</dt>
                <dd>
                  <TimeAgo iso={s.deployment.deployedAt} now={now} /> by {s.deployment.actor}
                </dd>
                <dt className="text-slate-500">Let in by</dt>
                <dd>
                  {s.deployment.decision ? (
                    <Link className="text-brand-700 underline" href={`/decisions/${s.deployment.decision.id}`}>
                      {s.deployment.decision.decision} · policy v{s.deployment.decision.policyVersion}
                    </Link>
                  ) : (
                    "no decision"
                  )}
                </dd>
              </dl>
            ) : (
              <p className="mt-2 text-xs text-slate-600">Nothing deployed yet.</p>
            )}
            <StageRuntimeStatus runtime={s.runtime} now={now} />
            {s.deployment?.bypass ? (
              <p className="mt-2 rounded border border-red-300 bg-red-50 px-2 py-1 text-xs text-red-900">
                <span aria-hidden="true">⚠ </span>
                <strong>Gate bypass:</strong> {s.deployment.bypassReason}
              </p>
            ) : null}
            <details className="mt-2 text-xs">
              <summary className="cursor-pointer text-slate-600">
                Policy {s.policy.isDefault ? "(shipped default)" : `v${s.policy.version}`}
              </summary>
              {s.policy.description ? <p className="mt-1 text-slate-700">{s.policy.description}</p> : null}
              <ul className="mt-1 list-disc space-y-0.5 pl-4 text-slate-700">
                {s.policy.rules.map((r) => (
                  <li key={r}>{r}</li>
                ))}
              </ul>
            </details>
          </li>
        ))}
      </ol>
    </Section>
  );
}
