// The findings explorer: every finding the caller can see, with its sources, lifecycle, commits and waivers.
import { sql, type SQL } from "drizzle-orm";
import type { z } from "zod";
import { queryRows } from "@/db/client";
import { canUseService } from "../auth/permissions";
import type { ServiceContext } from "../context";
import { notFound } from "../errors";
import { RISK_AREAS } from "../ingest/risk-area";
import { SEVERITY_RANK } from "../ingest/normalize";
import type { FindingKind, Severity } from "../ingest/types";
import { locationText, sourceLink } from "./remediation-actions";
import { findingsFilter, type FINDING_SORTS, type FindingsFilter } from "./filters";
import type { CursorPage } from "./cursor";
import {
  asIso,
  COUNT_CAP,
  countUpTo,
  keysetOrder,
  keysetPage,
  num,
  pageOf,
  requireReader,
  resolveVisibility,
  seesEveryService,
  visibleServicesWhere,
  type KeysetColumn,
  type Page,
} from "./visibility";
import { slaBreached, slaDays } from "./sla";
import { epssAtLeast, intelColumns, intelOf, onKev } from "../intel/match";
import type { EpssMatch, KevMatch } from "../intel/priority";
import { serviceWaivers, waiversOf, type WaiverBadge } from "./waiver-state";

export { FINDING_SORTS, findingsFilter, type FindingsFilter } from "./filters";

export type FindingListItem = {
  id: string;
  title: string;
  severity: Severity;
  status: "open" | "closed";
  kind: FindingKind;
  area: number;
  ruleId: string;
  vulnerabilityId: string | null;
  packageName: string | null;
  packageVersion: string | null;
  location: string | null;
  service: { slug: string; name: string };
  tools: string[];
  firstSeenAt: string;
  lastSeenAt: string;
  closedAt: string | null;
  reopened: number;
  /** its CISA KEV entry, through its vulnerability id or any alias */
  kev: KevMatch | null;
  /** its highest EPSS score among its ids */
  epss: EpssMatch | null;
};

type ListRow = {
  id: string;
  title: string;
  severity: Severity;
  status: "open" | "closed";
  kind: FindingKind;
  risk_area: number;
  rule_id: string;
  vulnerability_id: string | null;
  package_name: string | null;
  package_version: string | null;
  file: string | null;
  start_line: number | null;
  service_slug: string;
  service_name: string;
  tools: string[] | null;
  first_seen_at: string | Date;
  last_seen_at: string | Date;
  closed_at: string | Date | null;
  reopened: number | string | null;
  kev: unknown;
  epss: unknown;
};

/** The list's order, as keyset columns: the sort, then first seen and id to break ties. */
function findingsOrder(sort: (typeof FINDING_SORTS)[number], dir: "asc" | "desc"): KeysetColumn[] {
  const first: Record<(typeof FINDING_SORTS)[number], Omit<KeysetColumn, "dir">> = {
    severity: { expr: sql`f.severity_rank`, cast: "int" },
    firstSeen: { expr: sql`f.first_seen_at`, cast: "timestamptz" },
    lastSeen: { expr: sql`f.last_seen_at`, cast: "timestamptz" },
    service: { expr: sql`s.slug` },
    title: { expr: sql`f.title` },
  };
  return [
    { ...first[sort], dir },
    { expr: sql`f.first_seen_at`, dir: "asc", cast: "timestamptz" },
    { expr: sql`f.id`, dir: "asc" },
  ];
}

const TEXT_COUNT_CAP = COUNT_CAP / 10;

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/** The findings a filter selects, among what the caller can see. */
async function findingsWhere(ctx: ServiceContext, f: z.output<typeof findingsFilter>): Promise<SQL> {
  return (await findingsWhereNarrowed(ctx, f)).where;
}

/**
 * findingsWhere, and `narrowed`: the same condition with the visible services also named as a list of service ids when
 * they are not all of them. A text match cannot use an index; without the list the planner counts a developer's
 * matches by scanning every open finding and keeping their services' (≈ 412,000 rows read to count 1,001), with it it
 * reads their services' findings by index.
 */
