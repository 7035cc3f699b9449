import { hasRole } from "../../../auth/permissions";
import { listStages } from "../../../gate/stages";
import { protectedProcedure, publicProcedure, router } from "../init";

export const meRouter = router({
  /** Who is signed in (null when nobody is), and what the interface may offer them. */
  whoami: publicProcedure.query(({ ctx }) =>
    ctx.actor
      ? {
          id: ctx.actor.id,
          label: ctx.actor.label,
          role: ctx.actor.role,
          teamIds: ctx.actor.teamIds,
          canApprove: hasRole(ctx.actor, "security"),
          canAct: hasRole(ctx.actor, "developer"),
        }
      : null,
  ),
  stages: protectedProcedure.query(({ ctx }) => listStages(ctx.svc)),
});
