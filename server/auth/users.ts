// People, as operators and admins see them: list, disable.
import { asc, eq } from "drizzle-orm";
import { z } from "zod";
import { teamMembers, teams, users, type Role } from "@/db/schema";
import { recordAudit } from "../audit/record-audit";
import { withTransaction, type ServiceContext } from "../context";
import { notFound, validation } from "../errors";
import { requireRole } from "./permissions";
import { revokeSessionsOf } from "./sessions";
import { emailSchema } from "./setup-links";

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
  return withTransaction(ctx, async (tx) => {
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
  });
}
