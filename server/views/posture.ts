// The security team's posture view: grades, a services × risk areas heatmap, open findings over time,
// SLA breaches, time to remediate, gate pass/block rates, bypasses and stale or missing evidence.
import { sql, type SQL } from "drizzle-orm";
import { queryRows } from "@/db/client";
import { ANY_SCAN } from "@/db/schema";
import type { ServiceContext } from "../context";
import { GRADES, type Grade } from "../gate/policy";
import { SEVERITIES, type Severity } from "../ingest/types";
import { FRESHNESS, INTEL_STALE_DAYS } from "../scoring/formula";
import { kevFindings } from "../intel/match";
import { intelStatus, type IntelSourceStatus } from "../intel/status";
import { intelSyncEnabled } from "../intel/sync";
import { openTotal, postureFactsOf } from "./posture-facts";
import { postureFilter, type PostureFilter, type Tier } from "./filters";
import { asIso, num, resolveVisibility, seesEveryService, visibleServicesWhere, type Visibility } from "./visibility";
import { slaDays } from "./sla";

export { postureFilter, type PostureFilter } from "./filters";

const DAY_MS = 86_400_000;
export const POSTURE_DAYS = 90;
const bySeverity = (): Record<Severity, number> => ({ critical: 0, high: 0, medium: 0, low: 0, info: 0 });

export type VisibleService = { id: string; slug: string; name: string; team: string; tier: Tier; lastScanAt: string | null };

/** A service's current scorecard as the lists need it. */
export type ScoreSummary = {
  grade: Grade;
  score: number;
  areas: { area: number; score: number | null; grade: Grade | null }[];
};

export async function visibleServices(ctx: ServiceContext, seen: Visibility): Promise<VisibleService[]> {
  const rows = await queryRows<Record<string, unknown>>(
    ctx.db,
    sql`select s.id, s.slug, s.name, t.slug as team, s.criticality, se.received_at as last_scan_at
        from services s join teams t on t.id = s.team_id
        left join service_evidence se on se.service_id = s.id and se.kind = ${ANY_SCAN}
        where ${visibleServicesWhere(seen)} order by s.slug`,
  );
  return rows.map((r) => ({
    id: String(r.id),
    slug: String(r.slug),
    name: String(r.name),
    team: String(r.team),
    tier: r.criticality as Tier,
    lastScanAt: asIso((r.last_scan_at as string | null) ?? null),
  }));
}

export type PostureRow = VisibleService & {
  score: ScoreSummary | null;
  /** open findings per risk area (1–7) and severity */
  open: Record<number, Record<Severity, number>>;
  openTotal: Record<Severity, number>;
};

export type EvidenceGap = { service: string; name: string; kind: string; state: "missing" | "stale"; ageDays: number | null };

export type PostureView = {
  services: PostureRow[];
  gradeDistribution: { grade: Grade; count: number }[];
  openBySeverity: Record<Severity, number>;
  slaBreaches: Record<Severity, number>;
  slaDays: Record<string, number>;
  mttr: { severity: Severity; closed: number; meanDays: number | null }[];
  bypasses: {
    total: number;
    recent: {
      id: string;
      service: string;
      stage: string;
      commit: string;
      deployedAt: string;
      reason: string | null;
      actor: string;
    }[];
  };
  /** every required kind a visible service lacks or has only stale, worst first (never sent, missing, stalest) */
  evidenceGaps: EvidenceGap[];
  days: number;
  /** when the oldest daily snapshot behind the counts was taken; null when they were counted just now */
  asOf: string | null;
  /** threat intelligence: how old each feed is, whether the daily sync is on, open findings on CISA KEV the caller sees */
  intel: {
    syncEnabled: boolean;
    kev: IntelAge | null;
    epss: IntelAge | null;
    /** sync on and a feed never imported or older than INTEL_STALE_DAYS */
    stale: boolean;
    kevOpen: number;
  };
};

export type IntelAge = IntelSourceStatus & { ageDays: number };

