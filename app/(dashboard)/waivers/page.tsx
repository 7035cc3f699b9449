import type { Metadata } from "next";
import Link from "next/link";
import { WaiverActions } from "@/components/waivers/waiver-actions";
import { relative } from "@/components/waivers/format";
import { Pill } from "@/components/ui/badges";
import { FilterForm, Hidden, SelectFilter } from "@/components/ui/filter-form";
import { dateTime } from "@/components/ui/format";
import { href } from "@/components/ui/href";
import { Pagination } from "@/components/ui/pagination";
import { Empty } from "@/components/ui/section";
import { TimeAgo } from "@/components/ui/time-ago";
import { WAIVER_STATUSES, type WaiverStatus } from "@/server/gate/waiver-status";
import { int, oneOf, orNotFound, pageApi, slug, type SearchParams } from "../_lib/page-kit";

export const metadata: Metadata = { title: "Waivers" };

const STATUS: Record<WaiverStatus, { icon: string; tone: "amber" | "blue" | "slate" | "red"; title: string; empty: string }> = {
  pending: {
    icon: "…",
    tone: "amber",
    title: "Pending",
    empty: "Nothing waits for approval. Developers request waivers from a service's remediation view.",
  },
  active: {
    icon: "✓",
    tone: "blue",
    title: "Active",
    empty: "No waiver is in force here: the gate counts every matching finding.",
  },
  expired: {
    icon: "⌛",
    tone: "slate",
    title: "Expired",
    empty: "Waivers land here once their expiry date passes.",
  },
  revoked: {
    icon: "✕",
    tone: "red",
    title: "Revoked",
    empty: "Revoked waivers and rejected requests land here.",
  },
};

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
  const all = WAIVER_STATUSES.reduce((n, s) => n + list.counts[s], 0);
  const now = new Date();
  const tabs = [
    { key: undefined, label: "All", n: all },
    ...WAIVER_STATUSES.map((s) => ({ key: s, label: STATUS[s].title, n: list.counts[s] })),
  ];

  return (
    <div className="space-y-4">
      <div>
        <h1 className="text-2xl font-bold tracking-tight">Waivers</h1>
        <p className="text-sm text-slate-600">
          Accepted risks and false positives: who asked, why, until when, and who approved.{" "}
          {canReview
            ? "Approve pending requests (never your own) and revoke what no longer holds."
            : "The security team approves requests; you see your teams' waivers and those for every service."}
        </p>
      </div>

      <nav aria-label="Waiver status">
        <ul className="flex flex-wrap gap-1 border-b border-slate-200 text-sm">
          {tabs.map((t) => {
            const active = params.status === t.key;
            return (
              <li key={t.label}>
                <Link
                  href={href("/waivers", { ...params, status: t.key, page: undefined })}
                  aria-current={active ? "page" : undefined}
                  className={`-mb-px inline-flex items-center gap-1.5 rounded-t-md border px-3 py-1.5 font-medium focus-visible:outline-2 focus-visible:outline-brand-600 ${
                    active
                      ? "border-slate-200 border-b-white bg-white text-slate-900 underline decoration-2 underline-offset-4"
                      : "border-transparent text-slate-600 hover:text-slate-900"
                  }`}
                >
                  {t.label}
                  <span className="rounded-full bg-slate-100 px-1.5 text-xs tabular-nums text-slate-700">{t.n}</span>
                </Link>
              </li>
            );
          })}
        </ul>
      </nav>

      <FilterForm action="/waivers" label="Filter waivers">
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
        <Hidden name="status" value={params.status} />
      </FilterForm>

      {list.total === 0 ? (
        <Empty
          title={
            params.status ? `No ${params.status} waivers${params.team || params.service ? " match" : ""}.` : "No waivers yet."
          }
        >
          <p>
            {params.status
              ? STATUS[params.status].empty
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
          {params.team || params.service ? (
            <p>
              <Link className="text-brand-700 underline" href={href("/waivers", { status: params.status })}>
                Clear the team and service filters
              </Link>
            </p>
          ) : null}
        </Empty>
      ) : (
        <div className="rounded-xl border border-slate-200 bg-white shadow-sm">
          <ul className="divide-y divide-slate-100" aria-label="Waivers">
            {list.items.map((w) => {
              const s = STATUS[w.status];
              return (
                <li key={w.id} className="space-y-1.5 p-4 text-sm" data-testid="waiver">
                  <div className="flex flex-wrap items-center gap-2">
                    <Pill tone={s.tone}>
                      <span aria-hidden="true" className="mr-1">
                        {s.icon}
                      </span>
                      {w.status}
                    </Pill>
                    <span className="font-medium">{w.kind === "false_positive" ? "False positive" : "Waiver"}</span>
                    <span className="text-slate-500">for</span>
                    {w.service ? (
                      <Link className="text-brand-700 underline" href={`/services/${w.service}`}>
                        {w.service}
                      </Link>
                    ) : (
                      <span className="font-medium">every service</span>
                    )}
                    {w.team ? <span className="text-xs text-slate-500">team {w.team}</span> : null}
                    <span className="text-xs text-slate-500">· {w.stages ? `stages ${w.stages.join(", ")}` : "every stage"}</span>
                  </div>
                  <p>
                    <span className="text-slate-500">Covers </span>
                    <code className="rounded bg-slate-100 px-1 font-mono text-xs break-all">
                      {w.match.type}: {w.match.value}
                    </code>
                  </p>
                  <p className="whitespace-pre-line text-slate-800">{w.reason}</p>
                  <dl className="grid gap-x-6 gap-y-0.5 text-xs text-slate-600 sm:grid-cols-3">
                    <div>
                      <dt className="inline">Requested by </dt>
                      <dd className="inline wrap-anywhere">
                        {w.createdBy} · <TimeAgo iso={w.createdAt} now={now} />
                      </dd>
                    </div>
                    <div>
                      <dt className="inline">{w.expiresAt && new Date(w.expiresAt) <= now ? "Expired " : "Expires "}</dt>
                      <dd className="inline">
                        {w.expiresAt ? (
                          <time dateTime={w.expiresAt} title={dateTime(w.expiresAt)}>
                            {relative(w.expiresAt, now)} ({w.expiresAt.slice(0, 10)})
                          </time>
                        ) : (
                          "never (false positive)"
                        )}
                      </dd>
                    </div>
                    <div>
                      {w.revokedBy && w.revokedAt ? (
                        <>
                          <dt className="inline">{w.approvedBy ? "Revoked by " : "Rejected by "}</dt>
                          <dd className="inline wrap-anywhere">
                            {w.revokedBy} · <TimeAgo iso={w.revokedAt} now={now} />
                          </dd>
                        </>
                      ) : w.approvedBy && w.approvedAt ? (
                        <>
                          <dt className="inline">Approved by </dt>
                          <dd className="inline wrap-anywhere">
                            {w.approvedBy} · <TimeAgo iso={w.approvedAt} now={now} />
                          </dd>
                        </>
                      ) : (
                        <>
                          <dt className="sr-only">Approval</dt>
                          <dd className="inline">awaiting approval by the security team</dd>
                        </>
                      )}
                    </div>
                  </dl>
                  {canReview ? <WaiverActions id={w.id} status={w.status} ownRequest={w.createdBy === me?.label} /> : null}
                </li>
              );
            })}
          </ul>
          <div className="px-4 pb-3">
            <Pagination
              path="/waivers"
              params={params}
              page={list.page}
              pages={list.pages}
              total={list.total}
              noun={list.total === 1 ? "waiver" : "waivers"}
            />
          </div>
        </div>
      )}
    </div>
  );
}
