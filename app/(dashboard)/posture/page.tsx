import type { Metadata } from "next";
import Link from "next/link";
import { Suspense } from "react";
import { GateRateChart } from "@/components/charts/gate-rate-chart";
import { GradeChart } from "@/components/charts/grade-chart";
import { OpenTrendChart } from "@/components/charts/open-trend-chart";
import { GetStartedNoServices } from "@/components/dashboard/get-started";
import { AreaHeatmap } from "@/components/dashboard/area-heatmap";
import { GradeBadge, Pill, SeverityBadge } from "@/components/ui/badges";
import { FilterForm, SelectFilter } from "@/components/ui/filter-form";
import { AREA_SHORT, plural, shortSha } from "@/components/ui/format";
import { href } from "@/components/ui/href";
import { Empty, Section, SectionSkeleton } from "@/components/ui/section";
import { TimeAgo } from "@/components/ui/time-ago";
import { IntelAge } from "@/components/intel/intel-age";
import type { Severity } from "@/server/ingest/types";
import { TIERS } from "@/server/views/filters";
import { early, oneOf, orNotFound, pageApi, publicUrl, slug, type SearchParams } from "../_lib/page-kit";

/** Worst first: past this many services the heatmap says how many more there are and links to the list. */
const HEATMAP_ROWS = 50;
/** Worst first: the evidence list shows this many gaps and counts the rest (each service page lists its own). */
const GAP_ROWS = 12;

export const metadata: Metadata = { title: "Posture" };

type Api = Awaited<ReturnType<typeof pageApi>>["api"];
type Filter = { team?: string; tier?: (typeof TIERS)[number] };

const tile =
  "block rounded-xl border border-slate-200 bg-white p-4 shadow-sm hover:border-brand-600 focus-visible:outline-2 focus-visible:outline-brand-600";

