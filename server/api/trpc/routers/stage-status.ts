// What runs out of policy, per stage, for the posture page (read from the small per-stage status table).
import { outOfPolicy, outOfPolicyFilter } from "../../../recheck/stage-status";
import { protectedProcedure, router } from "../init";

export const stageStatusRouter = router({
  outOfPolicy: protectedProcedure.input(outOfPolicyFilter).query(({ ctx, input }) => outOfPolicy(ctx.svc, input)),
});
