import type { Metadata } from "next";
import Link from "next/link";
import { Pill, SeverityBadge } from "@/components/ui/badges";
import { FilterForm, Hidden, SelectFilter, TextFilter } from "@/components/ui/filter-form";
import { AREA_SHORT } from "@/components/ui/format";
import { href } from "@/components/ui/href";
import { Pagination } from "@/components/ui/pagination";
import { Empty } from "@/components/ui/section";
import { SortHeader } from "@/components/ui/sort-header";
import { TimeAgo } from "@/components/ui/time-ago";
import { EpssBadge, KevBadge } from "@/components/intel/intel-badges";
import { SEVERITIES } from "@/server/ingest/types";
import { FINDING_SORTS, TIERS } from "@/server/views/filters";
import { int, manyOf, oneOf, orNotFound, pageApi, slug, text, type SearchParams } from "../_lib/page-kit";

export const metadata: Metadata = { title: "Findings" };

const STATUSES = ["open", "closed", "all"] as const;
const EPSS_THRESHOLDS = ["0.01", "0.1", "0.5", "0.9"] as const;

export default async function FindingsPage({ searchParams }: { searchParams: SearchParams }) {
  const q = await searchParams;
  const severity = manyOf(q, "severity", SEVERITIES);
  const params = {
    team: slug(q, "team"),
    tier: oneOf(q, "tier", TIERS),
    service: slug(q, "service"),
    severity: severity.length ? severity : undefined,
    area: int(q, "area", 1, 7),
    tool: text(q, "tool", 100),
    status: oneOf(q, "status", STATUSES),
    sla: oneOf(q, "sla", ["breached"] as const),
    closedWithinDays: int(q, "closedWithinDays", 1, 3650),
    kev: oneOf(q, "kev", ["1"] as const),
    epssMin: ((v) => (v ? Number(v) : undefined))(oneOf(q, "epssMin", EPSS_THRESHOLDS)),
    q: text(q, "q", 200),
    sort: oneOf(q, "sort", FINDING_SORTS),
    dir: oneOf(q, "dir", ["asc", "desc"] as const),
    page: int(q, "page", 1, 100_000),
  };
  const { api } = await pageApi(href("/findings", params));
  const [list, teams, services] = await Promise.all([
    orNotFound(api.findings.list({ ...params, kev: params.kev ? true : undefined, pageSize: 25 })),
    api.posture.teams(),
    api.services.options(),
  ]);
  const now = new Date();
  const sort = params.sort ?? "severity";
  const dir = params.dir ?? "desc";

  return (
    <div className="space-y-4">
      <div>
        <h1 className="text-2xl font-bold tracking-tight">Findings</h1>
        <p className="text-sm text-slate-600">
          Every finding, deduplicated across tools and branches{params.sla ? ", past its SLA" : ""}
          {params.closedWithinDays ? `, closed in the last ${params.closedWithinDays} days` : ""}.
        </p>
      </div>
      <FilterForm action="/findings" label="Filter findings">
        <TextFilter name="q" label="Search" value={params.q} placeholder="title, rule, CVE, package, file" />
        <SelectFilter
          name="team"
          label="Team"
          value={params.team}
          options={teams.map((t) => ({ value: t.slug, label: t.name }))}
          anyLabel="All teams"
        />
        <SelectFilter name="tier" label="Tier" value={params.tier} options={TIERS} anyLabel="All tiers" />
        <SelectFilter
          name="service"
          label="Service"
          value={params.service}
          options={services.map((s) => ({ value: s.slug, label: s.name }))}
          anyLabel="All services"
        />
        <SelectFilter name="severity" label="Severity" value={severity[0]} options={SEVERITIES} />
        <SelectFilter
          name="area"
          label="Risk area"
          value={params.area ? String(params.area) : undefined}
          options={Object.entries(AREA_SHORT).map(([v, l]) => ({ value: v, label: `${v}. ${l}` }))}
        />
        <SelectFilter
          name="status"
          label="Status"
          value={params.status}
          options={STATUSES.filter((s) => s !== "open")}
          anyLabel="open"
        />
        <SelectFilter name="sla" label="SLA" value={params.sla} options={[{ value: "breached", label: "past SLA" }]} />
        <SelectFilter name="kev" label="Exploited" value={params.kev} options={[{ value: "1", label: "on CISA KEV" }]} />
        <SelectFilter
          name="epssMin"
          label="EPSS"
          value={params.epssMin !== undefined ? String(params.epssMin) : undefined}
          options={EPSS_THRESHOLDS.map((t) => ({ value: t, label: `≥ ${t}` }))}
        />
        <Hidden name="tool" value={params.tool} />
        <Hidden name="closedWithinDays" value={params.closedWithinDays ? String(params.closedWithinDays) : undefined} />
        <Hidden name="sort" value={params.sort} />
        <Hidden name="dir" value={params.dir} />
      </FilterForm>
      {params.tool ? (
        <p className="text-sm">
          Tool: <Pill tone="blue">{params.tool}</Pill>{" "}
          <Link className="text-brand-700 underline" href={href("/findings", params, { tool: undefined, page: undefined })}>
            remove
          </Link>
        </p>
      ) : null}
      {list.total === 0 ? (
        <Empty title="No finding matches.">
          <p>
            Findings appear when a pipeline posts a scanner report:{" "}
            <code className="font-mono">gatehouse scan upload report.json --service &lt;slug&gt;</code>.
          </p>
        </Empty>
      ) : (
        <div className="rounded-xl border border-slate-200 bg-white shadow-sm">
          <div className="overflow-x-auto">
            <table className="min-w-full text-sm">
              <thead className="border-b border-slate-200 bg-slate-50 text-left text-xs text-slate-600 uppercase">
                <tr>
                  <SortHeader label="Severity" sortKey="severity" path="/findings" params={params} current={sort} dir={dir} />
                  <SortHeader
                    label="Finding"
                    sortKey="title"
                    path="/findings"
                    params={params}
                    current={sort}
                    dir={dir}
                    defaultDir="asc"
                  />
                  <SortHeader
                    label="Service"
                    sortKey="service"
                    path="/findings"
                    params={params}
                    current={sort}
                    dir={dir}
                    defaultDir="asc"
                  />
                  <th scope="col" className="px-3 py-2">
                    Sources
                  </th>
                  <SortHeader
                    label="First seen"
                    sortKey="firstSeen"
                    path="/findings"
                    params={params}
                    current={sort}
                    dir={dir}
                    defaultDir="asc"
                  />
                  <SortHeader label="Last seen" sortKey="lastSeen" path="/findings" params={params} current={sort} dir={dir} />
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100">
                {list.items.map((f) => (
                  <tr key={f.id} className="align-top hover:bg-slate-50">
                    <td className="px-3 py-2">
                      <SeverityBadge severity={f.severity} />
                    </td>
                    <td className="max-w-md px-3 py-2">
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
                    </td>
                    <td className="px-3 py-2">
                      <Link className="text-brand-700 underline" href={`/services/${f.service.slug}`}>
                        {f.service.name}
                      </Link>
                    </td>
                    <td className="px-3 py-2">
                      <div className="flex flex-wrap gap-1">
                        {f.tools.map((t) => (
                          <Link key={t} href={href("/findings", params, { tool: t, page: undefined })}>
                            <Pill tone="blue">{t}</Pill>
                          </Link>
                        ))}
                      </div>
                    </td>
                    <td className="px-3 py-2 whitespace-nowrap text-slate-600">
                      <TimeAgo iso={f.firstSeenAt} now={now} />
                    </td>
                    <td className="px-3 py-2 whitespace-nowrap text-slate-600">
                      <TimeAgo iso={f.closedAt ?? f.lastSeenAt} now={now} />
                      {f.closedAt ? <span className="block text-xs">closed</span> : null}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <div className="px-3 pb-3">
            <Pagination
              path="/findings"
              params={params}
              page={list.page}
              pages={list.pages}
              total={list.total}
              capped={list.totalCapped}
              noun="findings"
            />
          </div>
        </div>
      )}
    </div>
  );
}
