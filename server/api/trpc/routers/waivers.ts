import { z } from "zod";
import { approveWaiver, findWaivers, revokeWaiver, waiversFilter } from "../../../gate/waivers";
import { protectedProcedure, router, securityProcedure } from "../init";

const id = z.object({ id: z.string().trim().min(1).max(100) });

// Approving and revoking risk acceptance is the security team's call (and never the requester's).
export const waiversRouter = router({
  /** Developers and viewers see their teams' waivers; security staff and admins all of them. */
  list: protectedProcedure.input(waiversFilter).query(({ ctx, input }) => findWaivers(ctx.svc, input)),
  approve: securityProcedure.input(id).mutation(({ ctx, input }) => approveWaiver(ctx.svc, input.id)),
  revoke: securityProcedure.input(id).mutation(({ ctx, input }) => revokeWaiver(ctx.svc, input.id)),
});
