// Machine tokens: created by an operator (CLI) or a signed-in person; hashed, scoped, expiring,
// listed without secrets, revoked, rotated with a grace period. A token never grants more than its creator holds.
import { and, desc, eq, getTableColumns, inArray, sql } from "drizzle-orm";
import { z } from "zod";
import type { Database } from "@/db/client";
import { apiTokens, services, teamMembers, teams, users, type Role } from "@/db/schema";
import { recordAudit } from "../audit/record-audit";
import { canActOnTeam, canSeeTeam, hasRole, requireRole, visibleTeamIds } from "../auth/permissions";
import { NO_TEAM, withTransaction, type Actor, type ServiceContext } from "../context";
import { conflict, DomainError, forbidden, notFound, unauthorized } from "../errors";
import { newId } from "../ids";
import { singleLineSchema, slugSchema } from "../validation";
import { afterCommitForget, rememberedTokens } from "./token-cache";
import { displayPrefix, generateToken, hashToken, isWellFormedToken } from "./token-format";
import {
  ORG_TOKEN_SCOPES,
  orgScopeCeiling,
  scopeCeiling,
  scopesBeyond,
  TEAM_TOKEN_SCOPES,
  TOKEN_SCOPES,
  type TokenScope,
} from "./token-scopes";

export { TOKEN_SCOPES, type TokenScope } from "./token-scopes";

export const MAX_TOKEN_DAYS = 365;
export const DEFAULT_TOKEN_DAYS = 90;
export const DEFAULT_GRACE_HOURS = 24;
export const MAX_GRACE_HOURS = 24 * 7;

export type TokenActor = Extract<Actor, { type: "token" }>;

export const createTokenInput = z
  .object({
    /** the team whose pipelines use it; omitted for an organisation token */
    team: slugSchema.optional(),
    /** an organisation token: bound to no team, for organisation-wide things (the stage policies) */
    org: z.boolean().default(false),
    services: z.array(slugSchema).min(1).optional(),
    scopes: z.array(z.enum(TOKEN_SCOPES)).min(1, "at least one scope is required"),
    name: singleLineSchema(100).optional(),
    expiresInDays: z.number().int().min(1).max(MAX_TOKEN_DAYS).default(DEFAULT_TOKEN_DAYS),
  })
  .superRefine((t, ctx) => {
    if (t.org && t.team)
      ctx.addIssue({ code: "custom", path: ["team"], message: "an organisation token (--org) is bound to no team" });
    if (!t.org && !t.team)
      ctx.addIssue({ code: "custom", path: ["team"], message: "name a team (--team), or make an organisation token (--org)" });
    if (t.org && t.services)
      ctx.addIssue({ code: "custom", path: ["services"], message: "an organisation token is bound to no service" });
  });

export type CreatedToken = {
  id: string;
  token: string;
  expiresAt: Date;
  scopes: string[];
  /** null: an organisation token */
  team: string | null;
  services: string[] | null;
};

/**
 * Stage policies are organisation-wide, so a token bound to a team or to services never holds policies:write, and an
 * organisation token holds nothing but policies:write and read. 403 (scope-not-for-binding) otherwise.
 */
function assertScopesFitBinding(scopes: readonly string[], org: boolean): void {
  const allowed = org ? ORG_TOKEN_SCOPES : TEAM_TOKEN_SCOPES;
  const beyond = scopesBeyond(scopes, allowed);
  if (beyond.length === 0) return;
  throw new DomainError(
    "forbidden",
    org
      ? `An organisation token may hold only ${ORG_TOKEN_SCOPES.join(" and ")}, not ${beyond.map((s) => `"${s}"`).join(", ")}.`
      : `A token bound to a team or to services cannot hold ${beyond.map((s) => `"${s}"`).join(", ")}: stage policies are ` +
          "organisation-wide; make an organisation token (token create --org) for that.",
    "scope-not-for-binding",
    { scopes: beyond },
  );
}

