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
import { orgScopeCeiling, scopeCeiling } from "../../../tokens/token-scopes";
import { protectedProcedure, router } from "../init";

/** One choice of the create form: a team (with its services), or the organisation (org: true, slug ""). */
export type TokenOption = {
  slug: string;
  name: string;
  member: boolean;
  org: boolean;
  services: { slug: string; name: string }[];
  scopes: string[];
};

// Who may do what is the verbs' call: security and admin any token; developers pipeline scopes in their
// own teams; viewers read-only tokens in their own teams, and change only those they made.
export const tokensRouter = router({
  /** Never a secret or a hash. */
  list: protectedProcedure.input(listTokensInput).query(({ ctx, input }) => listTokens(ctx.svc, input)),
  /** What the create form offers: each visible team, its services, and the scopes the caller may grant there. */
  options: protectedProcedure.query(async ({ ctx }): Promise<TokenOption[]> => {
    const teams: TokenOption[] = (await listTeamServices(ctx.svc)).map((t) => ({
      ...t,
      org: false,
      scopes: [...scopeCeiling(ctx.actor.role, t.member)],
    }));
    // Stage policies are changed with an organisation token (bound to no team), which only security and admins make.
    const org = orgScopeCeiling(ctx.actor.role);
    return org.length
      ? [
          { slug: "", name: "Organisation-wide (stage policies)", member: false, services: [], org: true, scopes: [...org] },
          ...teams,
        ]
      : teams;
  }),
  /** The only answer that ever carries the secret. */
  create: protectedProcedure.input(createTokenInput).mutation(({ ctx, input }) => createTokenForUser(ctx.svc, input)),
  revoke: protectedProcedure.input(revokeTokenInput).mutation(({ ctx, input }) => revokeToken(ctx.svc, input)),
  /** The new secret, once; the old token keeps working for the grace period. */
  rotate: protectedProcedure.input(rotateTokenInput).mutation(({ ctx, input }) => rotateToken(ctx.svc, input)),
});
