import { z } from "zod";
import { decisionsFilter, getDecisionView, listDecisions } from "../../../views/decisions";
import { protectedProcedure, router } from "../init";

export const decisionsRouter = router({
  list: protectedProcedure.input(decisionsFilter).query(({ ctx, input }) => listDecisions(ctx.svc, input)),
  get: protectedProcedure
    .input(z.object({ id: z.string().trim().min(1).max(100) }))
    .query(({ ctx, input }) => getDecisionView(ctx.svc, input.id)),
});
