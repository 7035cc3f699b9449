import { TRPCError } from "@trpc/server";
import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { Suspense } from "react";
import { ChecksList } from "@/components/dashboard/checks-list";
import { GetStartedService } from "@/components/dashboard/get-started";
import { WaiverRequest } from "@/components/remediation/waiver-request";
import { DecisionBadge, Pill, SeverityBadge } from "@/components/ui/badges";
import { FilterForm, Hidden, SelectFilter } from "@/components/ui/filter-form";
import { AREA_SHORT, plural, shortDigest, shortSha } from "@/components/ui/format";
import { href } from "@/components/ui/href";
import { Pagination } from "@/components/ui/pagination";
import { Empty, Section, SectionSkeleton } from "@/components/ui/section";
import { TimeAgo } from "@/components/ui/time-ago";
import { SEVERITIES } from "@/server/ingest/types";
import type { RemediationAction } from "@/server/views/remediation";
import {
  early,
  int,
  manyOf,
  oneOf,
  orNotFound,
  pageApi,
  publicUrl,
  slug as slugParam,
  text,
  type SearchParams,
} from "../../../_lib/page-kit";

type Params = Promise<{ slug: string }>;
type Api = Awaited<ReturnType<typeof pageApi>>["api"];

export async function generateMetadata({ params }: { params: Params }): Promise<Metadata> {
  return { title: `Remediation · ${(await params).slug}` };
}

const SLUG = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;
const STATUSES = ["open", "closed", "all"] as const;
/** Findings listed under each action; the rest of the most severe ones on request (`?expand=<action key>`). */
const FINDINGS_SHOWN = 5;

export default async function RemediationPage({ params, searchParams }: { params: Params; searchParams: SearchParams }) {
  const { slug } = await params;
  const q = await searchParams;
  const filter = {
    severity: manyOf(q, "severity", SEVERITIES),
    area: int(q, "area", 1, 7),
    tool: text(q, "tool", 100),
    status: oneOf(q, "status", STATUSES),
    branch: text(q, "branch", 250),
    page: int(q, "page", 1, 10_000),
  };
  const stage = slugParam(q, "stage");
  const expand = text(q, "expand", 1000);
  const path = `/services/${slug}/remediation`;
  const { api, user } = await pageApi(href(path, { ...filter, stage }));
  if (!SLUG.test(slug)) notFound();
  // The shell waits only for the service; the gate's preview and the actions each stream in as they are ready.
  const unblock = early(api.remediation.unblock({ service: slug, stage }));
  const actions = early(api.remediation.actions({ service: slug, ...filter, pageSize: 20 }));
  const [svc, stages] = await Promise.all([orNotFound(api.services.get({ service: slug })), api.me.stages()]);
  const canAct = user.role !== "viewer";
  const linkParams = { ...filter, stage, severity: filter.severity.length ? filter.severity : undefined };
  const filtered = Boolean(filter.severity.length || filter.area || filter.tool || filter.status || filter.branch);

  return (
    <div className="space-y-6">
      <div>
        <p className="text-sm text-slate-500">
          <Link className="underline" href="/services">
            Services
          </Link>{" "}
          /{" "}
          <Link className="underline" href={`/services/${svc.slug}`}>
            {svc.name}
          </Link>{" "}
          / Remediation
        </p>
        <h1 className="text-2xl font-bold tracking-tight">What to fix in {svc.name}</h1>
        <Suspense fallback={<p className="text-sm text-slate-600">Grouping the findings into actions…</p>}>
          <ActionsSummary data={actions} />
        </Suspense>
      </div>

      <Suspense fallback={<SectionSkeleton title="What would unblock production" />}>
        <UnblockPanel data={unblock} path={path} params={linkParams} />
      </Suspense>

      <Suspense fallback={<SectionSkeleton title="Actions, most risk removed first" />}>
        <ActionsSection
          data={actions}
          filter={filter}
          filtered={filtered}
          stage={stage}
          expand={expand}
          path={path}
          linkParams={linkParams}
          svc={{ slug: svc.slug, team: svc.team.slug }}
          canAct={canAct}
          stages={stages}
        />
      </Suspense>
    </div>
  );
}

