import { asc, eq } from "drizzle-orm";
import { z } from "zod";
import { services, teams } from "@/db/schema";
import { recordAudit } from "../audit/record-audit";
import { withTransaction, type ServiceContext } from "../context";
import { conflict, notFound } from "../errors";
import { newId } from "../ids";
import { slugSchema } from "../validation";

export const createServiceInput = z.object({
  team: slugSchema,
  slug: slugSchema,
  name: z.string().trim().min(1).max(200).optional(),
  repoUrl: z
    .url({ protocol: /^https?$/ })
    .max(500)
    .optional(),
  defaultBranch: z.string().trim().min(1).max(250).optional(),
  criticality: z.enum(["critical", "high", "medium", "low"]).optional(),
});

/** A service as verbs return it: without `findingsVersion`, the gate's bookkeeping (db/schema/services.ts). */
export type Service = Omit<typeof services.$inferSelect, "findingsVersion">;
const withoutBookkeeping = ({ findingsVersion: _version, ...service }: typeof services.$inferSelect): Service => service;
export type ServiceWithTeam = Service & { teamSlug: string };

export async function createService(ctx: ServiceContext, raw: z.input<typeof createServiceInput>): Promise<ServiceWithTeam> {
  const input = createServiceInput.parse(raw);
  return withTransaction(ctx, async (tx) => {
    const [team] = await tx.db.select().from(teams).where(eq(teams.slug, input.team)).limit(1);
    if (!team) throw notFound(`Team "${input.team}"`);
    const now = tx.now();
    const [row] = await tx.db
      .insert(services)
      .values({
        id: newId("service", now.getTime()),
        teamId: team.id,
        slug: input.slug,
        name: input.name ?? input.slug,
        repoUrl: input.repoUrl ?? null,
        defaultBranch: input.defaultBranch ?? "main",
        criticality: input.criticality ?? "medium",
        createdAt: now,
        updatedAt: now,
      })
      .onConflictDoNothing({ target: services.slug })
      .returning();
    if (!row) throw conflict(`A service with slug "${input.slug}" already exists.`, "service-exists");
    const service = withoutBookkeeping(row);
    await recordAudit(tx, { action: "service.create", targetType: "service", targetId: row.id, teamId: team.id, after: service });
    return { ...service, teamSlug: team.slug };
  });
}

export async function listServices(ctx: ServiceContext, filter: { team?: string } = {}): Promise<ServiceWithTeam[]> {
  const q = ctx.db
    .select({ service: services, teamSlug: teams.slug })
    .from(services)
    .innerJoin(teams, eq(teams.id, services.teamId))
    .orderBy(asc(services.slug));
  const rows = filter.team ? await q.where(eq(teams.slug, filter.team)) : await q;
  return rows.map((r) => ({ ...withoutBookkeeping(r.service), teamSlug: r.teamSlug }));
}
