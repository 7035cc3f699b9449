// The scorecard verbs: gather a service's scoring input with a few indexed aggregates, compute it (pure),
// and keep one snapshot per service per day so trends never recompute history.
import { and, asc, desc, eq, gt, gte, isNotNull, isNull, lte, or, sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import { queryRows } from "@/db/client";
import { scoreSnapshots, services, stages, waivers } from "@/db/schema";
import { recordAudit } from "../audit/record-audit";
import { canSeeTeam, requireRole } from "../auth/permissions";
import { withTransaction, type ServiceContext } from "../context";
import { forbidden, notFound, validation } from "../errors";
import type { RiskArea } from "../ingest/risk-area";
import { SEVERITIES, type EvidenceKind, type Severity } from "../ingest/types";
import { requireScope } from "../tokens/tokens";
import { countPostureFacts } from "../views/posture-facts";
import { intelStatus } from "../intel/status";
import { intelSyncEnabled } from "../intel/sync";
import { slaDays } from "../views/sla";
import {
  AREAS,
  computeScorecard,
  FORMULA_VERSION,
  FRESHNESS,
  SIGNAL_WINDOW_DAYS,
  slaCutoff,
  type AreaScore,
  type SlaDaysBySeverity,
  type Cap,
  type EvidenceItem,
  type ExploitedCount,
  type FindingCount,
  type Grade,
  type PostureCheck,
  type Scorecard,
  type ScorecardInput,
} from "./formula";

const DAY_MS = 86_400_000;
const MAX_TREND_DAYS = 400;
const MAX_POSTURE_CHECKS = 500;

const asDate = (v: string | Date) => (v instanceof Date ? v : new Date(v));
const utcDay = (d: Date) => d.toISOString().slice(0, 10);

/** The service if the actor may read it; another team's service does not exist for them. */
async function readableService(ctx: ServiceContext, serviceId: string): Promise<{ id: string; slug: string; teamId: string }> {
  const actor = ctx.actor;
  if (actor.type === "token") requireScope(actor, "read");
  const [row] = await ctx.db
    .select({ id: services.id, slug: services.slug, teamId: services.teamId })
    .from(services)
    .where(eq(services.id, serviceId))
    .limit(1);
  if (!row || !canSeeTeam(actor, row.teamId)) throw notFound(`Service "${serviceId}"`);
  if (actor.type === "token" && actor.serviceIds && !actor.serviceIds.includes(row.id)) {
    throw forbidden(`This token may not read service "${row.slug}".`);
  }
  return row;
}

type WaiverMatch = { fingerprints: string[]; rules: string[]; vulns: string[] };

/**
 * Approved, unrevoked, unexpired waivers of this service (or of every service) that cover the last stage:
 * a finding accepted only for an earlier stage is still a risk where it matters.
 */
async function activeWaivers(ctx: ServiceContext, serviceId: string, now: Date): Promise<WaiverMatch> {
  const [last] = await ctx.db.select({ slug: stages.slug }).from(stages).orderBy(desc(stages.position)).limit(1);
  const rows = await ctx.db
    .select({ type: waivers.matchType, value: waivers.matchValue, stages: waivers.stages })
    .from(waivers)
    .where(
      and(
        or(eq(waivers.serviceId, serviceId), isNull(waivers.serviceId)),
        isNotNull(waivers.approvedAt),
        isNull(waivers.revokedAt),
        or(isNull(waivers.expiresAt), gt(waivers.expiresAt, now)),
      ),
    );
  const out: WaiverMatch = { fingerprints: [], rules: [], vulns: [] };
  for (const w of rows) {
    if (w.stages && !(last && w.stages.includes(last.slug))) continue;
    const v = w.value.trim();
    if (v === "") continue;
    // The same matching as the gate's evaluator: fingerprints and vulnerability ids case-insensitively, rules exactly.
    if (w.type === "fingerprint") out.fingerprints.push(v.toLowerCase());
    else if (w.type === "vulnerability") out.vulns.push(v.toLowerCase());
    else out.rules.push(v);
  }
  return out;
}

/** The finding `f` is covered by one of these waivers (null when it has no vulnerability id: coalesce it). */
function waivedSql(w: WaiverMatch): SQL {
  const list = (xs: string[]) => sql`(select json_array_elements_text(${JSON.stringify(xs)}::json))`;
  return w.fingerprints.length + w.rules.length + w.vulns.length === 0
    ? sql`false`
    : sql`(lower(f.fingerprint) in ${list(w.fingerprints)}
           or exists (select 1 from unnest(f.merged_fingerprints) m where lower(m) in ${list(w.fingerprints)})
           or f.rule_id in ${list(w.rules)}
           or lower(trim(f.vulnerability_id)) in ${list(w.vulns)}
           or exists (select 1 from unnest(f.aliases) a where lower(trim(a)) in ${list(w.vulns)}))`;
}

/** Open, unsuppressed, unwaived findings on CISA KEV per area, with the KEV CVEs they match. */
async function exploitedCounts(ctx: ServiceContext, serviceId: string, w: WaiverMatch): Promise<ExploitedCount[]> {
  const rows = await queryRows<{ risk_area: number; open: number | string; cves: string[] | string }>(
    ctx.db,
    sql`select f.risk_area, count(distinct f.id)::int as open, array_agg(distinct k.cve_id order by k.cve_id) as cves
        from findings f join intel_kev k on k.cve_id = any(f.aliases || f.vulnerability_id)
        where f.service_id = ${serviceId} and f.status = 'open' and f.suppressed = 0
          and not coalesce(${waivedSql(w)}, false)
        group by 1 order by 1`,
  );
  return rows
    .map((r) => ({
      area: Number(r.risk_area) as RiskArea,
      open: Number(r.open),
      cves: Array.isArray(r.cves)
        ? r.cves
        : String(r.cves)
            .replace(/^\{|\}$/g, "")
            .split(",")
            .filter(Boolean),
    }))
    .filter((r) => AREAS.includes(r.area));
}

type CountRow = {
  risk_area: number;
  severity: Severity;
  posture_rule: string | null;
  check_name: string | null;
  check_score: number | string | null;
  open: number | string;
  sla_breached: number | string;
};

/** Open, unsuppressed, unwaived findings by area × severity; scored posture checks one by one. One pass over the index. */
async function findingCounts(
  ctx: ServiceContext,
  serviceId: string,
  now: Date,
  w: WaiverMatch,
  sla: SlaDaysBySeverity,
): Promise<{ findings: FindingCount[]; postureChecks: PostureCheck[] }> {
  const waived = waivedSql(w);
  // A finding without a vulnerability id makes the match null rather than false: hence the coalesce in the query.
  const cutoff = (s: Severity) => slaCutoff(s, now, sla)?.toISOString() ?? null;
  const scored = sql`(f.kind = 'posture' and jsonb_typeof(f.properties -> 'score') = 'number')`;
  const rows = await queryRows<CountRow>(
    ctx.db,
    sql`select f.risk_area, f.severity,
               case when f.kind = 'posture' and not ${scored} then f.rule_id end as posture_rule,
               case when ${scored} then f.rule_id end as check_name,
               case when ${scored} then (f.properties ->> 'score')::float8 end as check_score,
               count(*)::int as open,
               count(*) filter (where f.first_seen_at < case f.severity
                   when 'critical' then ${cutoff("critical")}::timestamptz
                   when 'high' then ${cutoff("high")}::timestamptz
                   when 'medium' then ${cutoff("medium")}::timestamptz
                   when 'low' then ${cutoff("low")}::timestamptz
                   end)::int as sla_breached
        from findings f
        where f.service_id = ${serviceId} and f.status = 'open' and f.suppressed = 0
          and not coalesce(${waived}, false)
        group by 1, 2, 3, 4, 5
        order by 1, 2, 3, 4, 5`,
  );
  const findings: FindingCount[] = [];
  const postureChecks: PostureCheck[] = [];
  for (const r of rows) {
    const area = Number(r.risk_area) as RiskArea;
    if (!AREAS.includes(area) || !SEVERITIES.includes(r.severity)) continue;
    if (r.check_name !== null && r.check_score !== null) {
      for (let i = 0; i < Number(r.open) && postureChecks.length < MAX_POSTURE_CHECKS; i++)
        postureChecks.push({ name: r.check_name, severity: r.severity, score: Number(r.check_score) });
    } else {
      findings.push({
        area,
        severity: r.severity,
        open: Number(r.open),
        slaBreached: Number(r.sla_breached),
        ...(r.posture_rule ? { rule: r.posture_rule } : {}),
      });
    }
  }
  return { findings, postureChecks };
}

type EvidenceRow = {
  tool_name: string;
  evidence: string[];
  scanned_at: string | Date;
  scanner_db_built_at: string | Date | null;
};

/** The latest complete scan per tool and evidence set, within the window that can still assess an area. */
async function latestEvidence(ctx: ServiceContext, serviceId: string, now: Date): Promise<EvidenceItem[]> {
  const since = new Date(now.getTime() - FRESHNESS.notAssessedAfterDays * DAY_MS).toISOString();
  const rows = await queryRows<EvidenceRow>(
    ctx.db,
    sql`select distinct on (tool_name, evidence) tool_name, evidence, scanned_at, scanner_db_built_at
        from scans
        where service_id = ${serviceId} and status = 'complete'
          and scanned_at > ${since}::timestamptz and received_at <= ${now.toISOString()}::timestamptz
        order by tool_name, evidence, scanned_at desc, id desc`,
  );
  return rows.map((r) => ({
    tool: r.tool_name,
    kinds: (r.evidence ?? []) as EvidenceKind[],
    status: "complete",
    scannedAt: asDate(r.scanned_at),
    scannerDbBuiltAt: r.scanner_db_built_at === null ? null : asDate(r.scanner_db_built_at),
  }));
}

type SignalRow = {
  last_scan_at: string | Date | null;
  failed_scans: number | string;
  overrides: number | string;
  ungated: number | string;
  retractions: number | string;
};

async function signals(ctx: ServiceContext, serviceId: string, now: Date): Promise<ScorecardInput["signals"]> {
  const since = new Date(now.getTime() - SIGNAL_WINDOW_DAYS * DAY_MS).toISOString();
  const at = now.toISOString();
  const asked = sql`exists (select 1 from gate_decisions g
                            where g.service_id = d.service_id and g.stage = d.stage and g.commit = d.commit
                              and g.evaluated_at <= d.deployed_at and g.kind = 'gate')`;
  const deploys = sql`from deployments d
                      where d.service_id = ${serviceId} and d.bypass
                        and d.deployed_at > ${since}::timestamptz and d.deployed_at <= ${at}::timestamptz`;
  const [row] = await queryRows<SignalRow>(
    ctx.db,
    sql`select
          (select max(received_at) from scans where service_id = ${serviceId} and received_at <= ${at}::timestamptz) as last_scan_at,
          (select count(*)::int from scans where service_id = ${serviceId} and status = 'failed'
             and received_at > ${since}::timestamptz and received_at <= ${at}::timestamptz) as failed_scans,
          (select count(*)::int ${deploys} and ${asked}) as overrides,
          (select count(*)::int ${deploys} and not ${asked}) as ungated,
          (select count(*)::int from scans where service_id = ${serviceId} and (statistics ->> 'retracted')::int > 0
             and received_at > ${since}::timestamptz and received_at <= ${at}::timestamptz) as retractions`,
  );
  return {
    lastScanAt: row?.last_scan_at ? asDate(row.last_scan_at) : null,
    failedScans30d: Number(row?.failed_scans ?? 0),
    gateBypasses30d: Number(row?.overrides ?? 0),
    deploysWithoutGate30d: Number(row?.ungated ?? 0),
    retractions30d: Number(row?.retractions ?? 0),
  };
}

/** Everything the formula reads about one service, as of `now`. No access check: callers check first. */
export async function loadScorecardInput(
  ctx: ServiceContext,
  serviceId: string,
  now: Date,
  sla?: SlaDaysBySeverity,
): Promise<ScorecardInput> {
  const w = await activeWaivers(ctx, serviceId, now);
  const slaDaysInUse = sla ?? { ...(await slaDays(ctx)), info: null };
  const { findings, postureChecks } = await findingCounts(ctx, serviceId, now, w, slaDaysInUse);
  const intel = intelSyncEnabled() ? await intelStatus(ctx) : null;
  const at = (x: { importedAt: string } | null) => (x ? new Date(x.importedAt) : null);
  return {
    now,
    findings,
    postureChecks,
    exploited: await exploitedCounts(ctx, serviceId, w),
    evidence: await latestEvidence(ctx, serviceId, now),
    signals: {
      ...(await signals(ctx, serviceId, now)),
      intelSync: intel ? { kevImportedAt: at(intel.kev), epssImportedAt: at(intel.epss) } : null,
    },
    slaDays: slaDaysInUse,
  };
}

/** The live scorecard of one service the caller may read. */
export async function computeServiceScorecard(ctx: ServiceContext, serviceId: string): Promise<Scorecard> {
  const svc = await readableService(ctx, serviceId);
  return computeScorecard(await loadScorecardInput(ctx, svc.id, ctx.now()));
}

/** What a snapshot keeps in its `areas` column: the areas and the caps that limited the grade. */
export type SnapshotDetail = { areas: AreaScore[]; caps: Cap[]; uncappedScore: number };

export type SnapshotView = {
  serviceId: string;
  day: string;
  formulaVersion: number;
  score: number;
  grade: Grade;
  openBySeverity: Record<Severity, number>;
  computedAt: string;
} & SnapshotDetail;

export type SnapshotResult = { serviceId: string; slug: string; score: number; grade: Grade };

const snapshotInput = z.object({
  day: z.iso.date("day must be a date: YYYY-MM-DD").optional(),
});

/**
 * Computes every service's scorecard as of now and stores it as the snapshot of `day` (default: today, UTC).
 * Recomputing the same day overwrites that day's snapshot.
 */
export async function snapshotScorecards(
  ctx: ServiceContext,
  raw: z.input<typeof snapshotInput> = {},
): Promise<SnapshotResult[]> {
  requireRole(ctx.actor, "security");
  const input = snapshotInput.parse(raw);
  return withTransaction(ctx, async (tx) => {
    const now = tx.now();
    const day = input.day ?? utcDay(now);
    // History is never rewritten from today's data into the future.
    if (day > utcDay(now)) throw validation(`A snapshot cannot be taken for a future day (${day}).`);
    const all = await tx.db.select({ id: services.id, slug: services.slug }).from(services).orderBy(asc(services.id));
    // Kept with the scorecard so that views over many services add these up instead of reading every finding.
    const sla = await slaDays(tx);
    const facts = await countPostureFacts(
      tx,
      all.map((s) => s.id),
      now,
      sla,
    );
    const results: SnapshotResult[] = [];
    const rows: (typeof scoreSnapshots.$inferInsert)[] = [];
    for (const svc of all) {
      const card = computeScorecard(await loadScorecardInput(tx, svc.id, now, { ...sla, info: null }));
      const detail: SnapshotDetail = { areas: card.areas, caps: card.caps, uncappedScore: card.uncappedScore };
      rows.push({
        serviceId: svc.id,
        day,
        formulaVersion: card.version,
        grade: card.grade,
        score: card.score,
        areas: detail,
        areaGrades: card.areas.map((a) => ({ area: a.area, score: a.score, grade: a.grade })),
        openBySeverity: card.openBySeverity,
        posture: facts.get(svc.id),
        computedAt: now,
      });
      results.push({ serviceId: svc.id, slug: svc.slug, score: card.score, grade: card.grade });
    }
    for (let i = 0; i < rows.length; i += 500) {
      await tx.db
        .insert(scoreSnapshots)
        .values(rows.slice(i, i + 500))
        .onConflictDoUpdate({
          target: [scoreSnapshots.serviceId, scoreSnapshots.day],
          set: {
            formulaVersion: sql`excluded.formula_version`,
            grade: sql`excluded.grade`,
            score: sql`excluded.score`,
            areas: sql`excluded.areas`,
            areaGrades: sql`excluded.area_grades`,
            openBySeverity: sql`excluded.open_by_severity`,
            posture: sql`excluded.posture`,
            computedAt: sql`excluded.computed_at`,
          },
        });
    }
    await recordAudit(tx, {
      action: "scorecard.snapshot",
      targetType: "score_snapshot",
      targetId: day,
      after: { day, services: results.length, formulaVersion: FORMULA_VERSION },
    });
    return results;
  });
}

const trendDays = z.int().min(1).max(MAX_TREND_DAYS);

/** The daily snapshots of the last `days` days (today included), oldest first. Days without a snapshot are absent. */
export async function scoreTrend(ctx: ServiceContext, serviceId: string, days: number): Promise<SnapshotView[]> {
  const n = trendDays.parse(days);
  const svc = await readableService(ctx, serviceId);
  const now = ctx.now();
  const from = utcDay(new Date(now.getTime() - (n - 1) * DAY_MS));
  const rows = await ctx.db
    .select()
    .from(scoreSnapshots)
    .where(and(eq(scoreSnapshots.serviceId, svc.id), gte(scoreSnapshots.day, from), lte(scoreSnapshots.day, utcDay(now))))
    .orderBy(asc(scoreSnapshots.day));
  return rows.map((r) => {
    const detail = r.areas as SnapshotDetail;
    return {
      serviceId: r.serviceId,
      day: r.day,
      formulaVersion: r.formulaVersion,
      score: r.score,
      grade: r.grade as Grade,
      openBySeverity: r.openBySeverity as Record<Severity, number>,
      computedAt: r.computedAt.toISOString(),
      areas: detail.areas,
      caps: detail.caps,
      uncappedScore: detail.uncappedScore,
    };
  });
}
