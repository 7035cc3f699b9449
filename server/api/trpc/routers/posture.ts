import { explainScoringInForce } from "../../../scoring/explain-in-force";
import { gateRates, openTrend, postureFilter, postureOverview } from "../../../views/posture";
import { visibleTeams } from "../../../views/visibility";
import { scoresOf } from "../../../views/scores";
import { protectedProcedure, router } from "../init";

// Everyone reads the posture of the teams they can see; security staff and admins see every team.
export const postureRouter = router({
  overview: protectedProcedure
    .input(postureFilter)
    .query(({ ctx, input }) => postureOverview(ctx.svc, input, (services) => scoresOf(ctx.svc, services))),
  openTrend: protectedProcedure.input(postureFilter).query(({ ctx, input }) => openTrend(ctx.svc, input)),
  gateRates: protectedProcedure.input(postureFilter).query(({ ctx, input }) => gateRates(ctx.svc, input)),
  teams: protectedProcedure.query(({ ctx }) => visibleTeams(ctx.svc)),
  scoring: protectedProcedure.query(({ ctx }) => explainScoringInForce(ctx.svc)),
});