type TokenRow = typeof apiTokens.$inferSelect;
type TeamRow = typeof teams.$inferSelect;

/** The audit view of a token row: never the hash. */
const safeRow = ({ hash: _hash, ...rest }: TokenRow) => rest;

async function insertToken(
  tx: ServiceContext,
  team: TeamRow | null,
  opts: {
    serviceIds: string[] | null;
    scopes: string[];
    name: string;
    expiresAt: Date;
    createdByUserId: string | null;
    audit: Record<string, unknown>;
  },
): Promise<{ id: string; token: string; row: TokenRow }> {
  const token = generateToken();
  const now = tx.now();
  const row: TokenRow = {
    id: newId("token", now.getTime()),
    teamId: team?.id ?? null,
    serviceIds: opts.serviceIds,
    name: opts.name,
    hash: hashToken(token),
    displayPrefix: displayPrefix(token),
    scopes: [...new Set(opts.scopes)].sort(),
    expiresAt: opts.expiresAt,
    createdAt: now,
    createdBy: tx.actor.label,
    lastUsedAt: null,
    lastUsedIp: null,
    revokedAt: null,
    createdByUserId: opts.createdByUserId,
    replacedBy: null,
  };
  await tx.db.insert(apiTokens).values(row);
  await recordAudit(tx, {
    action: "token.create",
    targetType: "token",
    targetId: row.id,
    teamId: team?.id ?? null,
    after: { ...safeRow(row), ...opts.audit },
  });
  return { id: row.id, token, row };
}

async function resolveServices(tx: ServiceContext, team: TeamRow, slugs: string[] | undefined): Promise<string[] | null> {
  if (!slugs) return null;
  const rows = await tx.db
    .select({ id: services.id, slug: services.slug })
    .from(services)
    .where(and(eq(services.teamId, team.id), inArray(services.slug, slugs)));
  const missing = slugs.filter((s) => !rows.some((r) => r.slug === s));
  if (missing.length) throw notFound(`Service "${missing[0]}" in team "${team.slug}"`);
  return rows.map((r) => r.id);
}

/** Operators (CLI) create any token; a signed-in person goes through the role ceiling. */
export async function createToken(ctx: ServiceContext, raw: z.input<typeof createTokenInput>): Promise<CreatedToken> {
  if (ctx.actor.type === "user") return createTokenForUser(ctx, raw);
  if (ctx.actor.type === "token") throw forbidden("API tokens cannot create tokens.");
  const input = createTokenInput.parse(raw);
  assertScopesFitBinding(input.scopes, input.org);
  return withTransaction(ctx, async (tx) => {
    const team = input.org ? null : await teamBySlug(tx, input.team!);
    if (!input.org && !team) throw notFound(`Team "${input.team}"`);
    return insertCreated(tx, team ?? null, input, null);
  });
}

const teamBySlug = async (tx: ServiceContext, slug: string): Promise<TeamRow | undefined> =>
  (await tx.db.select().from(teams).where(eq(teams.slug, slug)).limit(1))[0];

async function insertCreated(
  tx: ServiceContext,
  team: TeamRow | null,
  input: z.output<typeof createTokenInput>,
  createdByUserId: string | null,
): Promise<CreatedToken> {
  const serviceIds = team ? await resolveServices(tx, team, input.services) : null;
  const { id, token, row } = await insertToken(tx, team, {
    serviceIds,
    scopes: input.scopes,
    name: input.name ?? (team ? `${team.slug} token` : "organisation token"),
    expiresAt: new Date(tx.now().getTime() + input.expiresInDays * 86_400_000),
    createdByUserId,
    audit: {},
  });
  return { id, token, expiresAt: row.expiresAt, scopes: row.scopes, team: team?.slug ?? null, services: input.services ?? null };
}

/**
 * A signed-in person's token: security and admin any team scope in any team, and organisation tokens; developers
 * the pipeline scopes in their own teams; viewers read-only tokens in their own teams. Another team answers 404.
 */