export default async function PosturePage({ searchParams }: { searchParams: SearchParams }) {
  const q = await searchParams;
  const filter: Filter = { team: slug(q, "team"), tier: oneOf(q, "tier", TIERS) };
  const { api } = await pageApi(href("/posture", filter));
  const trend = early(api.posture.openTrend(filter));
  const rates = early(api.posture.gateRates(filter));
  const running = early(api.stageStatus.outOfPolicy({ ...filter, limit: 50 }));
  const [overview, teams] = await Promise.all([orNotFound(api.posture.overview(filter)), api.posture.teams()]);
  const now = new Date();
  const f = { team: filter.team, tier: filter.tier };
  const o = overview;

  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-end justify-between gap-4">
        <div>
          <h1 className="text-2xl font-bold tracking-tight">Security posture</h1>
          <p className="text-sm text-slate-600">
            {plural(o.services.length, "service")}
            {filter.team ? ` of team ${filter.team}` : ""}
            {filter.tier ? `, ${filter.tier} tier` : ""} · the last {o.days} days · worst first
            {o.asOf ? (
              <>
                {" "}
                · counts as of the daily scorecards, <TimeAgo iso={o.asOf} now={new Date()} />
              </>
            ) : null}
          </p>
        </div>
        <FilterForm action="/posture" label="Filter the posture">
          <SelectFilter
            name="team"
            label="Team"
            value={filter.team}
            options={teams.map((t) => ({ value: t.slug, label: t.name }))}
            anyLabel="All teams"
          />
          <SelectFilter name="tier" label="Tier" value={filter.tier} options={TIERS} anyLabel="All tiers" />
        </FilterForm>
      </div>

      {o.services.length === 0 ? (
        <Section
          title="No services yet"
          description="Register a service and send its first scan; the posture fills in from there."
        >
          <GetStartedNoServices url={publicUrl()} />
        </Section>
      ) : (
        <>
          <div className="grid grid-cols-2 gap-3 md:grid-cols-3 lg:grid-cols-6">
            <Link className={tile} href={href("/services", f)}>
              <p className="text-xs font-medium text-slate-500 uppercase">Services</p>
              <p className="mt-1 text-2xl font-bold tabular-nums">{o.services.length}</p>
            </Link>
            {(["critical", "high"] as const).map((s) => (
              <Link key={s} className={tile} href={href("/findings", { ...f, severity: s })}>
                <p className="text-xs font-medium text-slate-500 uppercase">Open {s}</p>
                <p className="mt-1 flex items-center gap-2 text-2xl font-bold tabular-nums">
                  {o.openBySeverity[s]} <SeverityBadge severity={s} />
                </p>
              </Link>
            ))}
            <Link className={tile} href={href("/findings", { ...f, sla: "breached" })}>
              <p className="text-xs font-medium text-slate-500 uppercase">Past SLA</p>
              <p className="mt-1 text-2xl font-bold tabular-nums">{Object.values(o.slaBreaches).reduce((a, b) => a + b, 0)}</p>
            </Link>
            <Link className={tile} href="#bypasses">
              <p className="text-xs font-medium text-slate-500 uppercase">Gate bypasses</p>
              <p className="mt-1 text-2xl font-bold tabular-nums">{o.bypasses.total}</p>
            </Link>
            <Link className={tile} href="#evidence">
              <p className="text-xs font-medium text-slate-500 uppercase">Evidence gaps</p>
              <p className="mt-1 text-2xl font-bold tabular-nums">{o.evidenceGaps.length}</p>
            </Link>
          </div>

          <IntelAge intel={o.intel} kevHref={href("/findings", { ...f, kev: "1" })} now={now} />

          <Suspense fallback={<SectionSkeleton title="Running out of policy" />}>
            <RunningSection data={running} now={now} />
          </Suspense>

          <div className="grid gap-6 lg:grid-cols-5">
            <Section id="grades" title="Grade distribution" className="lg:col-span-2">
              <GradeChart data={o.gradeDistribution} />
              <ul className="mt-3 flex flex-wrap gap-2 text-sm">
                {o.gradeDistribution.map((g) => (
                  <li key={g.grade}>
                    <Link
                      className="inline-flex items-center gap-1.5 rounded-md border border-slate-200 px-2 py-1 hover:border-brand-600"
                      href={href("/services", { ...f, grade: g.grade })}
                    >
                      <GradeBadge grade={g.grade} /> <span className="tabular-nums">{plural(g.count, "service")}</span>
                    </Link>
                  </li>
                ))}
              </ul>
            </Section>
            <Suspense fallback={<SectionSkeleton title="Open findings over 90 days" />}>
              <TrendSection trend={trend} />
            </Suspense>
          </div>

          <Section
            id="heatmap"
            title="Services × risk areas"
            description="Each cell is the area's score (0–100) and its open findings; n/a means no recent evidence. Select a cell for its findings."
          >
            <AreaHeatmap rows={o.services.slice(0, HEATMAP_ROWS)} />
            {o.services.length > HEATMAP_ROWS ? (
              <p className="mt-3 text-sm text-slate-600">
                The {HEATMAP_ROWS} worst of {o.services.length.toLocaleString("en-US")} services.{" "}
                <Link className="font-medium text-brand-700 underline" href={href("/services", f)}>
                  Every service, sorted and filtered
                </Link>
              </p>
            ) : null}
          </Section>

          <div className="grid gap-6 lg:grid-cols-2">
            <Section
              id="sla"
              title="SLA breaches and time to remediate"
              description={`Findings closed in the last ${o.days} days.`}
            >
              <div className="overflow-x-auto">
                <table className="min-w-full text-sm">
                  <thead>
                    <tr className="border-b border-slate-200 text-left text-xs text-slate-500 uppercase">
                      <th scope="col" className="py-2 pr-3">
                        Severity
                      </th>
                      <th scope="col" className="py-2 pr-3">
                        SLA
                      </th>
                      <th scope="col" className="py-2 pr-3">
                        Past SLA
                      </th>
                      <th scope="col" className="py-2 pr-3">
                        Closed
                      </th>
                      <th scope="col" className="py-2 pr-3">
                        Mean time to remediate
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {o.mttr.map((m) => (
                      <tr key={m.severity} className="border-b border-slate-100">
                        <td className="py-2 pr-3">
                          <SeverityBadge severity={m.severity} />
                        </td>
                        <td className="py-2 pr-3 whitespace-nowrap tabular-nums">{o.slaDays[m.severity] ?? "—"} days</td>
                        <td className="py-2 pr-3 tabular-nums">
                          <Link
                            className="text-brand-700 underline"
                            href={href("/findings", { ...f, sla: "breached", severity: m.severity })}
                          >
                            {o.slaBreaches[m.severity as Severity]}
                          </Link>
                        </td>
                        <td className="py-2 pr-3 tabular-nums">
                          <Link
                            className="text-brand-700 underline"
                            href={href("/findings", {
                              ...f,
                              status: "closed",
                              severity: m.severity,
                              closedWithinDays: o.days,
                              sort: "lastSeen",
                            })}
                          >
                            {m.closed}
                          </Link>
                        </td>
                        <td className="py-2 pr-3 whitespace-nowrap tabular-nums">
                          {m.meanDays === null ? "—" : `${m.meanDays} days`}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </Section>
            <Suspense fallback={<SectionSkeleton title="Gate answers per stage" />}>
              <GateSection rates={rates} filter={filter} days={o.days} />
            </Suspense>
          </div>

          <div className="grid gap-6 lg:grid-cols-2">
            <Section
              id="bypasses"
              title="Gate bypasses"
              description={`Deployments without an allow decision, last ${o.days} days.`}
            >
              {o.bypasses.recent.length === 0 ? (
                <p className="text-sm text-slate-600">None: every deployment went through the gate.</p>
              ) : (
                <ul className="divide-y divide-slate-100 text-sm">
                  {o.bypasses.recent.map((b) => (
                    <li key={b.id} className="py-2">
                      <div className="flex flex-wrap items-center gap-2">
                        <Pill tone="red">
                          <span aria-hidden="true">⚠</span>&nbsp;bypass
                        </Pill>
                        <Link className="font-medium text-brand-700 underline" href={`/services/${b.service}#stages`}>
                          {b.service}
                        </Link>
                        <span>→ {b.stage}</span>
                        <code className="text-xs">{shortSha(b.commit)}</code>
                        <span className="text-slate-500">
                          <TimeAgo iso={b.deployedAt} now={now} /> by {b.actor}
                        </span>
                      </div>
                      {b.reason ? <p className="mt-0.5 text-xs text-slate-600">{b.reason}</p> : null}
                    </li>
                  ))}
                  {o.bypasses.total > o.bypasses.recent.length ? (
                    <li className="py-2 text-slate-600">and {o.bypasses.total - o.bypasses.recent.length} more</li>
                  ) : null}
                </ul>
              )}
            </Section>
            <Section
              id="evidence"
              title="Stale or missing evidence"
              description="SAST, SCA or SBOM, and a secret scan: stale after 30 days, missing after 90."
            >
              {o.evidenceGaps.length === 0 ? (
                <p className="text-sm text-slate-600">Every service has fresh SAST, dependency and secret-scan evidence.</p>
              ) : (
                <ul className="divide-y divide-slate-100 text-sm">
                  {o.evidenceGaps.slice(0, GAP_ROWS).map((g) => (
                    <li key={`${g.service}:${g.kind}`} className="flex flex-wrap items-center gap-2 py-2">
                      <Link className="font-medium text-brand-700 underline" href={`/services/${g.service}#evidence`}>
                        {g.name}
                      </Link>
                      <span className="font-mono text-xs">{g.kind}</span>
                      {g.state === "missing" ? (
                        <Pill tone="red">missing{g.ageDays !== null ? ` (${g.ageDays} days old)` : ""}</Pill>
                      ) : (
                        <Pill tone="amber">stale: {g.ageDays} days old</Pill>
                      )}
                    </li>
                  ))}
                  {o.evidenceGaps.length > GAP_ROWS ? (
                    <li className="py-2 text-slate-600">
                      {(o.evidenceGaps.length - GAP_ROWS).toLocaleString("en-US")} more not shown (
                      {o.evidenceGaps.filter((g) => g.state === "missing").length.toLocaleString("en-US")} missing and{" "}
                      {o.evidenceGaps.filter((g) => g.state === "stale").length.toLocaleString("en-US")} stale in all); each
                      service&apos;s page lists its own under Evidence.
                    </li>
                  ) : null}
                </ul>
              )}
            </Section>
          </div>
          <p className="text-xs text-slate-500">
            Areas:{" "}
            {Object.entries(AREA_SHORT)
              .map(([k, v]) => `${k} ${v}`)
              .join(" · ")}
            .{" "}
            <Link href="/scoring" className="underline">
              How scoring works
            </Link>
          </p>
        </>
      )}
    </div>
  );
}

/** What runs out of policy now, per stage and as a list (from the per-stage status table, not the findings). */
async function RunningSection({
  data,
  now,
}: {
  data: Promise<Awaited<ReturnType<Api["stageStatus"]["outOfPolicy"]>>>;
  now: Date;
}) {
  const r = await data;
  return (
    <Section
      id="running"
      title="Running out of policy"
      description="Deployed artifacts that their stage's policy would block now: re-checked when scans, policies or waivers change, and as time passes."
    >
      <ul className="mb-3 flex flex-wrap gap-2 text-sm">
        {r.stages.map((s) => (
          <li
            key={s.stage}
            className={`rounded-md border px-3 py-1.5 ${s.outOfPolicy ? "border-red-300 bg-red-50 text-red-950" : "border-slate-200"}`}
            data-stage={s.stage}
          >
            <span className="font-medium">{s.name}</span> <span className="tabular-nums font-bold">{s.outOfPolicy}</span> out of
            policy
            <span className="text-xs text-slate-500">
              {" "}
              of {s.deployed} deployed{s.unknown ? `, ${s.unknown} unknown` : ""}
            </span>
          </li>
        ))}
      </ul>
      {r.items.length === 0 ? (
        <p className="text-sm text-slate-600">Everything deployed is in policy.</p>
      ) : (
        <ul className="divide-y divide-slate-100 text-sm">
          {r.items.map((i) => (
            <li key={`${i.service.slug}-${i.stage}`} className="flex flex-wrap items-baseline gap-2 py-1.5">
              <Link className="font-medium text-brand-700 underline" href={`/services/${i.service.slug}#stages`}>
                {i.service.name}
              </Link>
              <span className="capitalize">{i.stage}</span>
              <span className="text-xs text-slate-500">
                since <TimeAgo iso={i.since} now={now} /> · {shortSha(i.commit)}
              </span>
              <span className="text-xs text-red-900">{i.checks.join("; ")}</span>
            </li>
          ))}
          {r.total > r.items.length ? <li className="py-1.5 text-slate-600">and {r.total - r.items.length} more</li> : null}
        </ul>
      )}
    </Section>
  );
}

async function TrendSection({ trend: pending }: { trend: Promise<Awaited<ReturnType<Api["posture"]["openTrend"]>>> }) {
  const trend = await pending;
  return (
    <Section
      id="trend"
      title="Open findings over 90 days"
      description="Summed over the services shown, from daily scorecards."
      className="lg:col-span-3"
    >
      {trend.length === 0 ? (
        <Empty title="No daily scorecards yet">
          <p>Scorecards are snapshotted once a day; the chart fills in from the first snapshot on.</p>
        </Empty>
      ) : (
        <OpenTrendChart data={trend} />
      )}
    </Section>
  );
}

async function GateSection({
  rates: pending,
  filter,
  days,
}: {
  rates: Promise<Awaited<ReturnType<Api["posture"]["gateRates"]>>>;
  filter: Filter;
  days: number;
}) {
  const rates = await pending;
  return (
    <Section id="gate" title="Gate answers per stage" description={`Allowed and blocked per week, last ${days} days.`}>
      <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-1 xl:grid-cols-2">
        {rates.map((r) => {
          const total = r.total.allow + r.total.block;
          return (
            <div key={r.stage}>
              <h3 className="flex flex-wrap items-baseline gap-x-2 text-sm font-semibold">
                <span className="capitalize">{r.stage}</span>
                <span className="font-normal text-slate-600">
                  <Link
                    className="text-brand-700 underline"
                    href={href("/decisions", { ...filter, stage: r.stage, decision: "allow", days })}
                  >
                    {r.total.allow} allowed
                  </Link>{" "}
                  ·{" "}
                  <Link
                    className="text-brand-700 underline"
                    href={href("/decisions", { ...filter, stage: r.stage, decision: "block", days })}
                  >
                    {r.total.block} blocked
                  </Link>
                  {total ? ` (${Math.round((r.total.block / total) * 100)}% blocked)` : ""}
                </span>
              </h3>
              {r.weeks.length ? (
                <GateRateChart stage={r.stage} weeks={r.weeks} />
              ) : (
                <p className="text-sm text-slate-500">No decisions.</p>
              )}
            </div>
          );
        })}
      </div>
    </Section>
  );
}
