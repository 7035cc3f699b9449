// Finding a service the caller may act on: the one lookup behind the REST verbs, the dashboard's team procedures
// and uploads. Another team's service does not exist for the caller (404); a service outside a service-bound
// token's list is forbidden (403).
import { eq } from "drizzle-orm";
import { services, teams } from "@/db/schema";
import { recordAudit } from "../audit/record-audit";
import { canSeeTeam, canUseService } from "../auth/permissions";
import type { Actor, ServiceContext } from "../context";
import { DomainError, forbidden, notFound } from "../errors";
import { newId } from "../ids";

export type ServiceRef = {
  id: string;
  slug: string;
  name: string;
  teamId: string;
  repoUrl: string | null;
  defaultBranch: string;
  criticality: "critical" | "high" | "medium" | "low";
};

export type ServiceLookup = {
  /** what the caller wants to do, for the 403 message ("This token may not <action> service …") */
  action?: string;
  /**
   * Uploads: a team-wide token that names an unknown service creates it in its team (audited as service.create).
   * Call it inside the caller's transaction, so that the new service commits with what it was created for.
   */
  createForTeamToken?: boolean;
  /** with createForTeamToken: false when GATEHOUSE_AUTO_REGISTER_SERVICES=0 (the lookup is still an upload's) */
  autoRegister?: boolean;
};

/** An upload's one answer for a service it may not use and for one that does not exist: names cannot be probed. */
const uploadNotFound = (slug: string) =>
  new DomainError(
    "not_found",
    `Service "${slug}" was not found for this token. Register it first (gatehouse service create), or upload with a ` +
      "team-wide token of its team.",
    "not-found",
  );

const columns = {
  id: services.id,
  slug: services.slug,
  name: services.name,
  teamId: services.teamId,
  repoUrl: services.repoUrl,
  defaultBranch: services.defaultBranch,
  criticality: services.criticality,
};

export async function serviceForActor(
  ctx: ServiceContext,
  slug: string,
  lookup: string | ServiceLookup = {},
): Promise<ServiceRef> {
  const {
    action = "use",
    createForTeamToken = false,
    autoRegister = true,
  } = typeof lookup === "string" ? { action: lookup } : lookup;
  const [row] = await ctx.db.select(columns).from(services).where(eq(services.slug, slug)).limit(1);
  const actor = ctx.actor;
  const missing = () => (createForTeamToken ? uploadNotFound(slug) : notFound(`Service "${slug}"`));
  if (row) return usableService(actor, row, slug, action, missing);
  if (!createForTeamToken || !autoRegister || actor.type !== "token" || actor.serviceIds) throw missing();
  const now = ctx.now();
  const id = newId("service", now.getTime());
  const [created] = await ctx.db
    .insert(services)
    .values({ id, teamId: actor.teamId, slug, name: slug, createdAt: now, updatedAt: now })
    .onConflictDoNothing({ target: services.slug })
    .returning();
  // Created by a concurrent upload a moment ago: look it up like any other.
  if (!created) return serviceForActor(ctx, slug, { action, createForTeamToken, autoRegister: false });
  const [team] = await ctx.db.select({ slug: teams.slug }).from(teams).where(eq(teams.id, actor.teamId));
  await recordAudit(ctx, {
    action: "service.create",
    targetType: "service",
    targetId: id,
    teamId: actor.teamId,
    after: { ...created, reason: "first upload", team: team?.slug },
  });
  return {
    id: created.id,
    slug: created.slug,
    name: created.name,
    teamId: created.teamId,
    repoUrl: created.repoUrl,
    defaultBranch: created.defaultBranch,
    criticality: created.criticality,
  };
}

/** The team a service belongs to, for page headers and the read API. */
export async function teamOfService(
  ctx: ServiceContext,
  service: Pick<ServiceRef, "teamId">,
): Promise<{ slug: string; name: string }> {
  const [team] = await ctx.db.select({ slug: teams.slug, name: teams.name }).from(teams).where(eq(teams.id, service.teamId));
  return team ?? { slug: "", name: "" };
}

/**
 * The service row read for `slug`, if the caller may act on it (pure): another team's service does not exist for the
 * caller (404), one outside a service-bound token's list is forbidden (403).
 */
export function usableService<R extends { id: string; teamId: string }>(
  actor: Actor,
  row: R | undefined,
  slug: string,
  action: string,
  missing = () => notFound(`Service "${slug}"`),
): R {
  if (!row || !canSeeTeam(actor, row.teamId)) throw missing();
  if (!canUseService(actor, row)) throw forbidden(`This token may not ${action} service "${slug}".`);
  return row;
}
