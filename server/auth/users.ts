// People, as operators and admins see them: list, change a role, disable.
import { and, asc, eq, isNull, ne } from "drizzle-orm";
import { z } from "zod";
import { ROLES, teamMembers, teams, users, type Role } from "@/db/schema";
import { recordAudit } from "../audit/record-audit";
import { withTransaction, type Actor, type ServiceContext } from "../context";
import { conflict, DomainError, notFound, validation } from "../errors";
import { requireRole } from "./permissions";
import { revokeSessionsOf } from "./sessions";
import { emailSchema } from "./setup-links";
import { afterCommitForget } from "../tokens/token-cache";

export type UserView = {
  id: string;
  email: string;
  name: string | null;
  role: Role;
  teams: string[];
  status: "active" | "disabled";
  hasPassword: boolean;
  createdAt: Date;
  lastSignInAt: Date | null;
};

export async function listUsers(ctx: ServiceContext): Promise<UserView[]> {
  requireRole(ctx.actor, "admin");
  const rows = await ctx.db.select().from(users).orderBy(asc(users.email));
  const memberships = await ctx.db
    .select({ userId: teamMembers.userId, slug: teams.slug })
    .from(teamMembers)
    .innerJoin(teams, eq(teams.id, teamMembers.teamId))
    .orderBy(asc(teams.slug));
  return rows.map((u) => ({
    id: u.id,
    email: u.email,
    name: u.name,
    role: u.role,
    teams: memberships.filter((m) => m.userId === u.id).map((m) => m.slug),
    status: u.disabledAt ? "disabled" : "active",
    hasPassword: !!u.passwordHash,
    createdAt: u.createdAt,
    lastSignInAt: u.lastSignInAt,
  }));
}

export const disableUserInput = z.object({ email: emailSchema });

/** Disables an account and ends its sessions at once. */
export async function disableUser(ctx: ServiceContext, raw: z.input<typeof disableUserInput>): Promise<{ id: string }> {
  requireRole(ctx.actor, "admin");
  const input = disableUserInput.parse(raw);
  return afterCommitForget(
    withTransaction(ctx, async (tx) => {
      const [user] = await tx.db.select().from(users).where(eq(users.email, input.email)).limit(1);
      if (!user) throw notFound(`User ${input.email}`);
      if (ctx.actor.type === "user" && ctx.actor.id === user.id) throw validation("You cannot disable your own account.");
      if (user.disabledAt) return { id: user.id };
      await tx.db.update(users).set({ disabledAt: tx.now() }).where(eq(users.id, user.id));
      const revokedSessions = await revokeSessionsOf(tx, user.id);
      await recordAudit(tx, {
        action: "user.disable",
        targetType: "user",
        targetId: user.id,
        before: { status: "active" },
        after: { status: "disabled", revokedSessions },
      });
      return { id: user.id };
    }),
  );
}

export const changeUserRoleInput = z.object({ email: emailSchema, role: z.enum(ROLES) });

export type RoleChange = { id: string; email: string; before: Role; after: Role; changed: boolean };

/**
 * Gives a person another role; it applies from their next request (sessions read the role from the
 * database). Admins cannot change their own role, and the last active admin stays an admin.
 */
export async function changeUserRole(ctx: ServiceContext, raw: z.input<typeof changeUserRoleInput>): Promise<RoleChange> {
  requireRole(ctx.actor, "admin");
  const input = changeUserRoleInput.parse(raw);
  return afterCommitForget(
    withTransaction(ctx, async (tx) => {
      const [user] = await tx.db.select().from(users).where(eq(users.email, input.email)).for("update").limit(1);
      if (!user) throw notFound(`User ${input.email}`);
      if (ctx.actor.type === "user" && ctx.actor.id === user.id) throw validation("You cannot change your own role.");
      const same = { id: user.id, email: user.email, before: user.role, after: input.role };
      if (user.role === input.role) return { ...same, changed: false };
      if (user.role === "admin" && !user.disabledAt) {
        // Locking the other admins' rows keeps two concurrent demotions from removing the last two.
        const others = await tx.db
          .select({ id: users.id })
          .from(users)
          .where(and(eq(users.role, "admin"), isNull(users.disabledAt), ne(users.id, user.id)))
          .for("update");
        if (others.length === 0) throw conflict(`${user.email} is the last active admin.`, "last-admin");
      }
      await tx.db.update(users).set({ role: input.role }).where(eq(users.id, user.id));
      await recordAudit(tx, {
        action: "user.role_change",
        targetType: "user",
        targetId: user.id,
        before: { role: user.role },
        after: { role: input.role },
      });
      return { ...same, changed: true };
    }),
  );
}

/**
 * A person as an actor, for an operator at the console who acts in their name (`waiver approve --as <email>`): the
 * account must exist and be enabled, and what they may do is their role's, audited as them.
 */
export async function personActor(ctx: ServiceContext, email: string): Promise<Extract<Actor, { type: "user" }>> {
  if (ctx.actor.type !== "cli" && ctx.actor.type !== "system")
    throw new DomainError("forbidden", "Only an operator at the console acts in another person's name.");
  const normalized = emailSchema.parse(email);
  const [user] = await ctx.db.select().from(users).where(eq(users.email, normalized)).limit(1);
  if (!user || user.disabledAt) throw notFound(`An enabled account ${normalized}`);
  const teamIds = (
    await ctx.db.select({ teamId: teamMembers.teamId }).from(teamMembers).where(eq(teamMembers.userId, user.id))
  ).map((r) => r.teamId);
  return { type: "user", id: user.id, label: user.email, role: user.role, teamIds };
}