type Actions = Awaited<ReturnType<Api["remediation"]["actions"]>>;

async function ActionsSummary({ data }: { data: Promise<Actions> }) {
  const actions = await data;
  return (
    <p className="text-sm text-slate-600">
      {actions.total === 0
        ? "No matching findings."
        : `${plural(actions.total, "action")} covering ${plural(actions.findingsTotal, "finding")}, the ones that remove the most risk first.`}
    </p>
  );
}

async function ActionsSection({
  data,
  filter,
  filtered,
  stage,
  expand,
  path,
  linkParams,
  svc,
  canAct,
  stages,
}: {
  data: Promise<Actions>;
  filter: { severity: string[]; area?: number; tool?: string; status?: (typeof STATUSES)[number]; branch?: string };
  filtered: boolean;
  stage: string | undefined;
  expand: string | undefined;
  path: string;
  linkParams: Record<string, string | number | readonly string[] | undefined>;
  svc: { slug: string; team: string };
  canAct: boolean;
  stages: { slug: string; name: string }[];
}) {
  const actions = await data;
  const now = new Date();
  return (
    <div className="space-y-6">
      <FilterForm action={path} label="Filter the findings">
        <SelectFilter name="severity" label="Severity" value={filter.severity[0]} options={SEVERITIES} />
        <SelectFilter
          name="area"
          label="Risk area"
          value={filter.area ? String(filter.area) : undefined}
          options={Object.entries(AREA_SHORT).map(([v, l]) => ({ value: v, label: `${v}. ${l}` }))}
        />
        <SelectFilter name="tool" label="Tool" value={filter.tool} options={actions.options.tools} />
        <SelectFilter
          name="status"
          label="Status"
          value={filter.status}
          options={STATUSES.filter((s) => s !== "open")}
          anyLabel="open"
        />
        <SelectFilter
          name="branch"
          label="Branch"
          value={filter.branch}
          options={actions.options.branches}
          anyLabel="Any branch"
        />
        <Hidden name="stage" value={stage} />
      </FilterForm>

      {actions.items.length === 0 ? (
        actions.options.tools.length === 0 ? (
          <Section title="No scans yet">
            <GetStartedService url={publicUrl()} service={svc.slug} team={svc.team} />
          </Section>
        ) : (
          <Empty title={filtered ? "No finding matches these filters." : "Nothing to fix: no open findings."}>
            {filtered ? (
              <Link className="text-brand-700 underline" href={path}>
                Clear the filters
              </Link>
            ) : (
              <p>Keep the scans coming from the pipeline; new findings show up here.</p>
            )}
          </Empty>
        )
      ) : (
        <ol className="space-y-4" aria-label="Actions, most risk removed first">
          {actions.items.map((a, i) => (
            <ActionCard
              key={a.key}
              action={a}
              rank={(actions.page - 1) * actions.pageSize + i + 1}
              expanded={a.key === expand}
              expandHref={href(path, { ...linkParams, expand: a.key })}
              service={svc.slug}
              canAct={canAct}
              stages={stages}
              now={now}
            />
          ))}
        </ol>
      )}
      {actions.total > 0 ? (
        <Pagination
          path={path}
          params={linkParams}
          page={actions.page}
          pages={actions.pages}
          total={actions.total}
          noun="actions"
        />
      ) : null}
    </div>
  );
}

