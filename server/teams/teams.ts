import { asc, eq } from "drizzle-orm";
import { z } from "zod";
import { teams } from "@/db/schema";
import { recordAudit } from "../audit/record-audit";
import { withTransaction, type ServiceContext } from "../context";
import { conflict, notFound } from "../errors";
import { newId } from "../ids";
import { slugSchema } from "../validation";

export const createTeamInput = z.object({ slug: slugSchema, name: z.string().trim().min(1).max(200).optional() });
export type Team = typeof teams.$inferSelect;

export async function createTeam(ctx: ServiceContext, raw: z.input<typeof createTeamInput>): Promise<Team> {
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