async function findingsWhereNarrowed(
  ctx: ServiceContext,
  f: z.output<typeof findingsFilter>,
): Promise<{ where: SQL; narrowed: SQL }> {
  const seen = await resolveVisibility(ctx, f);
  const now = ctx.now();
  const parts: SQL[] = [visibleServicesWhere(seen)];
  if (f.status === "open") parts.push(sql`f.status = 'open' and f.suppressed = 0`);
  if (f.status === "closed") parts.push(sql`f.status = 'closed'`);
  // Ranks, not names: a range of the (status, severity_rank, …) index rather than a filter over every open finding.
  if (f.severity?.length)
    parts.push(
      sql`f.severity_rank in (${sql.join(
        f.severity.map((s) => sql`${SEVERITY_RANK[s]}`),
        sql`, `,
      )})`,
    );
  if (f.area) parts.push(sql`f.risk_area = ${f.area}`);
  if (f.tool)
    // The finding's own tools list answers most rows; only the rest need their tracks (probed one by one: OFFSET 0
    // keeps the planner from hashing every track of that tool to count a page).
    parts.push(
      sql`(${f.tool.toLowerCase()} = any(f.tools)
           or exists (select 1 from finding_tracks fs where fs.finding_id = f.id and fs.tool = ${f.tool.toLowerCase()} offset 0))`,
    );
  if (f.sla === "breached") parts.push(slaBreached(await slaDays(ctx), now));
  if (f.closedWithinDays)
    parts.push(sql`f.closed_at >= ${new Date(now.getTime() - f.closedWithinDays * 86_400_000).toISOString()}::timestamptz`);
  if (f.kev) parts.push(onKev());
  if (f.epssMin !== undefined) parts.push(epssAtLeast(f.epssMin));
  if (f.q) {
    const like = `%${escapeLike(f.q)}%`;
    parts.push(
      sql`(f.title ilike ${like} or f.rule_id ilike ${like} or f.vulnerability_id ilike ${like} or f.package_name ilike ${like} or f.file ilike ${like} or f.id = ${f.q})`,
    );
  }
  const where = sql.join(parts, sql` and `);
  if (seesEveryService(seen)) return { where, narrowed: where };
  return {
    where,
    narrowed: sql`${where} and f.service_id = any(array(select vs.id from services vs where ${visibleServicesWhere(seen, "vs")}))`,
  };
}

const LIST_COLUMNS = sql`f.id, f.title, f.severity, f.status, f.kind, f.risk_area, f.rule_id, f.vulnerability_id, f.package_name,
  f.package_version, f.file, f.start_line, s.slug as service_slug, s.name as service_name, f.tools, f.first_seen_at, f.last_seen_at,
  f.closed_at, (select sum(fs.reopened_count) from finding_tracks fs where fs.finding_id = f.id) as reopened, ${intelColumns()}`;

const listItem = (r: ListRow): FindingListItem => ({
  id: r.id,
  title: r.title,
  severity: r.severity,
  status: r.status,
  kind: r.kind,
  area: Number(r.risk_area),
  ruleId: r.rule_id,
  vulnerabilityId: r.vulnerability_id,
  packageName: r.package_name,
  packageVersion: r.package_version,
  location: locationText(r.file, r.start_line === null ? null : Number(r.start_line)),
  service: { slug: r.service_slug, name: r.service_name },
  tools: r.tools ?? [],
  firstSeenAt: asIso(r.first_seen_at)!,
  lastSeenAt: asIso(r.last_seen_at)!,
  closedAt: asIso(r.closed_at),
  reopened: num(r.reopened),
  ...intelOf(r),
});

/** The dashboard's list: numbered pages, with a (capped) total. */
export async function listFindings(ctx: ServiceContext, raw: FindingsFilter = {}): Promise<Page<FindingListItem>> {
  const f = findingsFilter.parse(raw);
  const { where, narrowed } = await findingsWhereNarrowed(ctx, f);
  const [rows, count] = await Promise.all([
    queryRows<ListRow>(
      ctx.db,
      sql`select ${LIST_COLUMNS}
          from findings f join services s on s.id = f.service_id
          where ${where}
          order by ${keysetOrder(findingsOrder(f.sort, f.dir))}
          limit ${f.pageSize} offset ${(f.page - 1) * f.pageSize}`,
    ),
    // Text matches cannot use an index: counting them stops ten times sooner, and reads only the visible services'.
    countUpTo(
      ctx.db,
      sql`from findings f join services s on s.id = f.service_id where ${f.q ? narrowed : where}`,
      f.q ? TEXT_COUNT_CAP : COUNT_CAP,
    ),
  ]);
  return pageOf(rows.map(listItem), count.total, f.page, f.pageSize, count.capped);
}

