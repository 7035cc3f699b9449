import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { Suspense } from "react";
import { ScoreTrendChart } from "@/components/charts/score-trend-chart";
import { ChecksList } from "@/components/dashboard/checks-list";
import { GetStartedService } from "@/components/dashboard/get-started";
import { StageRuntimeStatus } from "@/components/dashboard/stage-runtime";
import { DecisionBadge, GradeBadge, Pill, SeverityBadge } from "@/components/ui/badges";
import { ageDays, dateTime, plural, shortDigest, shortSha } from "@/components/ui/format";
import { Empty, Section, SectionSkeleton } from "@/components/ui/section";
import { WaiverActions } from "@/components/waivers/waiver-actions";
import { TimeAgo } from "@/components/ui/time-ago";
import { early, orNotFound, pageApi, publicUrl } from "../../_lib/page-kit";

type Params = Promise<{ slug: string }>;
type Api = Awaited<ReturnType<typeof pageApi>>["api"];
type Out<K extends "scorecard" | "stages" | "decisions" | "waivers"> = Awaited<ReturnType<Api["services"][K]>>;

export async function generateMetadata({ params }: { params: Params }): Promise<Metadata> {
  return { title: (await params).slug };
}

const SLUG = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;

export default async function ServicePage({ params }: { params: Params }) {
  const { slug } = await params;
  const { api, user } = await pageApi(`/services/${slug}`);
  if (!SLUG.test(slug)) notFound();
  const input = { service: slug };
  const scorecard = early(api.services.scorecard(input));
  const stages = early(api.services.stages(input));
  const decisions = early(api.services.decisions(input));
  const waivers = early(api.services.waivers(input));
  const [svc, evidence] = await Promise.all([orNotFound(api.services.get(input)), api.services.evidence(input)]);
  const now = new Date();
  const canApprove = user.role === "security" || user.role === "admin";

  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-start justify-between gap-4">
        <div>
          <p className="text-sm text-slate-500">
            <Link className="underline" href="/services">
              Services
            </Link>{" "}
            / {svc.team.name}
          </p>
          <h1 className="text-2xl font-bold tracking-tight">{svc.name}</h1>
          <p className="mt-1 flex flex-wrap items-center gap-2 text-sm text-slate-600">
            <Pill>{svc.criticality} tier</Pill>
            <span>default branch {svc.defaultBranch}</span>
            {svc.repoUrl ? (
              <a className="text-brand-700 underline" href={svc.repoUrl} rel="noopener noreferrer" target="_blank">
                Repository ↗
              </a>
            ) : null}
          </p>
        </div>
        <div className="flex flex-wrap gap-2">
          <Link
            href={`/services/${svc.slug}/remediation`}
            className="rounded-md bg-brand-700 px-3 py-2 text-sm font-medium text-white hover:bg-brand-900 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-brand-600"
          >
            Remediation →
          </Link>
          <Link
            href={`/findings?service=${svc.slug}`}
            className="rounded-md border border-slate-300 bg-white px-3 py-2 text-sm font-medium hover:bg-slate-50 focus-visible:outline-2 focus-visible:outline-brand-600"
          >
            All findings
          </Link>
        </div>
      </div>

      {evidence.length === 0 ? (
        <Section title="No scans yet" description="The scorecard, stages and remediation fill in from the first report.">
          <GetStartedService url={publicUrl()} service={svc.slug} team={svc.team.slug} />
        </Section>
      ) : null}

      <Suspense fallback={<SectionSkeleton title="Scorecard" rows={8} />}>
        <ScorecardSection data={scorecard} slug={svc.slug} />
      </Suspense>

      <Suspense fallback={<SectionSkeleton title="What runs in each stage" />}>
        <StagesSection data={stages} now={now} />
      </Suspense>

      <div className="grid gap-6 lg:grid-cols-2">
        <Section id="evidence" title="Latest evidence" description="The newest scan of each kind, with its tool and age.">
          {evidence.length === 0 ? (
            <p className="text-sm text-slate-600">None yet.</p>
          ) : (
            <div className="overflow-x-auto">
              <table className="min-w-full text-sm">
                <thead>
                  <tr className="border-b border-slate-200 text-left text-xs text-slate-500 uppercase">
                    <th scope="col" className="py-2 pr-3">
                      Kind
                    </th>
                    <th scope="col" className="py-2 pr-3">
                      Tool
                    </th>
                    <th scope="col" className="py-2 pr-3">
                      Age
                    </th>
                    <th scope="col" className="py-2 pr-3">
                      Commit
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {evidence.map((e) => {
                    const age = ageDays(e.scannedAt, now) ?? 0;
                    // A report uploaded well after it was produced: show both, freshness counts from the scan.
                    const late = Date.parse(e.receivedAt) - Date.parse(e.scannedAt) > 3_600_000;
                    return (
                      <tr key={e.kind} className="border-b border-slate-100">
                        <td className="py-2 pr-3 font-mono text-xs">{e.kind}</td>
                        <td className="py-2 pr-3">
                          {e.tool} <span className="text-xs text-slate-500">{e.toolVersion ?? "version unknown"}</span>
                          {e.status === "failed" ? (
                            <span className="ml-1">
                              <Pill tone="red">✕ failed</Pill>
                            </span>
                          ) : null}
                        </td>
                        <td className="py-2 pr-3 whitespace-nowrap">
                          <TimeAgo iso={e.scannedAt} now={now} />
                          {late ? (
                            <span className="block text-xs text-slate-500">
                              uploaded <TimeAgo iso={e.receivedAt} now={now} />
                            </span>
                          ) : null}
                          {age > 30 ? (
                            <span className="ml-1">
                              <Pill tone="amber">stale</Pill>
                            </span>
                          ) : null}
                          {e.scannerDbBuiltAt ? (
                            <span className="block text-xs text-slate-500">
                              DB built <TimeAgo iso={e.scannerDbBuiltAt} now={now} />
                            </span>
                          ) : null}
                        </td>
                        <td className="py-2 pr-3 font-mono text-xs">
                          {shortSha(e.commit)} <span className="font-sans text-slate-500">{e.branch}</span>
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
          )}
        </Section>
        <Suspense fallback={<SectionSkeleton title="Waivers" />}>
          <WaiversSection data={waivers} slug={svc.slug} now={now} reviewer={canApprove ? user.email : null} />
        </Suspense>
      </div>

      <Suspense fallback={<SectionSkeleton title="Recent gate decisions" />}>
        <DecisionsSection data={decisions} slug={svc.slug} now={now} />
      </Suspense>
    </div>
  );
}

async function ScorecardSection({ data, slug }: { data: Promise<Out<"scorecard">>; slug: string }) {
  const { card, trend } = await data;
  return (
    <Section
      id="scorecard"
      title="Scorecard"
      description={
        <>
          Seven CI/CD risk areas, each from 100 down.{" "}
          <Link className="underline" href="/scoring">
            How scoring works
          </Link>
        </>
      }
    >
      <div className="grid gap-6 lg:grid-cols-3">
        <div className="space-y-3">
          <GradeBadge grade={card.grade} score={card.score} size="lg" />
          {card.uncappedScore !== card.score || card.caps.length ? (
            <ul className="space-y-1 text-sm">
              {card.caps.map((c) => (
                <li key={c.id} className="text-slate-700">
                  <Pill tone="amber">capped at {c.grade}</Pill> {c.reason}
                </li>
              ))}
            </ul>
          ) : null}
          <div className="flex flex-wrap gap-1">
            {(["critical", "high", "medium", "low"] as const).map((s) =>
              card.openBySeverity[s] ? (
                <Link key={s} href={`/findings?service=${slug}&severity=${s}`}>
                  <SeverityBadge severity={s} count={card.openBySeverity[s]} />
                </Link>
              ) : null,
            )}
          </div>
          <div>
            <h3 className="text-sm font-semibold">90-day trend</h3>
            {trend.length ? (
              <ScoreTrendChart data={trend} />
            ) : (
              <p className="text-sm text-slate-600">No daily scorecards yet: the trend starts with the first daily snapshot.</p>
            )}
          </div>
        </div>
        <div className="overflow-x-auto lg:col-span-2">
          <table className="min-w-full text-sm">
            <thead>
              <tr className="border-b border-slate-200 text-left text-xs text-slate-500 uppercase">
                <th scope="col" className="py-2 pr-3">
                  Risk area
                </th>
                <th scope="col" className="py-2 pr-3">
                  Score
                </th>
                <th scope="col" className="py-2 pr-3">
                  Evidence
                </th>
                <th scope="col" className="py-2 pr-3">
                  Deductions
                </th>
              </tr>
            </thead>
            <tbody>
              {card.areas.map((a) => (
                <tr key={a.area} className="border-b border-slate-100 align-top">
                  <th scope="row" className="py-2 pr-3 text-left font-medium">
                    <Link className="text-brand-700 underline" href={`/findings?service=${slug}&area=${a.area}`}>
                      {a.area}. {a.name}
                    </Link>
                  </th>
                  <td className="py-2 pr-3">
                    {a.status === "assessed" ? (
                      <GradeBadge grade={a.grade} score={a.score} />
                    ) : (
                      <span className="text-xs text-slate-600">
                        <Pill>not assessed</Pill>
                        <span className="mt-1 block">{a.notAssessedReason}</span>
                      </span>
                    )}
                  </td>
                  <td className="py-2 pr-3 text-xs text-slate-600">
                    {a.evidence.kinds.length ? a.evidence.kinds.join(", ") : "none"}
                    {a.evidence.ageDays !== null ? <span className="block">{a.evidence.ageDays} days old</span> : null}
                    {a.evidence.stale ? <Pill tone="amber">stale</Pill> : null}
                  </td>
                  <td className="py-2 pr-3">
                    {a.deductions.length === 0 ? (
                      <span className="text-xs text-slate-500">none</span>
                    ) : (
                      <ul className="space-y-0.5 text-xs">
                        {a.deductions.map((d) => (
                          <li key={d.id}>
                            <span className="font-semibold tabular-nums">−{d.points}</span> {d.reason}
                          </li>
                        ))}
                      </ul>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </div>
    </Section>
  );
}

async function StagesSection({ data, now }: { data: Promise<Out<"stages">>; now: Date }) {
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

async function DecisionsSection({ data, slug, now }: { data: Promise<Out<"decisions">>; slug: string; now: Date }) {
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

async function WaiversSection({
  data,
  slug,
  now,
  reviewer,
}: {
  data: Promise<Out<"waivers">>;
  slug: string;
  now: Date;
  /** who may approve and revoke here (security staff and admins; their label is their email), or null */
  reviewer: string | null;
}) {
  const all = await data;
  const shown = all.filter((w) => w.status === "pending" || w.status === "active");
  return (
    <Section id="waivers" title="Waivers and false positives" description="Pending requests wait for the security team.">
      {shown.length === 0 ? (
        <p className="text-sm text-slate-600">
          None. Request one from the{" "}
          <Link className="text-brand-700 underline" href={`/services/${slug}/remediation`}>
            remediation view
          </Link>
          .
        </p>
      ) : (
        <ul className="divide-y divide-slate-100 text-sm">
          {shown.map((w) => (
            <li key={w.id} className="space-y-1 py-2">
              <div className="flex flex-wrap items-center gap-2">
                <Pill tone={w.status === "pending" ? "amber" : "blue"}>{w.status}</Pill>
                <span>{w.kind === "false_positive" ? "False positive" : "Waiver"}</span>
                <code className="text-xs break-all">
                  {w.match.type}: {w.match.value}
                </code>
                {w.stages ? <span className="text-xs text-slate-500">({w.stages.join(", ")})</span> : null}
              </div>
              <p className="text-slate-700">{w.reason}</p>
              <p className="text-xs text-slate-500">
                by {w.createdBy} <TimeAgo iso={w.createdAt} now={now} />
                {w.expiresAt ? ` · expires ${w.expiresAt.slice(0, 10)}` : " · does not expire"}
              </p>
              {reviewer ? <WaiverActions id={w.id} status={w.status} ownRequest={w.createdBy === reviewer} /> : null}
            </li>
          ))}
        </ul>
      )}
    </Section>
  );
}
