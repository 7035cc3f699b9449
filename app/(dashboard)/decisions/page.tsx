import type { Metadata } from "next";
import Link from "next/link";
import { DecisionBadge } from "@/components/ui/badges";
import { FilterForm, Hidden, SelectFilter } from "@/components/ui/filter-form";
import { shortDigest, shortSha } from "@/components/ui/format";
import { href } from "@/components/ui/href";
import { Pagination } from "@/components/ui/pagination";
import { Empty } from "@/components/ui/section";
import { TimeAgo } from "@/components/ui/time-ago";
import { TIERS } from "@/server/views/filters";
import { int, oneOf, orNotFound, pageApi, slug, type SearchParams } from "../_lib/page-kit";

export const metadata: Metadata = { title: "Gate decisions" };

export default async function DecisionsPage({ searchParams }: { searchParams: SearchParams }) {
  const q = await searchParams;
  const params = {
    team: slug(q, "team"),
    tier: oneOf(q, "tier", TIERS),
    service: slug(q, "service"),
    stage: slug(q, "stage"),
    decision: oneOf(q, "decision", ["allow", "block"] as const),
    days: int(q, "days", 1, 3650),
    page: int(q, "page", 1, 100_000),
  };
  const { api } = await pageApi(href("/decisions", params));
  const [list, stages, services, teams] = await Promise.all([
    orNotFound(api.decisions.list({ ...params, pageSize: 25 })),
    api.me.stages(),
    api.services.options(),
    api.posture.teams(),
  ]);
  const now = new Date();

  return (
    <div className="space-y-4">
      <div>
        <h1 className="text-2xl font-bold tracking-tight">Gate decisions</h1>
        <p className="text-sm text-slate-600">
          Every answer the gate gave, newest first, exactly as recorded{params.days ? ` · the last ${params.days} days` : ""}.
        </p>
      </div>
      <FilterForm action="/decisions" label="Filter decisions">
        <SelectFilter
          name="team"
          label="Team"
          value={params.team}
          options={teams.map((t) => ({ value: t.slug, label: t.name }))}
          anyLabel="All teams"
        />
        <SelectFilter
          name="service"
          label="Service"
          value={params.service}
          options={services.map((s) => ({ value: s.slug, label: s.name }))}
          anyLabel="All services"
        />
        <SelectFilter
          name="stage"
          label="Stage"
          value={params.stage}
          options={stages.map((s) => ({ value: s.slug, label: s.name }))}
          anyLabel="All stages"
        />
        <SelectFilter name="decision" label="Decision" value={params.decision} options={["allow", "block"]} />
        <Hidden name="tier" value={params.tier} />
        <Hidden name="days" value={params.days ? String(params.days) : undefined} />
      </FilterForm>
      {list.total === 0 ? (
        <Empty title="No decision matches.">
          <p>
            Pipelines ask the gate before each promotion:{" "}
            <code className="font-mono">gatehouse gate --service &lt;slug&gt; --stage test</code>.
          </p>
        </Empty>
      ) : (
        <div className="rounded-xl border border-slate-200 bg-white shadow-sm">
          <div className="overflow-x-auto">
            <table className="min-w-full text-sm">
              <thead className="border-b border-slate-200 bg-slate-50 text-left text-xs text-slate-600 uppercase">
                <tr>
                  <th scope="col" className="px-3 py-2">
                    Decision
                  </th>
                  <th scope="col" className="px-3 py-2">
                    Service
                  </th>
                  <th scope="col" className="px-3 py-2">
                    Stage
                  </th>
                  <th scope="col" className="px-3 py-2">
                    Commit
                  </th>
                  <th scope="col" className="px-3 py-2">
                    Why
                  </th>
                  <th scope="col" className="px-3 py-2">
                    When
                  </th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100">
                {list.items.map((d) => (
                  <tr key={d.id} className="align-top hover:bg-slate-50">
                    <td className="px-3 py-2">
                      <Link href={`/decisions/${d.id}`} aria-label={`Decision ${d.id}: ${d.decision}`}>
                        <DecisionBadge decision={d.decision} />
                      </Link>
                    </td>
                    <td className="px-3 py-2">
                      <Link className="text-brand-700 underline" href={`/services/${d.service.slug}`}>
                        {d.service.name}
                      </Link>
                    </td>
                    <td className="px-3 py-2 capitalize">{d.stage}</td>
                    <td className="px-3 py-2 font-mono text-xs">
                      {shortSha(d.commit)}
                      {d.artifact ? <span className="block text-slate-500">{shortDigest(d.artifact)}</span> : null}
                    </td>
                    <td className="max-w-md px-3 py-2 text-xs">
                      {d.failed.length ? (
                        <span className="text-red-900">✕ {d.failed.join("; ")}</span>
                      ) : (
                        <span className="text-slate-600">{d.warned.length ? "passed, with warnings" : "all checks passed"}</span>
                      )}
                      {d.warned.length ? <span className="block text-amber-900">! {d.warned.join("; ")}</span> : null}
                    </td>
                    <td className="px-3 py-2 whitespace-nowrap text-slate-600">
                      <Link className="underline" href={`/decisions/${d.id}`}>
                        <TimeAgo iso={d.evaluatedAt} now={now} />
                      </Link>
                      <span className="block text-xs">policy v{d.policyVersion}</span>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <div className="px-3 pb-3">
            <Pagination
              path="/decisions"
              params={params}
              page={list.page}
              pages={list.pages}
              total={list.total}
              capped={list.totalCapped}
              noun="decisions"
            />
          </div>
        </div>
      )}
    </div>
  );
}