/** The read API's list: the same filters and order, paged with a cursor (no total: a count reads every match). */
export async function listFindingsAfter(
  ctx: ServiceContext,
  raw: Omit<FindingsFilter, "page" | "pageSize">,
  page: { cursor?: string; limit: number },
): Promise<CursorPage<FindingListItem>> {
  const f = findingsFilter.parse(raw);
  const from = sql`findings f join services s on s.id = f.service_id`;
  const where = await findingsWhere(ctx, f);
  return keysetPage(
    ctx.db,
    { columns: LIST_COLUMNS, from, where, order: findingsOrder(f.sort, f.dir), sort: `${f.sort}:${f.dir}` },
    page,
    listItem,
  );
}

export type FindingDetail = {
  id: string;
  fingerprint: string;
  title: string;
  description: string | null;
  severity: Severity;
  status: "open" | "closed";
  suppressed: boolean;
  kind: FindingKind;
  area: { id: number; name: string };
  ruleId: string;
  vulnerabilityId: string | null;
  aliases: string[];
  cwes: number[];
  cvss: { score: number | null; vector: string | null };
  package: {
    name: string;
    version: string | null;
    ecosystem: string | null;
    purl: string | null;
    fixedVersions: string[];
  } | null;
  location: string | null;
  link: string | null;
  resource: string | null;
  url: string | null;
  image: string | null;
  secretPreview: string | null;
  remediation: string | null;
  references: string[];
  tools: string[];
  firstSeenAt: string;
  lastSeenAt: string;
  closedAt: string | null;
  firstCommit: string;
  lastCommit: string;
  service: { slug: string; name: string; teamId: string };
  tracks: {
    tool: string;
    branch: string;
    category: string;
    status: "open" | "closed";
    firstSeenAt: string;
    lastSeenAt: string;
    closedAt: string | null;
    reopenedCount: number;
    lastScanId: string;
  }[];
  commits: { commit: string; branch: string; tool: string; scanId: string; receivedAt: string; line: number | null }[];
  commitsTotal: number;
  waivers: WaiverBadge[];
  /** CISA KEV entry and EPSS score through its vulnerability id or any alias */
  kev:
    (KevMatch & { vendorProject: string; product: string; name: string; requiredAction: string; knownRansomware: string }) | null;
  epss: EpssMatch | null;
};

type DetailRow = Record<string, unknown> & {
  id: string;
  service_id: string;
  team_id: string;
  service_slug: string;
  service_name: string;
  repo_url: string | null;
};

