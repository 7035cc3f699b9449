// The remediation view: a service's findings grouped into actions, ordered by the risk each action removes.
import { sql, type SQL } from "drizzle-orm";
import type { z } from "zod";
import { queryRows } from "@/db/client";
import type { ServiceContext } from "../context";
import type { FindingKind, Severity } from "../ingest/types";
import { remediationFilter, type RemediationFilter } from "./filters";
import {
  fixesSummary,
  locationText,
  RISK_WEIGHT,
  SEVERITY_ORDER,
  sourceLink,
  upgradeTarget,
  type SeverityCounts,
} from "./remediation-actions";
import { asIso, num, pageOf, type Page } from "./visibility";
import { priorityReason, SEVERITY_FACTOR, type EpssMatch, type KevMatch } from "../intel/priority";
import { serviceWaivers, waiversOf, type WaiverBadge } from "./waiver-state";

export { remediationFilter, type RemediationFilter } from "./filters";

export type ActionFinding = {
  id: string;
  title: string;
  severity: Severity;
  status: "open" | "closed";
  ruleId: string;
  fingerprint: string;
  vulnerabilityId: string | null;
  location: string | null;
  /** file and line at the last commit that saw it, on the repository host */
  link: string | null;
  resource: string | null;
  url: string | null;
  packageVersion: string | null;
  fixedVersions: string[];
  secretPreview: string | null;
  tools: string[];
  firstSeenAt: string;
  lastCommit: string;
  waivers: WaiverBadge[];
};

export type RemediationAction = {
  key: string;
  type: "upgrade" | "no-fix" | "rotate-secret" | "fix-rule";
  /** "Upgrade lodash 4.17.15 → 4.17.21" */
  title: string;
  /** "fixes 3 findings, 1 critical" */
  summary: string;
  detail: string | null;
  kind: FindingKind;
  area: number;
  risk: number;
  maxSeverity: Severity;
  counts: SeverityCounts;
  total: number;
  files: number;
  tools: string[];
  /** the findings behind it, most severe first (at most FINDINGS_PER_ACTION) */
  findings: ActionFinding[];
  /** what a waiver for the whole action would match */
  waiveMatch: { type: "fingerprint" | "vulnerability" | "rule"; value: string } | null;
  /**
   * Why it is where it is: actions with a finding on CISA KEV come first (earliest CISA due date first), then by
   * EPSS × severity, then by the severity-weighted risk. `why` is null when no threat intelligence applies.
   */
  priority: { kev: KevMatch | null; epss: EpssMatch | null; why: string | null };
};

export type RemediationView = Page<RemediationAction> & {
  findingsTotal: number;
  options: { tools: string[]; branches: string[] };
};

const FINDINGS_PER_ACTION = 25;

const GROUP_KEY = sql`case
  when f.kind = 'dependency' and f.package_name is not null
    then 'pkg:' || coalesce(f.package_key, f.package_name) || '@' || coalesce(f.package_version, '')
  when f.kind = 'secret' then 'secret:' || f.id
  else 'rule:' || f.kind || ':' || f.rule_id end`;

const FACTOR = sql.raw(
  `case severity when 'critical' then ${SEVERITY_FACTOR.critical} when 'high' then ${SEVERITY_FACTOR.high} when 'medium' then ${SEVERITY_FACTOR.medium} when 'low' then ${SEVERITY_FACTOR.low} else 0 end`,
);

const RISK = sql.raw(
  `case severity_rank when 5 then ${RISK_WEIGHT.critical} when 4 then ${RISK_WEIGHT.high} when 3 then ${RISK_WEIGHT.medium} when 2 then ${RISK_WEIGHT.low} else 0 end`,
);

// Code, configuration and secret findings name no vulnerability: the threat-intelligence probes skip them.
const HAS_CVE = sql`(f.vulnerability_id is not null or cardinality(f.aliases) > 0)`;