function ActionCard({
  action: a,
  rank,
  expanded,
  expandHref,
  service,
  canAct,
  stages,
  now,
}: {
  action: RemediationAction;
  rank: number;
  expanded: boolean;
  expandHref: string;
  service: string;
  canAct: boolean;
  stages: { slug: string; name: string }[];
  now: Date;
}) {
  const waivedAll = a.findings.length > 0 && a.findings.every((f) => f.waivers.some((w) => w.status === "active"));
  const shown = expanded ? a.findings : a.findings.slice(0, FINDINGS_SHOWN);
  return (
    <li className="rounded-xl border border-slate-200 bg-white p-4 shadow-sm">
      <article aria-labelledby={`action-${rank}`}>
        <div className="flex flex-wrap items-start gap-3">
          <span
            className="flex h-7 w-7 shrink-0 items-center justify-center rounded-full bg-slate-100 text-sm font-semibold tabular-nums text-slate-700"
            aria-hidden="true"
          >
            {rank}
          </span>
          <div className="min-w-0 flex-1">
            <h2 id={`action-${rank}`} className="text-base font-semibold break-words text-slate-900">
              {a.title}
            </h2>
            <p className="text-sm text-slate-700">
              {a.summary}
              {a.detail ? <span className="text-slate-600"> · {a.detail}</span> : null}
            </p>
            {a.priority.why ? (
              <p className={`text-sm ${a.priority.kev ? "font-medium text-red-800" : "text-amber-900"}`}>
                {a.priority.kev ? "Exploited in the wild: " : "Likely to be exploited: "}
                {a.priority.why}
              </p>
            ) : null}
            <div className="mt-2 flex flex-wrap items-center gap-1.5">
              {(["critical", "high", "medium", "low", "info"] as const).map((s) =>
                a.counts[s] ? <SeverityBadge key={s} severity={s} count={a.counts[s]} /> : null,
              )}
              <Pill>
                area {a.area}: {AREA_SHORT[a.area]}
              </Pill>
              {a.tools.map((t) => (
                <Pill key={t} tone="blue">
                  {t}
                </Pill>
              ))}
              {waivedAll ? <Pill tone="amber">waived</Pill> : null}
            </div>
          </div>
          {canAct && a.waiveMatch ? (
            <div className="w-full sm:w-auto">
              <WaiverRequest
                service={service}
                match={a.waiveMatch}
                covers={`${a.waiveMatch.type} ${a.waiveMatch.value}`}
                stages={stages}
              />
            </div>
          ) : null}
        </div>
        <details className="mt-3" open={a.total <= 3 || expanded}>
          <summary className="cursor-pointer text-sm font-medium text-slate-700">
            {a.total > shown.length ? `The ${shown.length} most severe of ${a.total} findings` : plural(a.total, "finding")}
          </summary>
          <ul className="mt-2 divide-y divide-slate-100 rounded-lg border border-slate-100">
            {shown.map((f) => (
              <li key={f.id} className="flex flex-wrap items-start gap-x-3 gap-y-1 px-3 py-2 text-sm">
                <SeverityBadge severity={f.severity} />
                <div className="min-w-0 flex-1">
                  <Link href={`/findings/${f.id}`} className="font-medium break-words text-brand-700 underline">
                    {f.title}
                  </Link>
                  <p className="flex flex-wrap gap-x-3 text-xs text-slate-600">
                    {f.vulnerabilityId ? <span className="font-mono">{f.vulnerabilityId}</span> : null}
                    {f.location ? (
                      f.link ? (
                        <a
                          className="font-mono break-all text-brand-700 underline"
                          href={f.link}
                          target="_blank"
                          rel="noopener noreferrer"
                        >
                          {f.location} @ {shortSha(f.lastCommit)} ↗
                        </a>
                      ) : (
                        <span className="font-mono break-all">{f.location}</span>
                      )
                    ) : null}
                    {f.resource ? <span className="font-mono break-all">{f.resource}</span> : null}
                    {f.url ? <span className="font-mono break-all">{f.url}</span> : null}
                    {f.secretPreview ? <span className="font-mono">{f.secretPreview}</span> : null}
                    {f.packageVersion && f.fixedVersions.length ? (
                      <span>
                        fixed in {f.fixedVersions.slice(0, 3).join(", ")}
                        {f.fixedVersions.length > 3 ? "…" : ""}
                      </span>
                    ) : null}
                    <span>
                      first seen <TimeAgo iso={f.firstSeenAt} now={now} />
                    </span>
                    {f.status === "closed" ? <Pill>closed</Pill> : null}
                    {f.waivers.map((w) => (
                      <Pill key={w.id} tone={w.status === "pending" ? "amber" : "blue"}>
                        {w.kind === "false_positive" ? "false positive" : "waiver"} {w.status}
                      </Pill>
                    ))}
                  </p>
                </div>
                {canAct && a.total > 1 ? (
                  <WaiverRequest
                    size="sm"
                    service={service}
                    match={
                      f.vulnerabilityId
                        ? { type: "vulnerability", value: f.vulnerabilityId }
                        : { type: "fingerprint", value: f.fingerprint }
                    }
                    covers={f.vulnerabilityId ?? f.title}
                    stages={stages}
                  />
                ) : null}
              </li>
            ))}
          </ul>
          {shown.length < a.findings.length ? (
            <p className="mt-2 text-sm">
              <Link className="text-brand-700 underline" href={`${expandHref}#action-${rank}`}>
                Show the {a.findings.length} most severe
              </Link>
            </p>
          ) : null}
        </details>
      </article>
    </li>
  );
}

