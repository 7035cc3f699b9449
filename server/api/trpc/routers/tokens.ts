import {
  createTokenForUser,
  createTokenInput,
  listTokens,
  listTokensInput,
  revokeToken,
  revokeTokenInput,
  rotateToken,
  rotateTokenInput,
} from "../../../tokens/tokens";
import { listTeamServices } from "../../../teams/teams";
import { scopeCeiling } from "../../../tokens/token-scopes";
import { protectedProcedure, router } from "../init";

// Who may do what is the verbs' call: security and admin any token; developers pipeline scopes in their
// own teams; viewers read-only tokens in their own teams, and change only those they made.
export const tokensRouter = router({
  /** Never a secret or a hash. */
  list: protectedProcedure.input(listTokensInput).query(({ ctx, input }) => listTokens(ctx.svc, input)),
  /** What the create form offers: each visible team, its services, and the scopes the caller may grant there. */
  options: protectedProcedure.query(async ({ ctx }) =>
    (await listTeamServices(ctx.svc)).map((t) => ({ ...t, scopes: [...scopeCeiling(ctx.actor.role, t.member)] })),
  ),
  /** The only answer that ever carries the secret. */
  create: protectedProcedure.input(createTokenInput).mutation(({ ctx, input }) => createTokenForUser(ctx.svc, input)),
  revoke: protectedProcedure.input(revokeTokenInput).mutation(({ ctx, input }) => revokeToken(ctx.svc, input)),
  /** The new secret, once; the old token keeps working for the grace period. */
  rotate: protectedProcedure.input(rotateTokenInput).mutation(({ ctx, input }) => rotateToken(ctx.svc, input)),
});