/** Required evidence the posture view checks (the production defaults); sca-or-sbom is either kind. */
const REQUIRED: { label: string; kinds: string[] }[] = [
  { label: "sast", kinds: ["sast"] },
  { label: "sca-or-sbom", kinds: ["sca", "sbom"] },
  { label: "secrets", kinds: ["secrets"] },
];

export async function postureOverview(
  ctx: ServiceContext,
  raw: PostureFilter,
  scoresOf: (services: VisibleService[]) => Promise<Map<string, ScoreSummary>>,
): Promise<PostureView> {
  const f = postureFilter.parse(raw);
  const seen = await resolveVisibility(ctx, f);
  const now = ctx.now();
  const since = new Date(now.getTime() - POSTURE_DAYS * DAY_MS).toISOString();
  const where = visibleServicesWhere(seen);
  const services = await visibleServices(ctx, seen);
  const ids = services.map((s) => s.id);
  const [sla, scores, { facts, asOf }, bypassRows, bypassCount, evidenceRows, intel, kevOpen] = await Promise.all([
    slaDays(ctx),
    scoresOf(services),
    postureFactsOf(ctx, ids),
    queryRows<Record<string, unknown>>(
      ctx.db,
      sql`select dp.id, s.slug, dp.stage, dp.commit, dp.deployed_at, dp.bypass_reason, dp.actor_label
          from deployments dp join services s on s.id = dp.service_id
          where ${where} and dp.bypass and dp.deployed_at >= ${since}::timestamptz
          order by dp.deployed_at desc, dp.id desc limit 10`,
    ),
    queryRows<{ n: number | string }>(
      ctx.db,
      sql`select count(*) as n from deployments dp join services s on s.id = dp.service_id
          where ${where} and dp.bypass and dp.deployed_at >= ${since}::timestamptz`,
    ),
    // The newest complete scan per service and evidence kind, as the scans' triggers keep it (not every scan).
    // Aged from when each scan was produced (scanned_at), as the gate's freshness rule and the service page age it.
    queryRows<{ service_id: string; kind: string; scanned_at: string | Date }>(
      ctx.db,
      sql`select se.service_id, se.kind, se.scanned_at from service_evidence se
          where se.kind in (select json_array_elements_text(${JSON.stringify(REQUIRED.flatMap((r) => r.kinds))}::json))
            and se.service_id in (select json_array_elements_text(${JSON.stringify(ids)}::json))`,
    ),
    intelStatus(ctx),
    queryRows<{ n: number | string }>(
      ctx.db,
      sql`${kevFindings} select count(*) as n from kev_findings f join services s on s.id = f.service_id
          where ${where} and f.status = 'open' and f.suppressed = 0`,
    ),
  ]);
  const syncEnabled = intelSyncEnabled();
  const ageOf = (x: IntelSourceStatus | null): IntelAge | null =>
    x ? { ...x, ageDays: Math.max(0, Math.floor((now.getTime() - new Date(x.importedAt).getTime()) / DAY_MS)) } : null;
  const kevAge = ageOf(intel.kev);
  const epssAge = ageOf(intel.epss);
  const staleIntel =
    syncEnabled &&
    [kevAge, epssAge].some((a) => a === null || now.getTime() - new Date(a.importedAt).getTime() > INTEL_STALE_DAYS * DAY_MS);

  const rows: PostureRow[] = services.map((s) => {
    const open = facts.get(s.id)?.open ?? {};
    return { ...s, score: scores.get(s.id) ?? null, open, openTotal: openTotal(facts.get(s.id)) };
  });
  const openBySeverity = bySeverity();
  const slaBreaches = bySeverity();
  const closed = new Map(SEVERITIES.map((s) => [s, { n: 0, seconds: 0 }]));
  for (const r of rows) for (const s of SEVERITIES) openBySeverity[s] += r.openTotal[s];
  for (const x of facts.values()) {
    for (const s of SEVERITIES) {
      slaBreaches[s] += x.slaBreached[s] ?? 0;
      closed.get(s)!.n += x.closed[s]?.n ?? 0;
      closed.get(s)!.seconds += x.closed[s]?.seconds ?? 0;
    }
  }
  // Worst first: lowest score, then most critical findings; unscored services last.
  rows.sort(
    (a, b) =>
      (a.score?.score ?? 101) - (b.score?.score ?? 101) ||
      b.openTotal.critical - a.openTotal.critical ||
      b.openTotal.high - a.openTotal.high ||
      a.slug.localeCompare(b.slug),
  );

  const newestOf = new Map<string, number>();
  for (const e of evidenceRows) {
    const at = new Date(e.scanned_at).getTime();
    for (const req of REQUIRED.filter((r) => r.kinds.includes(e.kind))) {
      const key = `${e.service_id} ${req.label}`;
      newestOf.set(key, Math.max(at, newestOf.get(key) ?? at));
    }
  }
  const evidenceGaps: EvidenceGap[] = [];
  for (const s of services) {
    for (const req of REQUIRED) {
      const newest = newestOf.get(`${s.id} ${req.label}`);
      const ageDays = newest === undefined ? null : Math.floor((now.getTime() - newest) / DAY_MS);
      if (ageDays === null || ageDays > FRESHNESS.notAssessedAfterDays)
        evidenceGaps.push({ service: s.slug, name: s.name, kind: req.label, state: "missing", ageDays });
      else if (ageDays > FRESHNESS.staleAfterDays)
        evidenceGaps.push({ service: s.slug, name: s.name, kind: req.label, state: "stale", ageDays });
    }
  }

  // Worst first: never sent, then missing (older than 90 days), then the stalest; oldest first says all of it.
  const age = (g: EvidenceGap) => g.ageDays ?? Number.MAX_SAFE_INTEGER;
  evidenceGaps.sort((a, b) => age(b) - age(a) || a.service.localeCompare(b.service) || a.kind.localeCompare(b.kind));

  return {
    services: rows,
    gradeDistribution: GRADES.map((g) => ({ grade: g, count: rows.filter((r) => r.score?.grade === g).length })),
    openBySeverity,
    slaBreaches,
    slaDays: sla,
    mttr: SEVERITIES.filter((s) => s !== "info").map((severity) => {
      const c = closed.get(severity)!;
      return { severity, closed: c.n, meanDays: c.n === 0 ? null : Math.round((c.seconds / c.n / 86_400) * 10) / 10 };
    }),
    bypasses: {
      total: num(bypassCount[0]?.n),
      recent: bypassRows.map((b) => ({
        id: String(b.id),
        service: String(b.slug),
        stage: String(b.stage),
        commit: String(b.commit),
        deployedAt: asIso(b.deployed_at as string)!,
        reason: (b.bypass_reason as string | null) ?? null,
        actor: String(b.actor_label),
      })),
    },
    evidenceGaps,
    days: POSTURE_DAYS,
    asOf,
    intel: { syncEnabled, kev: kevAge, epss: epssAge, stale: staleIntel, kevOpen: num(kevOpen[0]?.n) },
  };
}

