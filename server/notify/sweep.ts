// Events that time alone causes: a waiver about to expire, findings passing their SLA, a pipeline gone silent.
// One instance sweeps at a time (a transaction-scoped advisory lock); what it emits and the marks that keep it
// from emitting twice commit together, so an instance that dies mid-sweep leaves it whole for the next.
import { eq, sql } from "drizzle-orm";
import { queryRows } from "@/db/client";
import { instanceSettings, type waivers } from "@/db/schema";
import { withTransaction, type ServiceContext } from "../context";
import { SEVERITY_RANK, severityOfRank } from "../ingest/normalize";
import { runtimePublicUrl } from "../public-url";
import { refOf, serviceInfo, serviceUrl, waiverData } from "../recheck/triggers";
import { slaDays } from "../views/sla";
import { emitEvent, emitOnce } from "./emit";
import { PIPELINE_SILENT_DAYS, WAIVER_EXPIRING_DAYS } from "./events";

const DAY_MS = 86_400_000;
const SLA_WATERMARK = "notify.sla.watermark";
/** Findings listed in one sla.breached event; the count covers all. */
const MAX_LISTED = 20;

export type SweepResult = { status: "swept"; expiring: number; silent: number; breached: number } | { status: "busy" };

export async function sweepNotifications(ctx: ServiceContext): Promise<SweepResult> {
  return withTransaction(ctx, async (tx) => {
    const [lock] = await queryRows<{ ok: boolean }>(
      tx.db,
      sql`select pg_try_advisory_xact_lock(hashtext('gatehouse:notify:sweep')) as ok`,
    );
    if (!lock?.ok) return { status: "busy" };
    return {
      status: "swept",
      expiring: await waiversExpiring(tx),
      silent: await pipelinesSilent(tx),
      breached: await slaBreaches(tx),
    };
  });
}

type WaiverRow = typeof waivers.$inferSelect;

async function waiversExpiring(tx: ServiceContext): Promise<number> {
  const now = tx.now();
  const until = new Date(now.getTime() + WAIVER_EXPIRING_DAYS * DAY_MS);
  const rows = await queryRows<Record<string, unknown>>(
    tx.db,
    sql`select w.* from waivers w
        where w.approved_at is not null and w.revoked_at is null
          and w.expires_at > ${now.toISOString()}::timestamptz and w.expires_at <= ${until.toISOString()}::timestamptz
          and not exists (select 1 from notification_marks m where m.key = 'waiver.expiring:' || w.id)
        order by w.expires_at`,
  );
  let n = 0;
  for (const r of rows) {
    const w = waiverOf(r);
    const svc = w.serviceId ? await serviceInfo(tx, w.serviceId) : null;
    const days = Math.max(0, Math.ceil((w.expiresAt!.getTime() - now.getTime()) / DAY_MS));
    const emitted = await emitOnce(tx, `waiver.expiring:${w.id}`, {
      type: "waiver.expiring",
      teamId: w.teamId,
      serviceId: w.serviceId,
      stage: null,
      data: {
        summary: `Waiver for ${svc ? svc.name : "every service"} (${w.matchType} ${w.matchValue}) expires in ${days} ${days === 1 ? "day" : "days"}, on ${w.expiresAt!.toISOString().slice(0, 10)}`,
        url: `${runtimePublicUrl()}/waivers?status=active`,
        ...(svc ? refOf(svc) : { service: null, team: null }),
        waiver: waiverData(w),
      },
    });
    if (emitted) n++;
  }
  return n;
}

const date = (v: unknown) => (v === null || v === undefined ? null : new Date(v as string));

function waiverOf(r: Record<string, unknown>): WaiverRow {
  return {
    id: String(r.id),
    teamId: (r.team_id as string | null) ?? null,
    serviceId: (r.service_id as string | null) ?? null,
    matchType: r.match_type as WaiverRow["matchType"],
    matchValue: String(r.match_value),
    stages: (r.stages as string[] | null) ?? null,
    kind: r.kind as WaiverRow["kind"],
    reason: String(r.reason),
    expiresAt: date(r.expires_at),
    createdBy: String(r.created_by),
    requestedByUserId: (r.requested_by_user_id as string | null) ?? null,
    createdAt: date(r.created_at)!,
    approvedBy: (r.approved_by as string | null) ?? null,
    approvedByUserId: (r.approved_by_user_id as string | null) ?? null,
    approvedAt: date(r.approved_at),
    revokedBy: (r.revoked_by as string | null) ?? null,
    revokedAt: date(r.revoked_at),
  };
}