export async function createTokenForUser(ctx: ServiceContext, raw: z.input<typeof createTokenInput>): Promise<CreatedToken> {
  const actor = ctx.actor;
  if (actor.type !== "user") throw forbidden("Only a signed-in person can create a token this way.");
  const input = createTokenInput.parse(raw);
  assertScopesFitBinding(input.scopes, input.org);
  return withTransaction(ctx, async (tx) => {
    const team = input.org ? null : await teamBySlug(tx, input.team!);
    if (!input.org && (!team || !canSeeTeam(actor, team.id))) throw notFound(`Team "${input.team}"`);
    const ceiling = team ? scopeCeiling(actor.role, actor.teamIds.includes(team.id)) : orgScopeCeiling(actor.role);
    const beyond = scopesBeyond(input.scopes, ceiling);
    if (beyond.length) {
      throw new DomainError(
        "forbidden",
        `Your role (${actor.role}) cannot grant ${beyond.map((s) => `"${s}"`).join(", ")}: a token never grants more than its creator holds.`,
        "scope-above-role",
        { scopes: beyond },
      );
    }
    return insertCreated(tx, team ?? null, input, actor.id);
  });
}

export type TokenStatus = "active" | "grace" | "expired" | "revoked";

export type TokenView = {
  id: string;
  name: string;
  /** null: an organisation token */
  team: string | null;
  teamId: string | null;
  /** service slugs, or null for every service of the team */
  services: string[] | null;
  scopes: string[];
  displayPrefix: string;
  status: TokenStatus;
  createdAt: Date;
  createdBy: string;
  createdByUserId: string | null;
  expiresAt: Date;
  lastUsedAt: Date | null;
  lastUsedIp: string | null;
  revokedAt: Date | null;
  replacedBy: string | null;
};

/** "grace": rotated, and still accepted until its shortened expiry. */
export function tokenStatus(row: Pick<TokenRow, "revokedAt" | "expiresAt" | "replacedBy">, now: Date): TokenStatus {
  if (row.revokedAt) return "revoked";
  if (row.expiresAt <= now) return "expired";
  return row.replacedBy ? "grace" : "active";
}

export const listTokensInput = z.object({ team: slugSchema.optional() });

/** Tokens the caller may see, newest first within each team; hashes never leave the database. */
export async function listTokens(ctx: ServiceContext, raw: z.input<typeof listTokensInput> = {}): Promise<TokenView[]> {
  requireRole(ctx.actor, "viewer");
  const input = listTokensInput.parse(raw);
  const visible = visibleTeamIds(ctx.actor);
  const conditions = [];
  if (input.team) {
    const [team] = await ctx.db.select().from(teams).where(eq(teams.slug, input.team)).limit(1);
    if (!team || !canSeeTeam(ctx.actor, team.id)) throw notFound(`Team "${input.team}"`);
    conditions.push(eq(apiTokens.teamId, team.id));
  }
  if (visible) {
    if (visible.length === 0) return [];
    conditions.push(inArray(apiTokens.teamId, visible));
  }
  const { hash: _hash, ...columns } = getTableColumns(apiTokens);
  // Organisation tokens (no team) are listed first, to security staff and admins (whose `visible` is everyone).
  const rows = await ctx.db
    .select({ ...columns, team: teams.slug })
    .from(apiTokens)
    .leftJoin(teams, eq(teams.id, apiTokens.teamId))
    .where(conditions.length ? and(...conditions) : undefined)
    .orderBy(sql`${teams.slug} asc nulls first`, desc(apiTokens.createdAt), desc(apiTokens.id));
  const serviceIds = [...new Set(rows.flatMap((r) => r.serviceIds ?? []))];
  const slugs = new Map<string, string>();
  if (serviceIds.length) {
    const svc = await ctx.db
      .select({ id: services.id, slug: services.slug })
      .from(services)
      .where(inArray(services.id, serviceIds));
    for (const s of svc) slugs.set(s.id, s.slug);
  }
  const now = ctx.now();
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    team: r.team,
    teamId: r.teamId,
    services: r.serviceIds ? r.serviceIds.map((id) => slugs.get(id) ?? id) : null,
    scopes: r.scopes,
    displayPrefix: r.displayPrefix,
    status: tokenStatus(r, now),
    createdAt: r.createdAt,
    createdBy: r.createdBy,
    createdByUserId: r.createdByUserId,
    expiresAt: r.expiresAt,
    lastUsedAt: r.lastUsedAt,
    lastUsedIp: r.lastUsedIp,
    revokedAt: r.revokedAt,
    replacedBy: r.replacedBy,
  }));
}

