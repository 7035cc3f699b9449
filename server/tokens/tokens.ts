// Machine tokens: created by an operator (CLI) or, later, the dashboard; hashed, scoped, expiring.
import { and, eq, inArray } from "drizzle-orm";
import { z } from "zod";
import { apiTokens, services, teams } from "@/db/schema";
import { recordAudit } from "../audit/record-audit";
import { withTransaction, type Actor, type ServiceContext } from "../context";
import { DomainError, notFound, unauthorized } from "../errors";
import { newId } from "../ids";
import { slugSchema } from "../validation";
import { displayPrefix, generateToken, hashToken, isWellFormedToken } from "./token-format";

export const TOKEN_SCOPES = ["scans:write", "gate:evaluate", "deployments:write", "policies:write", "read"] as const;
export type TokenScope = (typeof TOKEN_SCOPES)[number];

export const MAX_TOKEN_DAYS = 365;
export const DEFAULT_TOKEN_DAYS = 90;

export const createTokenInput = z.object({
  team: slugSchema,
  services: z.array(slugSchema).min(1).optional(),
  scopes: z.array(z.enum(TOKEN_SCOPES)).min(1, "at least one scope is required"),
  name: z.string().trim().min(1).max(100).optional(),
  expiresInDays: z.number().int().min(1).max(MAX_TOKEN_DAYS).default(DEFAULT_TOKEN_DAYS),
});

export type CreatedToken = {
  id: string;
  token: string;
  expiresAt: Date;
  scopes: string[];
  team: string;
  services: string[] | null;
};

export async function createToken(ctx: ServiceContext, raw: z.input<typeof createTokenInput>): Promise<CreatedToken> {
  const input = createTokenInput.parse(raw);
  return withTransaction(ctx, async (tx) => {
    const [team] = await tx.db.select().from(teams).where(eq(teams.slug, input.team)).limit(1);
    if (!team) throw notFound(`Team "${input.team}"`);
    let serviceIds: string[] | null = null;
    if (input.services) {
      const rows = await tx.db
        .select({ id: services.id, slug: services.slug })
        .from(services)
        .where(and(eq(services.teamId, team.id), inArray(services.slug, input.services)));
      const missing = input.services.filter((s) => !rows.some((r) => r.slug === s));
      if (missing.length) throw notFound(`Service "${missing[0]}" in team "${team.slug}"`);
      serviceIds = rows.map((r) => r.id);
    }
    const token = generateToken();
    const now = tx.now();
    const expiresAt = new Date(now.getTime() + input.expiresInDays * 86_400_000);
    const scopes = [...new Set(input.scopes)].sort();
    const id = newId("token", now.getTime());
    const row = {
      id,
      teamId: team.id,
      serviceIds,
      name: input.name ?? `${team.slug} token`,
      hash: hashToken(token),
      displayPrefix: displayPrefix(token),
      scopes,
      expiresAt,
      createdAt: now,
      createdBy: ctx.actor.label,
    };
    await tx.db.insert(apiTokens).values(row);
    const { hash: _hash, ...safe } = row;
    await recordAudit(tx, { action: "token.create", targetType: "token", targetId: id, teamId: team.id, after: safe });
    return { id, token, expiresAt, scopes, team: team.slug, services: input.services ?? null };
  });
}

/**
 * Resolves a bearer token to an actor, or throws 401. Expired, revoked, malformed and unknown
 * tokens all get the same answer, so a caller learns nothing about which it was.
 */
export async function authenticateToken(
  ctx: Pick<ServiceContext, "db" | "now">,
  token: string | undefined,
  ip?: string,
): Promise<Extract<Actor, { type: "token" }>> {
  if (!token || !isWellFormedToken(token)) throw unauthorized("A valid API token is required (Authorization: Bearer gth_…).");
  const [row] = await ctx.db
    .select()
    .from(apiTokens)
    .where(eq(apiTokens.hash, hashToken(token)))
    .limit(1);
  const now = ctx.now();
  if (!row || row.revokedAt || row.expiresAt <= now) throw unauthorized("The API token is invalid, expired or revoked.");
  // Last use is bookkeeping, not a change of state: it is not audited, and it is throttled to once a minute.
  if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() > 60_000 || row.lastUsedIp !== (ip ?? null)) {
    await ctx.db
      .update(apiTokens)
      .set({ lastUsedAt: now, lastUsedIp: ip ?? null })
      .where(eq(apiTokens.id, row.id));
  }
  return {
    type: "token",
    id: row.id,
    label: `token:${row.displayPrefix}…`,
    teamId: row.teamId,
    serviceIds: row.serviceIds,
    scopes: row.scopes,
  };
}

export function requireScope(actor: Actor, scope: TokenScope): void {
  if (actor.type === "token" && !actor.scopes.includes(scope)) {
    throw new DomainError("forbidden", `This token lacks the "${scope}" scope.`, "insufficient-scope", { requiredScope: scope });
  }
}
