import type { Metadata } from "next";
import Link from "next/link";
import { GetStartedNoServices } from "@/components/dashboard/get-started";
import { GradeBadge, SeverityBadge } from "@/components/ui/badges";
import { FilterForm, Hidden, SelectFilter, TextFilter } from "@/components/ui/filter-form";
import { href } from "@/components/ui/href";
import { Pagination } from "@/components/ui/pagination";
import { Empty, Section } from "@/components/ui/section";
import { SortHeader } from "@/components/ui/sort-header";
import { TimeAgo } from "@/components/ui/time-ago";
import { GRADES } from "@/server/gate/policy";
import { SERVICE_SORTS, TIERS } from "@/server/views/filters";
import { int, oneOf, orNotFound, pageApi, publicUrl, slug, text, type SearchParams } from "../_lib/page-kit";

export const metadata: Metadata = { title: "Services" };

export default async function ServicesPage({ searchParams }: { searchParams: SearchParams }) {
  const q = await searchParams;
  const params = {
    team: slug(q, "team"),
    tier: oneOf(q, "tier", TIERS),
    grade: oneOf(q, "grade", GRADES),
    q: text(q, "q", 100),
    sort: oneOf(q, "sort", SERVICE_SORTS),
    dir: oneOf(q, "dir", ["asc", "desc"] as const),
    page: int(q, "page", 1, 10_000),
  };
  const { api } = await pageApi(href("/services", params));
  const [list, teams] = await Promise.all([orNotFound(api.services.list({ ...params, pageSize: 25 })), api.posture.teams()]);
  const now = new Date();
  const sort = params.sort ?? "grade";
  const dir = params.dir ?? "asc";
  const filtered = params.team || params.tier || params.grade || params.q;

  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-end justify-between gap-4">
        <h1 className="text-2xl font-bold tracking-tight">Services</h1>
        <FilterForm action="/services" label="Filter services">
          <TextFilter name="q" label="Search" value={params.q} placeholder="name or team" />
          <SelectFilter
            name="team"
            label="Team"
            value={params.team}
            options={teams.map((t) => ({ value: t.slug, label: t.name }))}
            anyLabel="All teams"
          />
          <SelectFilter name="tier" label="Tier" value={params.tier} options={TIERS} anyLabel="All tiers" />
          <SelectFilter name="grade" label="Grade" value={params.grade} options={GRADES} anyLabel="Any grade" />
          <Hidden name="sort" value={params.sort} />
          <Hidden name="dir" value={params.dir} />
        </FilterForm>
      </div>
      {list.total === 0 ? (
        filtered ? (
          <Empty title="No service matches these filters.">
            <Link className="text-brand-700 underline" href="/services">
              Clear the filters
            </Link>
          </Empty>
        ) : (
          <Section title="No services yet" description="You see the services of your teams. Register one to begin:">
            <GetStartedNoServices url={publicUrl()} />
          </Section>
        )
      ) : (
        <div className="rounded-xl border border-slate-200 bg-white shadow-sm">
          <div className="overflow-x-auto">
            <table className="min-w-full text-sm">
              <thead className="border-b border-slate-200 bg-slate-50 text-left text-xs text-slate-600 uppercase">
                <tr>
                  <SortHeader
                    label="Service"
                    sortKey="name"
                    path="/services"
                    params={params}
                    current={sort}
                    dir={dir}
                    defaultDir="asc"
                  />
                  <SortHeader
                    label="Grade"
                    sortKey="grade"
                    path="/services"
                    params={params}
                    current={sort}
                    dir={dir}
                    defaultDir="asc"
                  />
                  <SortHeader label="Tier" sortKey="tier" path="/services" params={params} current={sort} dir={dir} />
                  <SortHeader
                    label="Open findings"
                    sortKey="critical"
                    path="/services"
                    params={params}
                    current={sort}
                    dir={dir}
                  />
                  <SortHeader label="Last scan" sortKey="lastScan" path="/services" params={params} current={sort} dir={dir} />
                  <th scope="col" className="px-3 py-2">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100">
                {list.items.map((s) => (
                  <tr key={s.id} className="hover:bg-slate-50">
                    <td className="px-3 py-2">
                      <Link className="font-medium text-brand-700 underline" href={`/services/${s.slug}`}>
                        {s.name}
                      </Link>
                      <span className="block text-xs text-slate-500">{s.team}</span>
                    </td>
                    <td className="px-3 py-2">
                      <GradeBadge grade={s.score?.grade ?? null} score={s.score?.score} />
                    </td>
                    <td className="px-3 py-2 capitalize">{s.tier}</td>
                    <td className="px-3 py-2">
                      <div className="flex flex-wrap gap-1">
                        {(["critical", "high", "medium", "low"] as const).map((sev) =>
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
                        {!s.open.critical && !s.open.high && !s.open.medium && !s.open.low ? (
                          <span className="text-xs text-slate-500">none open</span>
                        ) : null}
                      </div>
                    </td>
                    <td className="px-3 py-2 whitespace-nowrap text-slate-600">
                      <TimeAgo iso={s.lastScanAt} now={now} />
                    </td>
                    <td className="px-3 py-2 text-right whitespace-nowrap">
                      <Link className="text-sm text-brand-700 underline" href={`/services/${s.slug}/remediation`}>
                        Remediation
                      </Link>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <div className="px-3 pb-3">
            <Pagination path="/services" params={params} page={list.page} pages={list.pages} total={list.total} noun="services" />
          </div>
        </div>
      )}
    </div>
  );
}