export type TrendPoint = { day: string } & Record<Severity, number>;

/**
 * Open findings by severity per day over the last 90 days, summed over the services the caller sees: from the per-day,
 * team and tier sums the snapshots' triggers keep (a few thousand rows), or for a token bound to a few services from
 * their snapshots.
 */
export async function openTrend(ctx: ServiceContext, raw: PostureFilter): Promise<TrendPoint[]> {
  const f = postureFilter.parse(raw);
  const seen = await resolveVisibility(ctx, f);
  const since = new Date(ctx.now().getTime() - POSTURE_DAYS * DAY_MS).toISOString().slice(0, 10);
  if (seen.services || seen.serviceId) return openTrendFromSnapshots(ctx, seen, since);
  const where: SQL[] = [sql`pt.day >= ${since}::date`];
  if (seen.visible) where.push(sql`pt.team_id in (select json_array_elements_text(${JSON.stringify(seen.visible)}::json))`);
  if (seen.teamId) where.push(sql`pt.team_id = ${seen.teamId}`);
  if (seen.tier) where.push(sql`pt.tier = ${seen.tier}`);
  const sums = sql.join(
    SEVERITIES.map((s) => sql`sum(pt.${sql.identifier(s)}) as ${sql.identifier(s)}`),
    sql`, `,
  );
  return trendPoints(
    await queryRows<TrendRow>(
      ctx.db,
      sql`select pt.day, ${sums} from posture_trend pt where ${sql.join(where, sql` and `)} group by pt.day order by pt.day`,
    ),
  );
}