async function UnblockPanel({
  data,
  path,
  params,
}: {
  data: Promise<Awaited<ReturnType<Api["remediation"]["unblock"]>>>;
  path: string;
  params: Record<string, string | number | readonly string[] | undefined>;
}) {
  const p = await data.catch((e: unknown) => {
    if (e instanceof TRPCError && e.code === "NOT_FOUND") return null;
    throw e;
  });
  if (!p)
    return (
      <Section id="unblock" title="What would unblock a stage">
        <p className="text-sm text-slate-700">
          There is no such stage.{" "}
          <Link className="text-brand-700 underline" href={path}>
            Show the last stage
          </Link>
        </p>
      </Section>
    );
  const blocking = p.checks.filter((c) => c.status === "fail");
  const warnings = p.checks.filter((c) => c.status === "warn");
  const passing = p.checks.filter((c) => c.status === "pass");
  return (
    <Section
      id="unblock"
      title={`What would unblock ${p.stageName.toLowerCase()}`}
      description={
        p.commit ? (
          <>
            The gate&apos;s own evaluation of the latest commit <code className="font-mono">{shortSha(p.commit)}</code>
            {p.branch ? ` on ${p.branch}` : ""}
            {p.artifact ? (
              <>
                {" "}
                (artifact <code className="font-mono">{shortDigest(p.artifact)}</code>)
              </>
            ) : null}{" "}
            against policy v{p.policy?.version}, as if asked now. Nothing is recorded.
          </>
        ) : (
          "No scan yet: the gate has nothing to evaluate."
        )
      }
      action={
        <nav aria-label="Stage" className="flex gap-1 text-sm">
          {p.stages.map((s) => (
            <Link
              key={s.slug}
              href={href(path, params, { stage: s.slug, page: undefined })}
              aria-current={s.slug === p.stage ? "page" : undefined}
              className={`rounded-md border px-2 py-1 ${s.slug === p.stage ? "border-brand-700 bg-brand-700 text-white" : "border-slate-300 bg-white hover:bg-slate-50"}`}
            >
              {s.name}
            </Link>
          ))}
        </nav>
      }
    >
      {p.commit ? (
        <div className="space-y-3">
          <p className="flex flex-wrap items-center gap-2 text-sm">
            <DecisionBadge decision={p.decision} />
            {p.decision === "allow"
              ? `This commit may enter ${p.stage}.`
              : `${plural(blocking.length, "check")} must pass before this commit may enter ${p.stage}:`}
          </p>
          {blocking.length ? <ChecksList checks={blocking} compact /> : null}
          {warnings.length ? (
            <details>
              <summary className="cursor-pointer text-sm text-slate-700">
                {plural(warnings.length, "warning")} (not blocking)
              </summary>
              <ChecksList checks={warnings} compact />
            </details>
          ) : null}
          {passing.length ? (
            <details>
              <summary className="cursor-pointer text-sm text-slate-600">{plural(passing.length, "passing check")}</summary>
              <ChecksList checks={passing} compact />
            </details>
          ) : null}
        </div>
      ) : null}
    </Section>
  );
}
