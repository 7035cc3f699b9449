import type { Metadata } from "next";
import { FindingsTable } from "@/components/findings/findings-table";
import { slugOptions, type FilterField } from "@/components/list/filter-bar";
import { ListPage } from "@/components/list/list-page";
import { AREA_SHORT } from "@/components/ui/format";
import { href } from "@/components/ui/href";
import { Empty } from "@/components/ui/section";
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

  const filters: FilterField[] = [
    { kind: "search", name: "q", label: "Search", value: params.q, placeholder: "title, rule, CVE, package, file" },
    { kind: "select", name: "team", label: "Team", value: params.team, options: slugOptions(teams), anyLabel: "All teams" },
    { kind: "select", name: "tier", label: "Tier", value: params.tier, options: TIERS, anyLabel: "All tiers" },
    {
      kind: "select",
      name: "service",
      label: "Service",
      value: params.service,
      options: slugOptions(services),
      anyLabel: "All services",
    },
    { kind: "select", name: "severity", label: "Severity", value: severity[0], options: SEVERITIES },
    {
      kind: "select",
      name: "area",
      label: "Risk area",
      value: params.area,
      options: Object.entries(AREA_SHORT).map(([v, l]) => ({ value: v, label: `${v}. ${l}` })),
    },
    {
      kind: "select",
      name: "status",
      label: "Status",
      value: params.status,
      options: STATUSES.filter((s) => s !== "open"),
      anyLabel: "open",
    },
    { kind: "select", name: "sla", label: "SLA", value: params.sla, options: [{ value: "breached", label: "past SLA" }] },
    { kind: "select", name: "kev", label: "Exploited", value: params.kev, options: [{ value: "1", label: "on CISA KEV" }] },
    {
      kind: "select",
      name: "epssMin",
      label: "EPSS",
      value: params.epssMin !== undefined ? String(params.epssMin) : undefined,
      options: EPSS_THRESHOLDS.map((t) => ({ value: t, label: `≥ ${t}` })),
    },
    {
      kind: "pinned",
      name: "tool",
      label: "Tool",
      value: params.tool,
      removeHref: href("/findings", params, { tool: undefined, page: undefined }),
    },
    { kind: "hidden", name: "closedWithinDays", value: params.closedWithinDays },
    { kind: "hidden", name: "sort", value: params.sort },
    { kind: "hidden", name: "dir", value: params.dir },
  ];

  return (
    <ListPage
      title="Findings"
      description={
        <>
          Every finding, deduplicated across tools and branches{params.sla ? ", past its SLA" : ""}
          {params.closedWithinDays ? `, closed in the last ${params.closedWithinDays} days` : ""}.
        </>
      }
      filters={{ action: "/findings", label: "Filter findings", fields: filters }}
      isEmpty={list.total === 0}
      empty={
        <Empty title="No finding matches.">
          <p>
            Findings appear when a pipeline posts a scanner report:{" "}
            <code className="font-mono">gatehouse scan upload report.json --service &lt;slug&gt;</code>.
          </p>
        </Empty>
      }
      pagination={{
        path: "/findings",
        params,
        page: list.page,
        pages: list.pages,
        total: list.total,
        capped: list.totalCapped,
        noun: "findings",
      }}
    >
      <FindingsTable
        rows={list.items}
        params={params}
        sort={params.sort ?? "severity"}
        dir={params.dir ?? "desc"}
        now={new Date()}
      />
    </ListPage>
  );
}