type TrendRow = { day: string | Date } & Record<Severity, number | string>;

const trendPoints = (rows: TrendRow[]): TrendPoint[] =>
  rows.map((r) => {
    const p: TrendPoint = {
      day: typeof r.day === "string" ? r.day.slice(0, 10) : r.day.toISOString().slice(0, 10),
      ...bySeverity(),
    };
    for (const s of SEVERITIES) p[s] = num(r[s]);
    return p;
  });

/** The same, summed from the visible services' daily snapshots (what `posture_trend` keeps for whole teams and tiers). */
export async function openTrendFromSnapshots(ctx: ServiceContext, seen: Visibility, since: string): Promise<TrendPoint[]> {
  // Summed in the database: one row per day reaches the server, not one per service and day.
  const sums = sql.join(
    SEVERITIES.map((s) => sql`sum(coalesce((ss.open_by_severity ->> ${s})::int, 0)) as ${sql.identifier(s)}`),
    sql`, `,
  );
  return trendPoints(
    await queryRows<TrendRow>(
      ctx.db,
      sql`select ss.day, ${sums} from score_snapshots ss join services s on s.id = ss.service_id
          where ${visibleServicesWhere(seen)} and ss.day >= ${since}::date group by ss.day order by ss.day`,
    ),
  );
}

export type GateRatePoint = { week: string; allow: number; block: number };
export type GateRates = { stage: string; total: { allow: number; block: number }; weeks: GateRatePoint[] }[];

/** Gate answers per stage and week over the last 90 days. */
export async function gateRates(ctx: ServiceContext, raw: PostureFilter): Promise<GateRates> {
  const f = postureFilter.parse(raw);
  const seen = await resolveVisibility(ctx, f);
  const since = new Date(ctx.now().getTime() - POSTURE_DAYS * DAY_MS).toISOString();
  // Every decision names a service: one who sees them all (the condition below is then `true`) counts the covering
  // index alone; joining 90,000 decisions to their services was half of the query.
  const services = seesEveryService(seen) ? sql`` : sql`join services s on s.id = d.service_id`;
  const [rows, stageRows] = await Promise.all([
    queryRows<{ stage: string; week: string; allow: number | string; block: number | string }>(
      ctx.db,
      // Grouped by the week's start, formatted per group: to_char on each of 90,000 decisions cost a third of the query.
      sql`select g.stage, to_char(g.w, 'YYYY-MM-DD') as week, g.allow, g.block from (
            select d.stage, date_trunc('week', d.evaluated_at at time zone 'UTC') as w,
                   count(*) filter (where d.decision = 'allow') as allow, count(*) filter (where d.decision = 'block') as block
            from gate_decisions d ${services}
            where ${visibleServicesWhere(seen)} and d.evaluated_at >= ${since}::timestamptz and d.kind = 'gate'
            group by d.stage, w) g
          order by g.w`,
    ),
    queryRows<{ slug: string }>(ctx.db, sql`select slug from stages order by position`),
  ]);
  return stageRows.map(({ slug }) => {
    const weeks = rows.filter((r) => r.stage === slug).map((r) => ({ week: r.week, allow: num(r.allow), block: num(r.block) }));
    return {
      stage: slug,
      total: { allow: weeks.reduce((n, w) => n + w.allow, 0), block: weeks.reduce((n, w) => n + w.block, 0) },
      weeks,
    };
  });
}
