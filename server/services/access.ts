// Finding a service the caller may act on. Another team's service does not exist for a token (404);
// a service outside a service-bound token's list is forbidden (403).
import { eq } from "drizzle-orm";
import { services } from "@/db/schema";
import { canSeeTeam } from "../auth/permissions";
import type { ServiceContext } from "../context";
import { forbidden, notFound } from "../errors";

export type ServiceRef = { id: string; slug: string; teamId: string; defaultBranch: string };

export async function serviceForActor(ctx: ServiceContext, slug: string, action = "use"): Promise<ServiceRef> {
  const [row] = await ctx.db
    .select({ id: services.id, slug: services.slug, teamId: services.teamId, defaultBranch: services.defaultBranch })
    .from(services)
    .where(eq(services.slug, slug))
    .limit(1);
  const actor = ctx.actor;
  if (!row || !canSeeTeam(actor, row.teamId)) throw notFound(`Service "${slug}"`);
  if (actor.type === "token" && actor.serviceIds && !actor.serviceIds.includes(row.id)) {
    throw forbidden(`This token may not ${action} service "${slug}".`);
  }
  return row;
}
