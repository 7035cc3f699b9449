// Team membership, changed by admins (and operators): who belongs to a team decides what they see.
import { and, eq } from "drizzle-orm";
import { z } from "zod";
import { teamMembers, teams, users } from "@/db/schema";
import { recordAudit } from "../audit/record-audit";
import { requireRole } from "../auth/permissions";
import { emailSchema } from "../auth/setup-links";
import { withTransaction, type ServiceContext } from "../context";
import { conflict, notFound } from "../errors";
import { slugSchema } from "../validation";
import { afterCommitForget } from "../tokens/token-cache";

export const teamMemberInput = z.object({ team: slugSchema, email: emailSchema });

export type Membership = { teamId: string; team: string; userId: string; email: string };

async function teamAndUser(tx: ServiceContext, input: z.output<typeof teamMemberInput>) {
  const [team] = await tx.db.select().from(teams).where(eq(teams.slug, input.team)).limit(1);
  if (!team) throw notFound(`Team "${input.team}"`);
  const [user] = await tx.db.select().from(users).where(eq(users.email, input.email)).limit(1);
  if (!user) throw notFound(`User ${input.email}`);
  return { team, user };
}

/** Adds a person to a team; they see its services from their next request. */
export async function addTeamMember(ctx: ServiceContext, raw: z.input<typeof teamMemberInput>): Promise<Membership> {
  requireRole(ctx.actor, "admin");
  const input = teamMemberInput.parse(raw);
  return withTransaction(ctx, async (tx) => {
    const { team, user } = await teamAndUser(tx, input);
    const [row] = await tx.db
      .insert(teamMembers)
      .values({ teamId: team.id, userId: user.id, createdAt: tx.now() })
      .onConflictDoNothing()
      .returning();
    if (!row) throw conflict(`${user.email} is already a member of ${team.slug}.`, "already-member");
    await recordAudit(tx, {
      action: "team.member_add",
      targetType: "user",
      targetId: user.id,
      teamId: team.id,
      after: { team: team.slug, email: user.email, role: user.role },
    });
    return { teamId: team.id, team: team.slug, userId: user.id, email: user.email };
  });
}

/** Removes a person from a team. Tokens they made for it lose their scopes with it (see authenticateToken). */
export async function removeTeamMember(ctx: ServiceContext, raw: z.input<typeof teamMemberInput>): Promise<Membership> {
  requireRole(ctx.actor, "admin");
  const input = teamMemberInput.parse(raw);
  return afterCommitForget(
    withTransaction(ctx, async (tx) => {
      const { team, user } = await teamAndUser(tx, input);
      const removed = await tx.db
        .delete(teamMembers)
        .where(and(eq(teamMembers.teamId, team.id), eq(teamMembers.userId, user.id)))
        .returning();
      if (removed.length === 0) throw notFound(`${user.email} in team "${team.slug}"`);
      await recordAudit(tx, {
        action: "team.member_remove",
        targetType: "user",
        targetId: user.id,
        teamId: team.id,
        before: { team: team.slug, email: user.email, role: user.role, joinedAt: removed[0]!.createdAt },
      });
      return { teamId: team.id, team: team.slug, userId: user.id, email: user.email };
    }),
  );
}
