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
import { protectedProcedure, router } from "../init";

// Who may do what is the verbs' call: security and admin any token; developers pipeline scopes in their
// own teams; viewers read-only tokens in their own teams, and change only those they made.
export const tokensRouter = router({
  /** Never a secret or a hash. */
  list: protectedProcedure.input(listTokensInput).query(({ ctx, input }) => listTokens(ctx.svc, input)),
  /** The only answer that ever carries the secret. */
  create: protectedProcedure.input(createTokenInput).mutation(({ ctx, input }) => createTokenForUser(ctx.svc, input)),
  revoke: protectedProcedure.input(revokeTokenInput).mutation(({ ctx, input }) => revokeToken(ctx.svc, input)),
  /** The new secret, once; the old token keeps working for the grace period. */
  rotate: protectedProcedure.input(rotateTokenInput).mutation(({ ctx, input }) => rotateToken(ctx.svc, input)),
});
