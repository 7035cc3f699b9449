import { z } from "zod";
import { approveWaiver, revokeWaiver } from "../../../gate/waivers";
import { router, securityProcedure } from "../init";

const id = z.object({ id: z.string().trim().min(1).max(100) });

// Approving and revoking risk acceptance is the security team's call (and never the requester's).
export const waiversRouter = router({
  approve: securityProcedure.input(id).mutation(({ ctx, input }) => approveWaiver(ctx.svc, input.id)),
  revoke: securityProcedure.input(id).mutation(({ ctx, input }) => revokeWaiver(ctx.svc, input.id)),
});