const tokenIdSchema = z.string().regex(/^tok_[0-9a-z]{26}$/, "a token id looks like tok_…");

/**
 * Loads a token the caller may change, locked for the transaction. Another team's token is not
 * found; in their own team, viewers may only change the tokens they made themselves.
 */
async function tokenForChange(tx: ServiceContext, id: string): Promise<TokenRow> {
  const actor = tx.actor;
  if (actor.type === "token") throw forbidden("API tokens cannot manage tokens; sign in.");
  const [row] = await tx.db.select().from(apiTokens).where(eq(apiTokens.id, id)).for("update").limit(1);
  // An organisation token is security's and the admins' (and the operators').
  if (!row || (row.teamId === null ? !hasRole(actor, "security") : !canSeeTeam(actor, row.teamId)))
    throw notFound(`Token "${id}"`);
  if (actor.type === "user" && row.teamId && !canActOnTeam(actor, row.teamId) && row.createdByUserId !== actor.id) {
    throw new DomainError("forbidden", "This needs the developer role.", "insufficient-role", { requiredRole: "developer" });
  }
  return row;
}

export const revokeTokenInput = z.object({ id: tokenIdSchema });

export type RevokedToken = { id: string; name: string; revokedAt: Date; alreadyRevoked: boolean };

/** Revokes at once. Revoking a revoked token changes nothing and says so. */
export async function revokeToken(ctx: ServiceContext, raw: z.input<typeof revokeTokenInput>): Promise<RevokedToken> {
  const input = revokeTokenInput.parse(raw);
  return afterCommitForget(
    withTransaction(ctx, async (tx) => {
      const row = await tokenForChange(tx, input.id);
      if (row.revokedAt) return { id: row.id, name: row.name, revokedAt: row.revokedAt, alreadyRevoked: true };
      const revokedAt = tx.now();
      await tx.db.update(apiTokens).set({ revokedAt }).where(eq(apiTokens.id, row.id));
      await recordAudit(tx, {
        action: "token.revoke",
        targetType: "token",
        targetId: row.id,
        teamId: row.teamId,
        before: { revokedAt: null },
        after: { revokedAt },
      });
      return { id: row.id, name: row.name, revokedAt, alreadyRevoked: false };
    }),
  );
}

export const rotateTokenInput = z.object({
  id: tokenIdSchema,
  graceHours: z.number().min(0).max(MAX_GRACE_HOURS).default(DEFAULT_GRACE_HOURS),
});

export type RotatedToken = CreatedToken & { replaced: { id: string; expiresAt: Date } };

/**
 * A new token with the same team, services and scopes; the old one keeps working for the grace
 * period (never longer than it would have anyway) and points to its replacement.
 */
