// One-time links: the first admin's setup (also `gatehouse admin create`) and invitations. Only a hash is stored.
import { createHash, randomBytes } from "node:crypto";
import { count, eq, sql } from "drizzle-orm";
import { z } from "zod";
import { ROLES, setupTokens, teamMembers, teams, users, type Role } from "@/db/schema";
import { recordAudit } from "../audit/record-audit";
import { withTransaction, type Actor, type ServiceContext } from "../context";
import { conflict, DomainError, notFound, validation } from "../errors";
import { newId } from "../ids";
import { isCleanLine, slugSchema } from "../validation";
import { hashPassword, passwordProblem, passwordSchema } from "./password";
import { requireRole } from "./permissions";
import { INVITE_DEFAULT_HOURS, INVITE_MAX_HOURS, publicBaseUrl, SETUP_LINK_MINUTES } from "./settings";

export const emailSchema = z
  .string()
  .trim()
  .max(254)
  .pipe(z.email("must be an email address"))
  .transform((s) => s.toLowerCase());

export const nameSchema = z
  .string()
  .trim()
  .min(1, "is required")
  .max(200)
  .refine(isCleanLine, "must be one line of text, without control characters");

const TOKEN_PREFIX = "gsl_";
const TOKEN_SHAPE = /^gsl_[A-Za-z0-9_-]{43}$/;

export const hashSetupToken = (token: string) => createHash("sha256").update(token).digest("hex");

export const setupUrl = (token: string, base = publicBaseUrl()) => `${base}/setup?token=${encodeURIComponent(token)}`;

export type CreatedSetupLink = {
  id: string;
  token: string;
  url: string;
  purpose: "first-admin" | "invite";
  email: string | null;
  role: Role;
  expiresAt: Date;
};

type LinkRow = typeof setupTokens.$inferSelect;

async function insertLink(
  tx: ServiceContext,
  link: { purpose: LinkRow["purpose"]; email: string | null; role: Role; teamId: string | null; minutes: number },
): Promise<CreatedSetupLink> {
  const now = tx.now();
  const token = TOKEN_PREFIX + randomBytes(32).toString("base64url");
  const id = newId("setup", now.getTime());
  const expiresAt = new Date(now.getTime() + link.minutes * 60_000);
  await tx.db.insert(setupTokens).values({
    id,
    hash: hashSetupToken(token),
    purpose: link.purpose,
    email: link.email,
    role: link.role,
    teamId: link.teamId,
    createdBy: tx.actor.label,
    createdAt: now,
    expiresAt,
  });
  await recordAudit(tx, {
    action: "auth.setup_link_create",
    targetType: "setup_link",
    targetId: id,
    teamId: link.teamId,
    after: { purpose: link.purpose, email: link.email, role: link.role, teamId: link.teamId, expiresAt },
  });
  return { id, token, url: setupUrl(token), purpose: link.purpose, email: link.email, role: link.role, expiresAt };
}

async function emailTaken(ctx: ServiceContext, email: string): Promise<boolean> {
  const [row] = await ctx.db.select({ id: users.id }).from(users).where(eq(users.email, email)).limit(1);
  return !!row;
}

export const createAdminLinkInput = z.object({ email: emailSchema.optional() });

/** A one-hour link that creates an admin (with this email, or the email typed on the page). Operators and admins only. */
export async function createAdminSetupLink(
  ctx: ServiceContext,
  raw: z.input<typeof createAdminLinkInput>,
): Promise<CreatedSetupLink> {
  requireRole(ctx.actor, "admin");
  const input = createAdminLinkInput.parse(raw);
  return withTransaction(ctx, async (tx) => {
    if (input.email && (await emailTaken(tx, input.email)))
      throw conflict(`A user with email ${input.email} already exists.`, "user-exists");
    return insertLink(tx, {
      purpose: "first-admin",
      email: input.email ?? null,
      role: "admin",
      teamId: null,
      minutes: SETUP_LINK_MINUTES,
    });
  });
}

/** At start-up with no users at all: a fresh link for the first admin; otherwise null. */
export async function firstRunSetupLink(ctx: ServiceContext): Promise<CreatedSetupLink | null> {
  const [{ n } = { n: 0 }] = await ctx.db.select({ n: count() }).from(users);
  if (Number(n) > 0) return null;
  return withTransaction({ ...ctx, actor: { type: "system", label: "first-run" } }, (tx) =>
    insertLink(tx, { purpose: "first-admin", email: null, role: "admin", teamId: null, minutes: SETUP_LINK_MINUTES }),
  );
}

export const inviteUserInput = z.object({
  email: emailSchema,
  role: z.enum(ROLES),
  team: slugSchema.optional(),
  expiresInHours: z.number().int().min(1).max(INVITE_MAX_HOURS).default(INVITE_DEFAULT_HOURS),
});

