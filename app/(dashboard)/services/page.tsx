import type { Metadata } from "next";
import Link from "next/link";
import { GetStartedNoServices } from "@/components/dashboard/get-started";
import { slugOptions, type FilterField } from "@/components/list/filter-bar";
import { ListPage } from "@/components/list/list-page";
import { ServicesTable } from "@/components/services/services-table";
import { href } from "@/components/ui/href";
import { Empty, Section } from "@/components/ui/section";
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
  const filtered = params.team || params.tier || params.grade || params.q;

  const filters: FilterField[] = [
    { kind: "search", name: "q", label: "Search", value: params.q, placeholder: "name or team" },
    { kind: "select", name: "team", label: "Team", value: params.team, options: slugOptions(teams), anyLabel: "All teams" },
    { kind: "select", name: "tier", label: "Tier", value: params.tier, options: TIERS, anyLabel: "All tiers" },
    { kind: "select", name: "grade", label: "Grade", value: params.grade, options: GRADES, anyLabel: "Any grade" },
    { kind: "hidden", name: "sort", value: params.sort },
    { kind: "hidden", name: "dir", value: params.dir },
  ];

  return (
    <ListPage
      title="Services"
      filters={{ action: "/services", label: "Filter services", fields: filters }}
      isEmpty={list.total === 0}
      empty={
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
      }
      pagination={{ path: "/services", params, page: list.page, pages: list.pages, total: list.total, noun: "services" }}
    >
      <ServicesTable rows={list.items} params={params} sort={params.sort ?? "grade"} dir={params.dir ?? "asc"} now={new Date()} />
    </ListPage>
  );
}