/** Services with no scan for 14 days (or never, 14 days after they were registered): told once per silence. */
async function pipelinesSilent(tx: ServiceContext): Promise<number> {
  const now = tx.now();
  const cutoff = new Date(now.getTime() - PIPELINE_SILENT_DAYS * DAY_MS).toISOString();
  const rows = await queryRows<{ id: string; last: string | Date | null; key: string }>(
    tx.db,
    sql`select id, last, 'pipeline.silent:' || id || ':' || coalesce(to_char(last at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'), 'never') as key
        from (select s.id, s.created_at,
                     (select max(received_at) from scans x where x.service_id = s.id) as last
              from services s) q
        where coalesce(last, created_at) <= ${cutoff}::timestamptz
          and not exists (select 1 from notification_marks m
                          where m.key = 'pipeline.silent:' || id || ':' ||
                                coalesce(to_char(last at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'), 'never'))`,
  );
  let n = 0;
  for (const r of rows) {
    const svc = await serviceInfo(tx, r.id);
    const last = r.last ? new Date(r.last) : null;
    const days = last ? Math.floor((now.getTime() - last.getTime()) / DAY_MS) : null;
    if (
      await emitOnce(tx, r.key, {
        type: "pipeline.silent",
        teamId: svc.teamId,
        serviceId: svc.id,
        stage: null,
        data: {
          summary: last
            ? `No scan for ${svc.name} in ${days} days (last on ${last.toISOString().slice(0, 10)})`
            : `No scan for ${svc.name} since it was registered, over ${PIPELINE_SILENT_DAYS} days ago`,
          url: serviceUrl(svc.slug, "evidence"),
          ...refOf(svc),
          lastScanAt: last?.toISOString() ?? null,
          days,
        },
      })
    )
      n++;
  }
  return n;
}

/**
 * Findings whose SLA ran out since the last sweep (first seen + SLA days in (watermark, now]), one event per
 * service. The first sweep only sets the watermark: an installation is not flooded with its past.
 */
async function slaBreaches(tx: ServiceContext): Promise<number> {
  const now = tx.now();
  const [mark] = await tx.db.select().from(instanceSettings).where(eq(instanceSettings.key, SLA_WATERMARK)).limit(1);
  const since = mark ? new Date(mark.value) : null;
  await tx.db
    .insert(instanceSettings)
    .values({ key: SLA_WATERMARK, value: now.toISOString() })
    .onConflictDoUpdate({ target: instanceSettings.key, set: { value: now.toISOString() } });
  if (!since || since >= now) return 0;
  const days = await slaDays(tx);
  const ranges = (Object.keys(days) as (keyof typeof days)[]).map((s) => {
    const ms = days[s] * DAY_MS;
    // By rank, not name: each part is a range of the (status, severity_rank, first_seen_at) index.
    return sql`(f.severity_rank = ${SEVERITY_RANK[s]} and f.first_seen_at > ${new Date(since.getTime() - ms).toISOString()}::timestamptz
                and f.first_seen_at <= ${new Date(now.getTime() - ms).toISOString()}::timestamptz)`;
  });
  const rows = await queryRows<{
    service_id: string;
    id: string;
    severity_rank: number;
    title: string;
    vulnerability_id: string | null;
    first_seen_at: string | Date;
  }>(
    tx.db,
    sql`select f.service_id, f.id, f.severity_rank, f.title, f.vulnerability_id, f.first_seen_at from findings f
        where f.status = 'open' and f.suppressed = 0 and (${sql.join(ranges, sql` or `)})
        order by f.service_id, f.severity_rank desc, f.first_seen_at, f.id`,
  );
  const byService = new Map<string, typeof rows>();
  for (const r of rows) byService.set(r.service_id, [...(byService.get(r.service_id) ?? []), r]);
  for (const [serviceId, found] of byService) {
    const svc = await serviceInfo(tx, serviceId);
    const worst = severityOfRank(Number(found[0]!.severity_rank));
    await emitEvent(tx, {
      type: "sla.breached",
      teamId: svc.teamId,
      serviceId,
      stage: null,
      data: {
        summary: `${found.length} open ${found.length === 1 ? "finding" : "findings"} of ${svc.name} passed ${found.length === 1 ? "its" : "their"} SLA (worst: ${worst})`,
        url: `${runtimePublicUrl()}/findings?service=${svc.slug}&sla=breached`,
        ...refOf(svc),
        count: found.length,
        findings: found.slice(0, MAX_LISTED).map((f) => {
          const severity = severityOfRank(Number(f.severity_rank));
          return {
            id: f.id,
            severity,
            title: f.title,
            vulnerabilityId: f.vulnerability_id,
            firstSeenAt: new Date(f.first_seen_at).toISOString(),
            slaDays: days[severity as keyof typeof days],
          };
        }),
      },
    });
  }
  return byService.size;
}