/** A finding merged into another answers with the one it was merged into (links in old decisions keep working). */
export async function getFinding(ctx: ServiceContext, requested: string): Promise<FindingDetail> {
  requireReader(ctx.actor);
  let id = requested;
  let [r] = await queryRows<DetailRow>(
    ctx.db,
    sql`select f.*, s.team_id, s.slug as service_slug, s.name as service_name, s.repo_url
        from findings f join services s on s.id = f.service_id where f.id = ${id}`,
  );
  for (let hops = 0; !r && hops < 10; hops++) {
    const [m] = await queryRows<{ merged_into: string }>(
      ctx.db,
      sql`select merged_into from finding_merges where finding_id = ${id}`,
    );
    if (!m) break;
    id = m.merged_into;
    [r] = await queryRows<DetailRow>(
      ctx.db,
      sql`select f.*, s.team_id, s.slug as service_slug, s.name as service_name, s.repo_url
          from findings f join services s on s.id = f.service_id where f.id = ${id}`,
    );
  }
  if (!r || !canUseService(ctx.actor, { id: r.service_id, teamId: r.team_id })) throw notFound(`Finding "${requested}"`);
  const [tracks, commits, commitCount, waivers, intel] = await Promise.all([
    queryRows<Record<string, unknown>>(
      ctx.db,
      sql`select tool, branch, category, status, first_seen_at, last_seen_at, closed_at, reopened_count, last_scan_id
          from finding_tracks where finding_id = ${id} order by status desc, last_seen_at desc`,
    ),
    queryRows<Record<string, unknown>>(
      ctx.db,
      sql`select sf.commit, sc.branch, sc.tool_name, sc.id as scan_id, sc.received_at, sf.start_line
          from scan_findings sf join scans sc on sc.id = sf.scan_id
          where sf.finding_id = ${id} order by sc.received_at desc, sc.id desc limit 50`,
    ),
    queryRows<{ n: number | string }>(ctx.db, sql`select count(*) as n from scan_findings where finding_id = ${id}`),
    serviceWaivers(ctx, r.service_id, { includeRevoked: true }),
    queryRows<Record<string, unknown>>(
      ctx.db,
      sql`select
            (select json_build_object('cveId', k.cve_id, 'dateAdded', k.date_added::text, 'dueDate', k.due_date::text,
                      'vendorProject', k.vendor_project, 'product', k.product, 'name', k.name,
                      'requiredAction', k.required_action, 'knownRansomware', k.known_ransomware)
               from intel_kev k where k.cve_id = any(f.aliases || f.vulnerability_id) order by k.due_date, k.cve_id limit 1) as kev,
            (select json_build_object('cveId', e.cve_id, 'epss', e.epss, 'percentile', e.percentile)
               from intel_epss e where e.cve_id = any(f.aliases || f.vulnerability_id) order by e.epss desc, e.cve_id limit 1) as epss
          from findings f where f.id = ${id}`,
    ),
  ]);
  const matched = intelOf(intel[0] ?? {});
  const str = (v: unknown) => (v === null || v === undefined ? null : String(v));
  const arr = (v: unknown) => (Array.isArray(v) ? (v as string[]) : []);
  const line = r.start_line === null ? null : Number(r.start_line);
  const m = {
    fingerprint: String(r.fingerprint),
    ruleId: String(r.rule_id),
    vulnerabilityId: str(r.vulnerability_id),
    aliases: arr(r.aliases),
  };
  return {
    id: r.id,
    fingerprint: m.fingerprint,
    title: String(r.title),
    description: str(r.description),
    severity: r.severity as Severity,
    status: r.status as "open" | "closed",
    suppressed: num(r.suppressed) > 0,
    kind: r.kind as FindingKind,
    area: { id: Number(r.risk_area), name: RISK_AREAS[Number(r.risk_area) as keyof typeof RISK_AREAS] ?? "" },
    ruleId: m.ruleId,
    vulnerabilityId: m.vulnerabilityId,
    aliases: m.aliases,
    cwes: (Array.isArray(r.cwes) ? r.cwes : []).map(Number),
    cvss: { score: r.cvss_score === null ? null : Number(r.cvss_score), vector: str(r.cvss_vector) },
    package: r.package_name
      ? {
          name: String(r.package_name),
          version: str(r.package_version),
          ecosystem: str(r.package_ecosystem),
          purl: str(r.package_purl),
          fixedVersions: arr(r.fixed_versions),
        }
      : null,
    location: locationText(str(r.file), line),
    link: sourceLink(r.repo_url, String(r.last_commit), str(r.file), line),
    resource: str(r.resource),
    url: str(r.url),
    image: str(r.image),
    secretPreview: str(r.secret_preview),
    remediation: str(r.remediation),
    references: arr(r.references),
    tools: arr(r.tools),
    firstSeenAt: asIso(r.first_seen_at as string)!,
    lastSeenAt: asIso(r.last_seen_at as string)!,
    closedAt: asIso(r.closed_at as string | null),
    firstCommit: String(r.first_commit),
    lastCommit: String(r.last_commit),
    service: { slug: r.service_slug, name: r.service_name, teamId: r.team_id },
    tracks: tracks.map((s) => ({
      tool: String(s.tool),
      branch: String(s.branch),
      category: String(s.category),
      status: s.status as "open" | "closed",
      firstSeenAt: asIso(s.first_seen_at as string)!,
      lastSeenAt: asIso(s.last_seen_at as string)!,
      closedAt: asIso(s.closed_at as string | null),
      reopenedCount: num(s.reopened_count),
      lastScanId: String(s.last_scan_id),
    })),
    commits: commits.map((c) => ({
      commit: String(c.commit),
      branch: String(c.branch),
      tool: String(c.tool_name),
      scanId: String(c.scan_id),
      receivedAt: asIso(c.received_at as string)!,
      line: c.start_line === null ? null : Number(c.start_line),
    })),
    commitsTotal: num(commitCount[0]?.n),
    waivers: waiversOf(waivers, m, { includeExpired: true }),
    kev: matched.kev as FindingDetail["kev"],
    epss: matched.epss,
  };
}
