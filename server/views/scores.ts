// Scorecards for lists: live for a handful of services, the latest daily snapshot for many (live when none exists).
import { sql } from "drizzle-orm";
import { queryRows } from "@/db/client";
import type { ServiceContext } from "../context";
import type { Grade } from "../gate/policy";
import type { AreaScore } from "../scoring/formula";
import { computeServiceScorecard } from "../scoring/snapshot";
import type { VisibleService, ScoreSummary } from "./posture";

/** Up to this many services are scored live; beyond it, one query reads the snapshots. */
export const LIVE_SCORE_LIMIT = 10;
const CONCURRENCY = 4;

const summary = (grade: Grade, score: number, areas: AreaScore[]): ScoreSummary => ({
  grade,
  score,
  areas: areas.map((a) => ({ area: a.area, score: a.score, grade: a.grade })),
});

async function live(ctx: ServiceContext, services: VisibleService[], out: Map<string, ScoreSummary>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < services.length) {
      const s = services[next++]!;
      const card = await computeServiceScorecard(ctx, s.id);
      out.set(s.id, summary(card.grade, card.score, card.areas));
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, services.length) }, worker));
}

export async function scoresOf(ctx: ServiceContext, services: VisibleService[]): Promise<Map<string, ScoreSummary>> {
  if (services.length <= LIVE_SCORE_LIMIT) {
    const out = new Map<string, ScoreSummary>();
    await live(ctx, services, out);
    return out;
  }
  const out = await snapshotScores(
    ctx,
    services.map((s) => s.id),
  );
  await live(
    ctx,
    services.filter((s) => !out.has(s.id)),
    out,
  );
  return out;
}

/** The newest daily snapshot's grade, score and area grades of each service that has one. */
export async function snapshotScores(ctx: ServiceContext, serviceIds: string[]): Promise<Map<string, ScoreSummary>> {
  const out = new Map<string, ScoreSummary>();
  // The newest snapshot of each service (one index probe each), with only the area grades the lists show: kept in a
  // small column of their own; the ≈ 7 KB detail is read only for rows written before it existed.
  const rows = await queryRows<{ service_id: string; grade: string; score: number; areas: unknown }>(
    ctx.db,
    sql`select x.id as service_id, ss.grade, ss.score, ss.areas
        from (select json_array_elements_text(${JSON.stringify(serviceIds)}::json)) as x(id)
        cross join lateral (
          select s.grade, s.score,
                 coalesce(s.area_grades,
                          (select jsonb_agg(jsonb_build_object('area', a -> 'area', 'score', a -> 'score', 'grade', a -> 'grade'))
                           from jsonb_array_elements(s.areas -> 'areas') a)) as areas
          from score_snapshots s where s.service_id = x.id order by s.day desc limit 1) ss`,
  );
  for (const r of rows) {
    const areas = (typeof r.areas === "string" ? JSON.parse(r.areas) : r.areas) as AreaScore[] | null;
    out.set(r.service_id, summary(r.grade as Grade, Number(r.score), areas ?? []));
  }
  return out;
}