export async function rotateToken(ctx: ServiceContext, raw: z.input<typeof rotateTokenInput>): Promise<RotatedToken> {
  const input = rotateTokenInput.parse(raw);
  return afterCommitForget(
    withTransaction(ctx, async (tx) => {
      const old = await tokenForChange(tx, input.id);
      const now = tx.now();
      const status = tokenStatus(old, now);
      if (status === "grace") throw conflict(`Token "${old.id}" was already rotated (to ${old.replacedBy}).`, "token-rotated");
      if (status !== "active") throw conflict(`Token "${old.id}" is ${status}; create a new one instead.`, "token-inactive");
      const actor = tx.actor;
      if (actor.type === "user") {
        const ceiling = old.teamId ? scopeCeiling(actor.role, actor.teamIds.includes(old.teamId)) : orgScopeCeiling(actor.role);
        const beyond = scopesBeyond(old.scopes, ceiling);
        if (beyond.length) {
          throw new DomainError(
            "forbidden",
            `Your role (${actor.role}) cannot grant ${beyond.map((s) => `"${s}"`).join(", ")}: ask someone who can to rotate this token.`,
            "scope-above-role",
            { scopes: beyond },
          );
        }
      }
      const [team] = old.teamId ? await tx.db.select().from(teams).where(eq(teams.id, old.teamId)).limit(1) : [];
      // The new token lives as long as the old one was meant to, from now.
      const lifetime = Math.min(old.expiresAt.getTime() - old.createdAt.getTime(), MAX_TOKEN_DAYS * 86_400_000);
      // A scope its binding may no longer hold (policies:write on a team token, from an older version) is not carried on.
      const created = await insertToken(tx, team ?? null, {
        serviceIds: old.serviceIds,
        scopes: old.scopes.filter((sc) => (old.teamId ? TEAM_TOKEN_SCOPES : ORG_TOKEN_SCOPES).includes(sc as TokenScope)),
        name: old.name,
        expiresAt: new Date(now.getTime() + lifetime),
        createdByUserId: actor.type === "user" ? actor.id : null,
        audit: { rotatedFrom: old.id },
      });
      const graceEnd = new Date(Math.min(old.expiresAt.getTime(), now.getTime() + input.graceHours * 3_600_000));
      await tx.db.update(apiTokens).set({ expiresAt: graceEnd, replacedBy: created.id }).where(eq(apiTokens.id, old.id));
      await recordAudit(tx, {
        action: "token.rotate",
        targetType: "token",
        targetId: old.id,
        teamId: old.teamId,
        before: { expiresAt: old.expiresAt, replacedBy: null },
        after: { expiresAt: graceEnd, replacedBy: created.id, graceHours: input.graceHours },
      });
      let serviceSlugs: string[] | null = null;
      if (old.serviceIds) {
        const svc = await tx.db.select({ slug: services.slug }).from(services).where(inArray(services.id, old.serviceIds));
        serviceSlugs = svc.map((s) => s.slug).sort();
      }
      return {
        id: created.id,
        token: created.token,
        expiresAt: created.row.expiresAt,
        scopes: created.row.scopes,
        team: team?.slug ?? null,
        services: serviceSlugs,
        replaced: { id: old.id, expiresAt: graceEnd },
      };
    }),
  );
}

/** A 401 that remembers which known token was refused, so that the refusal can be audited. */
export class InvalidTokenError extends DomainError {
  constructor(readonly refused?: TokenActor) {
    super("unauthorized", "The API token is invalid, expired or revoked.");
  }
}

/**
 * Resolves a bearer token to an actor, or throws 401. Expired, revoked, malformed and unknown
 * tokens all get the same answer, so a caller learns nothing about which it was. A token made by a
 * person keeps only the scopes that person still holds; a disabled or deleted creator voids it.
 */
type FoundToken = {
  token: typeof apiTokens.$inferSelect;
  creatorId: string | null;
  creatorRole: Role | null;
  creatorDisabledAt: Date | null;
  creatorInTeam: boolean;
};

async function lookupToken(db: Database, hash: string): Promise<FoundToken | undefined> {
  const [found] = await db
    .select({
      token: apiTokens,
      creatorId: users.id,
      creatorRole: users.role,
      creatorDisabledAt: users.disabledAt,
      creatorInTeam: sql<boolean>`exists (select 1 from ${teamMembers} where ${teamMembers.teamId} = ${apiTokens.teamId} and ${teamMembers.userId} = ${apiTokens.createdByUserId})`,
    })
    .from(apiTokens)
    .leftJoin(users, eq(users.id, apiTokens.createdByUserId))
    .where(eq(apiTokens.hash, hash))
    .limit(1);
  return found;
}

