import type { Metadata } from "next";
import Link from "next/link";
import { slugOptions, type FilterField } from "@/components/list/filter-bar";
import { ListPage } from "@/components/list/list-page";
import { TabNav } from "@/components/list/tab-nav";
import { href } from "@/components/ui/href";
import { Empty } from "@/components/ui/section";
import { WAIVER_STATUS } from "@/components/waivers/status";
import { WaiverList } from "@/components/waivers/waiver-list";
import { WAIVER_STATUSES, type WaiverStatus } from "@/server/gate/waiver-status";
import { int, oneOf, orNotFound, pageApi, slug, type SearchParams } from "../_lib/page-kit";

export const metadata: Metadata = { title: "Waivers" };

export default async function WaiversPage({ searchParams }: { searchParams: SearchParams }) {
  const q = await searchParams;
  const params = {
    status: oneOf(q, "status", WAIVER_STATUSES),
    team: slug(q, "team"),
    service: slug(q, "service"),
    page: int(q, "page", 1, 100_000),
  };
  const { api, user } = await pageApi(href("/waivers", params));
  const [list, services, teams, me] = await Promise.all([
    orNotFound(api.waivers.list({ ...params, pageSize: 25 })),
    api.services.options(),
    api.posture.teams(),
    api.me.whoami(),
  ]);
  const canReview = user.role === "security" || user.role === "admin";
  const narrowed = !!(params.team || params.service);
  const tab = (status: WaiverStatus | undefined, label: string, count: number) => ({
    label,
    count,
    href: href("/waivers", { ...params, status, page: undefined }),
    current: params.status === status,
  });
  const tabs = [
    tab(
      undefined,
      "All",
      WAIVER_STATUSES.reduce((n, s) => n + list.counts[s], 0),
    ),
    ...WAIVER_STATUSES.map((s) => tab(s, WAIVER_STATUS[s].title, list.counts[s])),
  ];

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
    { kind: "hidden", name: "status", value: params.status },
  ];

  return (
    <ListPage
      title="Waivers"
      description={
        <>
          Accepted risks and false positives: who asked, why, until when, and who approved.{" "}
          {canReview
            ? "Approve pending requests (never your own) and revoke what no longer holds."
            : "The security team approves requests; you see your teams' waivers and those for every service."}
        </>
      }
      tabs={<TabNav label="Waiver status" tabs={tabs} />}
      filters={{ action: "/waivers", label: "Filter waivers", fields: filters }}
      isEmpty={list.total === 0}
      empty={
        <Empty title={params.status ? `No ${params.status} waivers${narrowed ? " match" : ""}.` : "No waivers yet."}>
          <p>
            {params.status
              ? WAIVER_STATUS[params.status].empty
              : "A waiver accepts a finding's risk for a while, with a reason; a false positive mark does not expire. Request one from a service's remediation view, or from the command line:"}
          </p>
          {!params.status ? (
            <p>
              <code className="font-mono text-xs break-all">
                gatehouse waiver create --service &lt;slug&gt; --match vulnerability:&lt;CVE&gt; --reason &quot;…&quot;
                --expires-in-days 30 --pending
              </code>
            </p>
          ) : null}
          {narrowed ? (
            <p>
              <Link className="text-brand-700 underline" href={href("/waivers", { status: params.status })}>
                Clear the team and service filters
              </Link>
            </p>
          ) : null}
        </Empty>
      }
      pagination={{
        path: "/waivers",
        params,
        page: list.page,
        pages: list.pages,
        total: list.total,
        noun: "waivers",
      }}
    >
      <WaiverList items={list.items} now={new Date()} reviewer={canReview && me ? me.label : null} />
    </ListPage>
  );
}
