import { z } from "zod";
import { findingsFilter, getFinding, listFindings } from "../../../views/findings";
import { protectedProcedure, router } from "../init";

export const findingsRouter = router({
  list: protectedProcedure.input(findingsFilter).query(({ ctx, input }) => listFindings(ctx.svc, input)),
  get: protectedProcedure
    .input(z.object({ id: z.string().trim().min(1).max(100) }))
    .query(({ ctx, input }) => getFinding(ctx.svc, input.id)),
});
