import type { Metadata } from "next";
import { DecisionsTable } from "@/components/decisions/decisions-table";
import { slugOptions, type FilterField } from "@/components/list/filter-bar";
import { ListPage } from "@/components/list/list-page";
import { href } from "@/components/ui/href";
import { Empty } from "@/components/ui/section";
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

  const filters: FilterField[] = [
    { kind: "select", name: "team", label: "Team", value: params.team, options: slugOptions(teams), anyLabel: "All teams" },
    {
      kind: "select",
      name: "service",
      label: "Service",
      value: params.service,
      options: slugOptions(services),
      anyLabel: "All services",
    },
    { kind: "select", name: "stage", label: "Stage", value: params.stage, options: slugOptions(stages), anyLabel: "All stages" },
    { kind: "select", name: "decision", label: "Decision", value: params.decision, options: ["allow", "block"] },
    { kind: "hidden", name: "tier", value: params.tier },
    { kind: "hidden", name: "days", value: params.days },
  ];

  return (
    <ListPage
      title="Gate decisions"
      description={`Every answer the gate gave, newest first, exactly as recorded${params.days ? ` · the last ${params.days} days` : ""}.`}
      filters={{ action: "/decisions", label: "Filter decisions", fields: filters }}
      isEmpty={list.total === 0}
      empty={
        <Empty title="No decision matches.">
          <p>
            Pipelines ask the gate before each promotion:{" "}
            <code className="font-mono">gatehouse gate --service &lt;slug&gt; --stage test</code>.
          </p>
        </Empty>
      }
      pagination={{
        path: "/decisions",
        params,
        page: list.page,
        pages: list.pages,
        total: list.total,
        capped: list.totalCapped,
        noun: "decisions",
      }}
    >
      <DecisionsTable rows={list.items} now={new Date()} />
    </ListPage>
  );
}
