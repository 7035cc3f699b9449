// What the posture view and the services list add up per service: open findings by area and severity (waived
// ones included, suppressed ones not), SLA breaches, and closures of the last 90 days. Counted live for a few
// services; the daily snapshot keeps them for all, so that a view over many services never reads every finding.
import { sql, type SQL } from "drizzle-orm";
import { queryRows } from "@/db/client";
import type { ServiceContext } from "../context";
import { SEVERITIES, type Severity } from "../ingest/types";
import { asIso, num } from "./visibility";
import { slaDays, type SlaDays } from "./sla";

export type PostureFacts = {
  /** open, unsuppressed findings per risk area (1–7) and severity */
  open: Record<number, Record<Severity, number>>;
  slaBreached: Record<Severity, number>;
  /** findings closed in the 90 days before the count, and the seconds they stayed open, per severity */
  closed: Record<Severity, { n: number; seconds: number }>;
};

/** Up to this many services are counted live; beyond it the latest snapshots are read. */
export const LIVE_FACTS_LIMIT = 10;
export const FACTS_DAYS = 90;
const DAY_MS = 86_400_000;
const RANKS: Record<Severity, number> = { critical: 5, high: 4, medium: 3, low: 2, info: 1 };

export const zeroBySeverity = (): Record<Severity, number> => ({ critical: 0, high: 0, medium: 0, low: 0, info: 0 });
export const emptyFacts = (): PostureFacts => ({
  open: {},
  slaBreached: zeroBySeverity(),
  closed: {
    critical: { n: 0, seconds: 0 },
    high: { n: 0, seconds: 0 },
    medium: { n: 0, seconds: 0 },
    low: { n: 0, seconds: 0 },
    info: { n: 0, seconds: 0 },
  },
});

const ids = (serviceIds: string[]) => sql`(select json_array_elements_text(${JSON.stringify(serviceIds)}::json))`;

/**
 * `select … from findings f where …` for each service: a few by index (a lateral join per service, since the planner
 * cannot see how few ids a list holds and would read the whole table), all of them in one pass (the daily snapshot).
 */
function perService(serviceIds: string[], selectWhere: SQL, groupBy: SQL): SQL {
  if (serviceIds.length > LIVE_FACTS_LIMIT) return sql`${selectWhere} and f.service_id in ${ids(serviceIds)} ${groupBy}`;
  return sql`select c.* from ${ids(serviceIds)} as x(id)
             cross join lateral (${selectWhere} and f.service_id = x.id ${groupBy}) c`;
}

/** The facts of these services as of `now`, counted from the findings (two index scans per service). */
export async function countPostureFacts(
  ctx: ServiceContext,
  serviceIds: string[],
  now: Date,
  sla: SlaDays,
): Promise<Map<string, PostureFacts>> {
  const out = new Map<string, PostureFacts>(serviceIds.map((id) => [id, emptyFacts()]));
  if (!serviceIds.length) return out;
  const since = new Date(now.getTime() - FACTS_DAYS * DAY_MS).toISOString();
  // Ranks rather than severity names: the open-findings index carries the rank.
  const breached = sql.join(
    (Object.keys(sla) as (keyof SlaDays)[]).map(
      (s) =>
        sql`(f.severity_rank = ${RANKS[s]} and f.first_seen_at < ${new Date(now.getTime() - sla[s] * DAY_MS).toISOString()}::timestamptz)`,
    ),
    sql` or `,
  );
  const [open, closed] = await Promise.all([
    queryRows<{ service_id: string; risk_area: number; severity_rank: number; n: number | string; breached: number | string }>(
      ctx.db,
      perService(
        serviceIds,
        sql`select f.service_id, f.risk_area, f.severity_rank, count(*) as n, count(*) filter (where ${breached}) as breached
            from findings f where f.status = 'open' and f.suppressed = 0`,
        sql`group by f.service_id, f.risk_area, f.severity_rank`,
      ),
    ),
    queryRows<{ service_id: string; severity_rank: number; n: number | string; seconds: number | string | null }>(
      ctx.db,
      perService(
        serviceIds,
        sql`select f.service_id, f.severity_rank, count(*) as n, sum(extract(epoch from (f.closed_at - f.first_seen_at))) as seconds
            from findings f where f.status = 'closed' and f.closed_at >= ${since}::timestamptz`,
        sql`group by f.service_id, f.severity_rank`,
      ),
    ),
  ]);
  const sev = (rank: number | string): Severity => SEVERITIES[5 - Number(rank)] ?? "info";
  for (const r of open) {
    const f = out.get(r.service_id)!;
    const s = sev(r.severity_rank);
    const area = Number(r.risk_area);
    f.open[area] ??= zeroBySeverity();
    f.open[area][s] += num(r.n);
    f.slaBreached[s] += num(r.breached);
  }
  for (const r of closed) {
    const c = out.get(r.service_id)!.closed[sev(r.severity_rank)];
    c.n += num(r.n);
    c.seconds += Number(r.seconds ?? 0);
  }
  return out;
}

/**
 * The facts of the services in a view: live for a few, else from each one's latest snapshot (live for those
 * without one). `asOf` is when the oldest snapshot used was taken, null when everything was counted live.
 */
export async function postureFactsOf(
  ctx: ServiceContext,
  serviceIds: string[],
  opts: { liveLimit?: number } = {},
): Promise<{ facts: Map<string, PostureFacts>; asOf: string | null }> {
  const now = ctx.now();
  if (serviceIds.length <= (opts.liveLimit ?? LIVE_FACTS_LIMIT)) {
    return { facts: await countPostureFacts(ctx, serviceIds, now, await slaDays(ctx)), asOf: null };
  }
  const rows = await queryRows<{ service_id: string; posture: unknown; computed_at: string | Date }>(
    ctx.db,
    sql`select x.id as service_id, ss.posture, ss.computed_at
        from ${ids(serviceIds)} as x(id)
        cross join lateral (select posture, computed_at from score_snapshots s
                            where s.service_id = x.id order by s.day desc limit 1) ss
        where ss.posture is not null`,
  );
  const facts = new Map<string, PostureFacts>();
  let oldest: string | null = null;
  for (const r of rows) {
    facts.set(r.service_id, (typeof r.posture === "string" ? JSON.parse(r.posture) : r.posture) as PostureFacts);
    const at = asIso(r.computed_at)!;
    if (oldest === null || at < oldest) oldest = at;
  }
  const missing = serviceIds.filter((id) => !facts.has(id));
  if (missing.length) for (const [id, f] of await countPostureFacts(ctx, missing, now, await slaDays(ctx))) facts.set(id, f);
  return { facts, asOf: oldest };
}

/** Open findings per severity over every area. */
export function openTotal(f: PostureFacts | undefined): Record<Severity, number> {
  const out = zeroBySeverity();
  for (const bySev of Object.values(f?.open ?? {})) for (const s of SEVERITIES) out[s] += bySev[s] ?? 0;
  return out;
}
