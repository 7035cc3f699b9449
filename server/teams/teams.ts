// Teams: created by admins and operators; each person sees the teams they belong to (security and admin: all).
import { asc, count, eq, inArray } from "drizzle-orm";
import { z } from "zod";
import { services, teamMembers, teams, users, type Role } from "@/db/schema";
import { recordAudit } from "../audit/record-audit";
import { canSeeTeam, requireRole, visibleTeamIds } from "../auth/permissions";
import { withTransaction, type ServiceContext } from "../context";
import { conflict, notFound } from "../errors";
import { newId } from "../ids";
import { slugSchema } from "../validation";

export const createTeamInput = z.object({ slug: slugSchema, name: z.string().trim().min(1).max(200).optional() });
export type Team = typeof teams.$inferSelect;

export async function createTeam(ctx: ServiceContext, raw: z.input<typeof createTeamInput>): Promise<Team> {
  requireRole(ctx.actor, "admin");
  const input = createTeamInput.parse(raw);
  return withTransaction(ctx, async (tx) => {
    const [row] = await tx.db
      .insert(teams)
      .values({ id: newId("team", tx.now().getTime()), slug: input.slug, name: input.name ?? input.slug, createdAt: tx.now() })
      .onConflictDoNothing({ target: teams.slug })
      .returning();
    if (!row) throw conflict(`A team with slug "${input.slug}" already exists.`, "team-exists");
    await recordAudit(tx, { action: "team.create", targetType: "team", targetId: row.id, teamId: row.id, after: row });
    return row;
  });
}

export async function getTeamBySlug(ctx: ServiceContext, slug: string): Promise<Team> {
  const [row] = await ctx.db.select().from(teams).where(eq(teams.slug, slug)).limit(1);
  if (!row) throw notFound(`Team "${slug}"`);
  return row;
}

export async function listTeams(ctx: ServiceContext): Promise<Team[]> {
  return ctx.db.select().from(teams).orderBy(asc(teams.slug));
}

export type TeamSummary = { id: string; slug: string; name: string; createdAt: Date; members: number; services: number };

/** The teams the caller sees, with how many people and services each has. */
export async function listVisibleTeams(ctx: ServiceContext): Promise<TeamSummary[]> {
  requireRole(ctx.actor, "viewer");
  const visible = visibleTeamIds(ctx.actor);
  if (visible && visible.length === 0) return [];
  const rows = await ctx.db
    .select()
    .from(teams)
    .where(visible ? inArray(teams.id, visible) : undefined)
    .orderBy(asc(teams.slug));
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const [memberCounts, serviceCounts] = await Promise.all([
    ctx.db
      .select({ teamId: teamMembers.teamId, n: count() })
      .from(teamMembers)
      .where(inArray(teamMembers.teamId, ids))
      .groupBy(teamMembers.teamId),
    ctx.db
      .select({ teamId: services.teamId, n: count() })
      .from(services)
      .where(inArray(services.teamId, ids))
      .groupBy(services.teamId),
  ]);
  const of = (list: { teamId: string; n: number }[], id: string) => Number(list.find((c) => c.teamId === id)?.n ?? 0);
  return rows.map((r) => ({
    ...r,
    members: of(memberCounts, r.id),
    services: of(serviceCounts, r.id),
  }));
}

export type TeamMemberView = {
  id: string;
  email: string;
  name: string | null;
  role: Role;
  status: "active" | "disabled";
  joinedAt: Date;
};

export type TeamDetail = {
  team: Team;
  members: TeamMemberView[];
  services: { slug: string; name: string; criticality: string }[];
};

/** One team with its people and services; a team the caller cannot see does not exist. */
export async function getTeamDetail(ctx: ServiceContext, slug: string): Promise<TeamDetail> {
  requireRole(ctx.actor, "viewer");
  const [team] = await ctx.db.select().from(teams).where(eq(teams.slug, slug)).limit(1);
  if (!team || !canSeeTeam(ctx.actor, team.id)) throw notFound(`Team "${slug}"`);
  const [members, svc] = await Promise.all([
    ctx.db
      .select({
        id: users.id,
        email: users.email,
        name: users.name,
        role: users.role,
        disabledAt: users.disabledAt,
        joinedAt: teamMembers.createdAt,
      })
      .from(teamMembers)
      .innerJoin(users, eq(users.id, teamMembers.userId))
      .where(eq(teamMembers.teamId, team.id))
      .orderBy(asc(users.email)),
    ctx.db
      .select({ slug: services.slug, name: services.name, criticality: services.criticality })
      .from(services)
      .where(eq(services.teamId, team.id))
      .orderBy(asc(services.slug)),
  ]);
  return {
    team,
    members: members.map(({ disabledAt, ...m }) => ({ ...m, status: disabledAt ? "disabled" : "active" })),
    services: svc,
  };
}

export type TeamServices = { slug: string; name: string; member: boolean; services: { slug: string; name: string }[] };

/** The visible teams with their services' slugs: what a form binding something to a team or services offers. */
export async function listTeamServices(ctx: ServiceContext): Promise<TeamServices[]> {
  requireRole(ctx.actor, "viewer");
  const visible = visibleTeamIds(ctx.actor);
  if (visible && visible.length === 0) return [];
  const rows = await ctx.db
    .select({ teamId: teams.id, slug: teams.slug, name: teams.name, service: services.slug, serviceName: services.name })
    .from(teams)
    .leftJoin(services, eq(services.teamId, teams.id))
    .where(visible ? inArray(teams.id, visible) : undefined)
    .orderBy(asc(teams.slug), asc(services.slug));
  const member = (id: string) => ctx.actor.type === "user" && ctx.actor.teamIds.includes(id);
  const out: TeamServices[] = [];
  for (const r of rows) {
    let team = out.at(-1);
    if (!team || team.slug !== r.slug) {
      team = { slug: r.slug, name: r.name, member: member(r.teamId), services: [] };
      out.push(team);
    }
    if (r.service) team.services.push({ slug: r.service, name: r.serviceName ?? r.service });
  }
  return out;
}