/**
 * How long the REST routes may answer from what they read of a token, in milliseconds: a revocation, expiry change or
 * creator's loss of rights made by another instance (or straight in the database) takes effect within this bound;
 * one made through this instance's verbs takes effect at once (forgetCachedTokens). See docs/performance.md.
 */
export const TOKEN_CACHE_MS = 2000;
const TOKEN_CACHE_MAX = 10_000;
const tokenCache = rememberedTokens<FoundToken>();

/** The token's actor, checked in full (revoked, expired, creator's rights) against the database. */
export async function authenticateToken(
  ctx: Pick<ServiceContext, "db" | "now">,
  token: string | undefined,
  ip?: string,
): Promise<TokenActor> {
  return authenticate(ctx, token, ip, false);
}

/** authenticateToken for the REST routes: the database row may be up to TOKEN_CACHE_MS old (read from this process). */
export async function authenticateTokenCached(
  ctx: Pick<ServiceContext, "db" | "now">,
  token: string | undefined,
  ip?: string,
): Promise<TokenActor> {
  return authenticate(ctx, token, ip, true);
}

async function authenticate(
  ctx: Pick<ServiceContext, "db" | "now">,
  token: string | undefined,
  ip: string | undefined,
  cached: boolean,
): Promise<TokenActor> {
  if (!token || !isWellFormedToken(token)) throw unauthorized("A valid API token is required (Authorization: Bearer gth_…).");
  const hash = hashToken(token);
  let found: FoundToken | undefined;
  const hit = cached ? tokenCache.get(hash) : undefined;
  if (hit && performance.now() - hit.readAt < TOKEN_CACHE_MS) found = hit.found;
  else {
    found = await lookupToken(ctx.db, hash);
    if (cached && found) {
      if (tokenCache.size >= TOKEN_CACHE_MAX) tokenCache.delete(tokenCache.keys().next().value!);
      tokenCache.set(hash, { found, readAt: performance.now() });
    }
  }
  if (!found) throw new InvalidTokenError();
  const row = found.token;
  const now = ctx.now();
  const org = row.teamId === null;
  // What the binding allows, whatever is stored: a team token from an older version may still list policies:write.
  let scopes = row.scopes.filter((s) => (org ? ORG_TOKEN_SCOPES : TEAM_TOKEN_SCOPES).includes(s as TokenScope));
  let creatorGone = false;
  if (row.createdByUserId) {
    if (!found.creatorId || !found.creatorRole || found.creatorDisabledAt) creatorGone = true;
    else {
      const ceiling = org ? orgScopeCeiling(found.creatorRole) : scopeCeiling(found.creatorRole, found.creatorInTeam === true);
      scopes = scopes.filter((s) => ceiling.includes(s as TokenScope));
    }
  }
  const actor: TokenActor = {
    type: "token",
    id: row.id,
    label: `token:${row.displayPrefix}…`,
    teamId: row.teamId ?? NO_TEAM,
    serviceIds: row.serviceIds,
    scopes,
    org,
    creatorId: row.createdByUserId,
  };
  if (row.revokedAt || row.expiresAt <= now || creatorGone) throw new InvalidTokenError(actor);
  // Last use is bookkeeping, not a change of state: it is not audited, and it is throttled to once a minute.
  if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() > 60_000 || row.lastUsedIp !== (ip ?? null)) {
    await ctx.db
      .update(apiTokens)
      .set({ lastUsedAt: now, lastUsedIp: ip ?? null })
      .where(eq(apiTokens.id, row.id));
    // The remembered row says so too, or every request in the cache's lifetime would write it again.
    row.lastUsedAt = now;
    row.lastUsedIp = ip ?? null;
  }
  return actor;
}

export function requireScope(actor: Actor, scope: TokenScope): void {
  if (actor.type === "token" && !actor.scopes.includes(scope)) {
    throw new DomainError("forbidden", `This token lacks the "${scope}" scope.`, "insufficient-scope", { requiredScope: scope });
  }
}
