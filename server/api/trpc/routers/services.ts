import { teamOfService } from "../../../services/access";
import { computeServiceScorecard, scoreTrend } from "../../../scoring/snapshot";
import { visibleServices } from "../../../views/posture";
import { resolveVisibility } from "../../../views/visibility";
import { scoresOf } from "../../../views/scores";
import { latestEvidence, recentDecisions, stageRuns } from "../../../views/service";
import { listServicesView, servicesFilter } from "../../../views/services";
import { serviceWaivers } from "../../../views/waiver-state";
import { protectedProcedure, router, teamProcedure } from "../init";

export const TREND_DAYS = 90;

export const servicesRouter = router({
  list: protectedProcedure
    .input(servicesFilter)
    .query(({ ctx, input }) => listServicesView(ctx.svc, input, (services) => scoresOf(ctx.svc, services))),

  /** Slugs and names of the visible services, for filter menus (no scoring). */
  options: protectedProcedure.query(async ({ ctx }) =>
    (await visibleServices(ctx.svc, await resolveVisibility(ctx.svc, {}))).map((s) => ({ slug: s.slug, name: s.name })),
  ),

  /** The service itself: what the page header needs. */
  get: teamProcedure.query(async ({ ctx }) => ({ ...ctx.service, team: await teamOfService(ctx.svc, ctx.service) })),

  /** The live scorecard with its deductions, and the daily snapshots of the last 90 days. */
  scorecard: teamProcedure.query(async ({ ctx }) => {
    const [card, trend] = await Promise.all([
      computeServiceScorecard(ctx.svc, ctx.service.id),
      scoreTrend(ctx.svc, ctx.service.id, TREND_DAYS),
    ]);
    return {
      card,
      trend: trend.map((t) => ({ day: t.day, score: t.score, grade: t.grade, openBySeverity: t.openBySeverity })),
    };
  }),

  stages: teamProcedure.query(({ ctx }) => stageRuns(ctx.svc, ctx.service.id)),
  evidence: teamProcedure.query(({ ctx }) => latestEvidence(ctx.svc, ctx.service.id)),
  decisions: teamProcedure.query(({ ctx }) => recentDecisions(ctx.svc, ctx.service.id, 10)),
  waivers: teamProcedure.query(({ ctx }) => serviceWaivers(ctx.svc, ctx.service.id, { includeRevoked: false })),
});