function matching(serviceId: string, f: z.output<typeof remediationFilter>): SQL {
  const parts: SQL[] = [sql`f.service_id = ${serviceId}`];
  const scoped = f.tool !== undefined || f.branch !== undefined;
  if (!scoped) {
    if (f.status === "open") parts.push(sql`f.status = 'open' and f.suppressed = 0`);
    if (f.status === "closed") parts.push(sql`f.status = 'closed'`);
  } else {
    // The lifecycle of the chosen tool or branch decides open or closed.
    // The service id lets the planner read the service's tracks by index rather than every track with this tool.
    const scope: SQL[] = [sql`fs.finding_id = f.id`, sql`fs.service_id = ${serviceId}`];
    if (f.tool) scope.push(sql`fs.tool = ${f.tool.toLowerCase()}`);
    if (f.branch) scope.push(sql`fs.branch = ${f.branch}`);
    if (f.status !== "all") scope.push(sql`fs.status = ${f.status}`);
    parts.push(sql`exists (select 1 from finding_tracks fs where ${sql.join(scope, sql` and `)})`);
    if (f.status === "open") parts.push(sql`f.suppressed = 0`);
  }
  if (f.severity?.length) parts.push(sql`f.severity in (select json_array_elements_text(${JSON.stringify(f.severity)}::json))`);
  if (f.area) parts.push(sql`f.risk_area = ${f.area}`);
  return sql.join(parts, sql` and `);
}

type GroupRow = {
  key: string;
  kind: FindingKind;
  rule_id: string;
  package_name: string | null;
  package_version: string | null;
  title: string;
  total: number;
  critical: number;
  high: number;
  medium: number;
  low: number;
  info: number;
  max_rank: number;
  files: number;
  area: number;
  risk: number | string;
  fixes: unknown;
  n_groups: number | string;
  n_findings: number | string;
  kev_cve: string | null;
  kev_added: string | null;
  kev_due: string | null;
  epss_cve: string | null;
  epss: number | string | null;
  percentile: number | string | null;
  /** the group's most severe findings, in the order they are listed */
  sample_ids: string[] | null;
};

type FindingRow = {
  id: string;
  title: string;
  severity: Severity;
  status: "open" | "closed";
  rule_id: string;
  fingerprint: string;
  vulnerability_id: string | null;
  aliases: string[] | null;
  file: string | null;
  start_line: number | null;
  resource: string | null;
  url: string | null;
  package_version: string | null;
  fixed_versions: string[] | null;
  secret_preview: string | null;
  tools: string[] | null;
  first_seen_at: string | Date;
  last_commit: string;
};

/**
 * The service's distinct track keys (branch, tool and category joined by U+0001, as ingest writes them), one
 * index probe per key: a few dozen reads where "select distinct tool" would read every track row of the service.
 */
const trackKeys = (serviceId: string) => sql`with recursive k(track_key) as (
    (select track_key from finding_tracks where service_id = ${serviceId} order by track_key limit 1)
    union all
    select (select fs.track_key from finding_tracks fs where fs.service_id = ${serviceId} and fs.track_key > k.track_key
            order by fs.track_key limit 1)
    from k where k.track_key is not null)`;

const parseJson = <T>(v: unknown): T => (typeof v === "string" ? (JSON.parse(v) as T) : (v as T));