/** An invitation: a one-time link where the person sets their name and password. Admins and operators only. */
export async function inviteUser(ctx: ServiceContext, raw: z.input<typeof inviteUserInput>): Promise<CreatedSetupLink> {
  requireRole(ctx.actor, "admin");
  const input = inviteUserInput.parse(raw);
  return withTransaction(ctx, async (tx) => {
    let teamId: string | null = null;
    if (input.team) {
      const [team] = await tx.db.select({ id: teams.id }).from(teams).where(eq(teams.slug, input.team)).limit(1);
      if (!team) throw notFound(`Team "${input.team}"`);
      teamId = team.id;
    }
    if (await emailTaken(tx, input.email)) throw conflict(`A user with email ${input.email} already exists.`, "user-exists");
    return insertLink(tx, {
      purpose: "invite",
      email: input.email,
      role: input.role,
      teamId,
      minutes: input.expiresInHours * 60,
    });
  });
}

// One answer for unknown, expired, used and superseded links: the page learns nothing more.
const invalidLink = () =>
  new DomainError(
    "not_found",
    "This setup link is invalid, has expired or was already used. Ask an administrator for a new one.",
    "invalid-setup-link",
  );

export type SetupLinkView = {
  purpose: "first-admin" | "invite";
  email: string | null;
  role: Role;
  team: string | null;
  expiresAt: Date;
};

async function usableLink(ctx: ServiceContext, token: string, lock: boolean): Promise<LinkRow> {
  if (!TOKEN_SHAPE.test(token)) throw invalidLink();
  const q = ctx.db
    .select()
    .from(setupTokens)
    .where(eq(setupTokens.hash, hashSetupToken(token)))
    .limit(1);
  const [row] = lock ? await q.for("update") : await q;
  if (!row || row.usedAt || row.expiresAt.getTime() <= ctx.now().getTime()) throw invalidLink();
  // The start-up link only ever creates the very first user.
  if (row.purpose === "first-admin" && !row.email) {
    const [{ n } = { n: 0 }] = await ctx.db.select({ n: count() }).from(users);
    if (Number(n) > 0) throw invalidLink();
  }
  return row;
}

/** What the setup page shows for a link; throws invalid-setup-link. Reads only. */
export async function inspectSetupLink(ctx: ServiceContext, token: string): Promise<SetupLinkView> {
  const row = await usableLink(ctx, token, false);
  let team: string | null = null;
  if (row.teamId) {
    const [t] = await ctx.db.select({ name: teams.name }).from(teams).where(eq(teams.id, row.teamId)).limit(1);
    team = t?.name ?? null;
  }
  return { purpose: row.purpose, email: row.email, role: row.role ?? "viewer", team, expiresAt: row.expiresAt };
}

export const redeemSetupLinkInput = z.object({
  token: z.string().max(200),
  email: emailSchema.optional(),
  name: nameSchema,
  password: passwordSchema,
});

export type RedeemedLink = { userId: string; email: string; role: Role };

/** Uses a link once: creates the account, marks the link used, and audits both, in one transaction. */
export async function redeemSetupLink(ctx: ServiceContext, raw: z.input<typeof redeemSetupLinkInput>): Promise<RedeemedLink> {
  const input = redeemSetupLinkInput.parse(raw);
  // Cheap checks first: do not spend an argon2 hash on a dead link.
  const first = await usableLink(ctx, input.token, false);
  const problem = await passwordProblem(input.password, first.email ?? input.email ?? "");
  if (problem) throw validation(`The password ${problem}.`, { field: "password" }, "weak-password");
  const passwordHash = await hashPassword(input.password);
  return withTransaction(ctx, async (tx) => {
    // Two first-run links used at the same moment must not make two "first" admins.
    await tx.db.execute(sql`select pg_advisory_xact_lock(hashtext('gatehouse:setup-links'))`);
    const link = await usableLink(tx, input.token, true);
    const email = link.email ?? input.email;
    if (!email) throw new DomainError("bad_request", "email: is required", "validation-error");
    if (await emailTaken(tx, email)) throw conflict(`A user with email ${email} already exists.`, "user-exists");
    const now = tx.now();
    const role: Role = link.purpose === "first-admin" ? "admin" : (link.role ?? "viewer");
    const userId = newId("user", now.getTime());
    await tx.db.insert(users).values({
      id: userId,
      email,
      name: input.name,
      passwordHash,
      role,
      createdAt: now,
      passwordChangedAt: now,
    });
    if (link.teamId) {
      const [team] = await tx.db.select({ id: teams.id }).from(teams).where(eq(teams.id, link.teamId)).limit(1);
      if (team) await tx.db.insert(teamMembers).values({ teamId: team.id, userId, createdAt: now }).onConflictDoNothing();
    }
    const used = await tx.db
      .update(setupTokens)
      .set({ usedAt: now })
      .where(sql`${setupTokens.id} = ${link.id} and ${setupTokens.usedAt} is null`)
      .returning({ id: setupTokens.id });
    if (used.length !== 1) throw invalidLink();
    // The person who used the link is the actor of what it did.
    const actor: Actor = {
      type: "user",
      id: userId,
      label: email,
      role,
      teamIds: link.teamId ? [link.teamId] : [],
    };
    const as = { ...tx, actor };
    await recordAudit(as, {
      action: "auth.setup_link_use",
      targetType: "setup_link",
      targetId: link.id,
      teamId: link.teamId,
      after: { purpose: link.purpose, userId, email },
    });
    await recordAudit(as, {
      action: "user.create",
      targetType: "user",
      targetId: userId,
      teamId: link.teamId,
      after: { email, name: input.name, role, teamId: link.teamId, via: link.purpose },
    });
    return { userId, email, role };
  });
}