export async function remediationActions(
  ctx: ServiceContext,
  service: { id: string; repoUrl: string | null },
  raw: RemediationFilter = {},
): Promise<RemediationView> {
  const f = remediationFilter.parse(raw);
  const where = matching(service.id, f);
  const offset = (f.page - 1) * f.pageSize;
  const [groups, tools, branches, waivers] = await Promise.all([
    queryRows<GroupRow>(
      ctx.db,
      // Threat intelligence is matched once per CVE id the service's findings name, from those ids' side (an index scan
      // over the feed for the distinct ids), then joined back: probing the feeds once per finding took ≈ 400 ms for a
      // service's 5,000 open findings with EPSS loaded (280,000 scores), this ≈ 40 ms.
      sql`with m as (select ${GROUP_KEY} as key, f.id, f.first_seen_at, f.kind, f.rule_id, f.package_name, f.package_version,
                             f.title, f.severity, f.severity_rank, f.file, f.risk_area, f.fixed_versions,
                             case when ${HAS_CVE} then f.aliases || f.vulnerability_id end as cves
                      from findings f
                      where ${where}),
          ids as (select m.id, u.cve from m cross join lateral unnest(m.cves) u(cve) where m.cves is not null),
          wanted as (select array(select distinct cve from ids) as cves),
          fk as (select distinct on (ids.id) ids.id, k.cve_id as kev_cve, k.date_added::text as kev_added, k.due_date::text as kev_due
                 from ids join (select k.cve_id, k.date_added, k.due_date from intel_kev k
                                where k.cve_id = any((select cves from wanted)::text[])) k on k.cve_id = ids.cve
                 order by ids.id, k.due_date, k.cve_id),
          fe as (select distinct on (ids.id) ids.id, e.cve_id as epss_cve, e.epss, e.percentile
                 from ids join (select e.cve_id, e.epss, e.percentile from intel_epss e
                                where e.cve_id = any((select cves from wanted)::text[])) e on e.cve_id = ids.cve
                 order by ids.id, e.epss desc, e.cve_id),
          mi as (select m.*, fk.kev_cve, fk.kev_added, fk.kev_due, fe.epss_cve, fe.epss, fe.percentile
                 from m left join fk on fk.id = m.id left join fe on fe.id = m.id),
          g as (
            select key, min(kind) as kind, min(rule_id) as rule_id, min(package_name) as package_name,
                   min(package_version) as package_version, min(title) as title, count(*)::int as total,
                   (count(*) filter (where severity = 'critical'))::int as critical,
                   (count(*) filter (where severity = 'high'))::int as high,
                   (count(*) filter (where severity = 'medium'))::int as medium,
                   (count(*) filter (where severity = 'low'))::int as low,
                   (count(*) filter (where severity = 'info'))::int as info,
                   max(severity_rank)::int as max_rank, count(distinct file)::int as files, min(risk_area)::int as area,
                   sum(${RISK}) as risk,
                   case when min(kind) = 'dependency' then json_agg(fixed_versions) end as fixes,
                   (array_agg(kev_cve order by kev_due, kev_cve) filter (where kev_cve is not null))[1] as kev_cve,
                   (array_agg(kev_added order by kev_due, kev_cve) filter (where kev_cve is not null))[1] as kev_added,
                   min(kev_due) as kev_due,
                   (array_agg(epss_cve order by epss desc, epss_cve) filter (where epss_cve is not null))[1] as epss_cve,
                   max(epss) as epss,
                   (array_agg(percentile order by epss desc, epss_cve) filter (where epss_cve is not null))[1] as percentile,
                   coalesce(max(coalesce(epss, 0) * ${FACTOR}), 0) as exploit,
                   (array_agg(id order by severity_rank desc, first_seen_at, id))[1:${FINDINGS_PER_ACTION}] as sample_ids
            from mi group by key)
          select g.*, count(*) over () as n_groups, sum(total) over () as n_findings
          from g order by (kev_cve is not null) desc, kev_due nulls last, exploit desc, risk desc, max_rank desc, total desc, key
          limit ${f.pageSize} offset ${offset}`,
    ),
    queryRows<{ tool: string }>(
      ctx.db,
      sql`${trackKeys(service.id)} select distinct split_part(track_key, chr(1), 2) as tool from k where track_key is not null order by 1`,
    ),
    queryRows<{ branch: string }>(
      ctx.db,
      sql`${trackKeys(service.id)} select distinct split_part(track_key, chr(1), 1) as branch from k where track_key is not null
          order by 1 limit 200`,
    ),
    serviceWaivers(ctx, service.id),
  ]);
  // The totals come with the page's groups; only a page past the end needs them counted on their own.
  const counts: { groups: number | string; findings: number | string }[] = groups.length
    ? [{ groups: groups[0]!.n_groups, findings: groups[0]!.n_findings }]
    : offset > 0
      ? await queryRows(
          ctx.db,
          sql`select count(distinct ${GROUP_KEY}) as groups, count(*) as findings from findings f where ${where}`,
        )
      : [];
  // The groups named their most severe findings while they were counted: read just those, by id, rather than match
  // the filter again over every finding of the service.
  const sampleIds = groups.flatMap((g) => g.sample_ids ?? []);
  const sample = sampleIds.length
    ? await queryRows<FindingRow>(
        ctx.db,
        sql`select f.id, f.title, f.severity, f.status, f.rule_id, f.fingerprint, f.vulnerability_id, f.aliases, f.file, f.start_line,
                   f.resource, f.url, f.package_version, f.fixed_versions, f.secret_preview, f.tools, f.first_seen_at, f.last_commit
            from findings f
            where f.service_id = ${service.id} and f.id in (select json_array_elements_text(${JSON.stringify(sampleIds)}::json))`,
      )
    : [];
  const byId = new Map(sample.map((r) => [r.id, r]));

  const items = groups.map((g): RemediationAction => {
    const rows = (g.sample_ids ?? []).flatMap((id) => byId.get(id) ?? []);
    const findings = rows.map((r): ActionFinding => {
      const m = { fingerprint: r.fingerprint, ruleId: r.rule_id, vulnerabilityId: r.vulnerability_id, aliases: r.aliases ?? [] };
      return {
        id: r.id,
        title: r.title,
        severity: r.severity,
        status: r.status,
        ruleId: r.rule_id,
        fingerprint: r.fingerprint,
        vulnerabilityId: r.vulnerability_id,
        location: locationText(r.file, r.start_line === null ? null : Number(r.start_line)),
        link: sourceLink(service.repoUrl, r.last_commit, r.file, r.start_line === null ? null : Number(r.start_line)),
        resource: r.resource,
        url: r.url,
        packageVersion: r.package_version,
        fixedVersions: r.fixed_versions ?? [],
        secretPreview: r.secret_preview,
        tools: r.tools ?? [],
        firstSeenAt: asIso(r.first_seen_at)!,
        lastCommit: r.last_commit,
        waivers: waiversOf(waivers, m),
      };
    });
    const counts: SeverityCounts = { critical: g.critical, high: g.high, medium: g.medium, low: g.low, info: g.info };
    const kev = g.kev_cve ? { cveId: g.kev_cve, dateAdded: g.kev_added ?? "", dueDate: g.kev_due ?? "" } : null;
    const epss =
      g.epss_cve && g.epss !== null ? { cveId: g.epss_cve, epss: Number(g.epss), percentile: Number(g.percentile ?? 0) } : null;
    const maxSeverity = SEVERITY_ORDER[5 - Number(g.max_rank)] ?? "info";
    const base = {
      key: g.key,
      kind: g.kind,
      area: Number(g.area),
      risk: num(g.risk),
      maxSeverity,
      counts,
      total: Number(g.total),
      files: Number(g.files),
      tools: [...new Set(findings.flatMap((x) => x.tools))].sort(),
      findings,
      summary: fixesSummary(counts),
      priority: { kev, epss, why: priorityReason({ kev, epss }) },
    };
    if (g.key.startsWith("pkg:")) {
      const fixes = parseJson<(string[] | null)[]>(g.fixes) ?? [];
      const { target, unfixed } = upgradeTarget(
        g.package_version,
        fixes.map((x) => x ?? []),
      );
      const from = g.package_version ? ` ${g.package_version}` : "";
      if (target === null) {
        return {
          ...base,
          type: "no-fix",
          title: `Replace or mitigate ${g.package_name}${from}`,
          detail: "No fixed version is known yet.",
          waiveMatch:
            findings.length === 1 && findings[0]!.vulnerabilityId
              ? { type: "vulnerability", value: findings[0]!.vulnerabilityId }
              : null,
        };
      }
      return {
        ...base,
        type: "upgrade",
        title: `Upgrade ${g.package_name}${from} → ${target}`,
        detail: unfixed ? `${unfixed} of them ${unfixed === 1 ? "has" : "have"} no fixed version yet.` : null,
        waiveMatch:
          findings.length === 1 && findings[0]!.vulnerabilityId
            ? { type: "vulnerability", value: findings[0]!.vulnerabilityId }
            : null,
      };
    }
    if (g.key.startsWith("secret:")) {
      const first = findings[0];
      const where = first?.location ?? first?.resource ?? first?.url ?? null;
      return {
        ...base,
        type: "rotate-secret",
        title: where ? `Rotate the secret found in ${where}` : `Rotate the secret found by ${g.rule_id}`,
        summary: base.summary,
        detail: "Revoke it at its issuer, replace it, then remove it from the code and the history.",
        waiveMatch: first ? { type: "fingerprint", value: first.fingerprint } : null,
      };
    }
    const places = Number(g.files);
    const where =
      places > 0 ? ` in ${places} ${places === 1 ? "file" : "files"}` : Number(g.total) > 1 ? ` in ${g.total} places` : "";
    // DAST plugin ids ("10020") say nothing to a reader; the alert's title does.
    const named = g.kind === "dast" || /^\d+$/.test(g.rule_id);
    return {
      ...base,
      type: "fix-rule",
      title: named ? `Fix “${g.title}”${where}` : `Fix rule ${g.rule_id}${where}`,
      detail: named ? `rule ${g.rule_id}` : g.title,
      // One finding: waive just it; several: the rule, for all of them.
      waiveMatch:
        Number(g.total) === 1 && findings[0]
          ? { type: "fingerprint", value: findings[0].fingerprint }
          : { type: "rule", value: g.rule_id },
    };
  });

  return {
    ...pageOf(items, num(counts[0]?.groups), f.page, f.pageSize),
    findingsTotal: num(counts[0]?.findings),
    options: { tools: tools.map((t) => t.tool), branches: branches.map((b) => b.branch) },
  };
}
