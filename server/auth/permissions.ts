// Who may do what. The role comes from the database through the session, never from client input.
import type { Role } from "@/db/schema/users";
import type { Actor } from "../context";
import { DomainError, forbidden } from "../errors";

export const ROLE_RANK: Record<Role, number> = { viewer: 1, developer: 2, security: 3, admin: 4 };

/** Operators (CLI) and the system act with every right; users by role; tokens by scope (see tokens.ts). */
export function hasRole(actor: Actor, role: Role): boolean {
  if (actor.type === "cli" || actor.type === "system") return true;
  if (actor.type === "user") return ROLE_RANK[actor.role] >= ROLE_RANK[role];
  return false;
}

export function requireRole(actor: Actor, role: Role): void {
  if (actor.type === "token") throw forbidden("API tokens cannot do this; sign in.");
  if (!hasRole(actor, role))
    throw new DomainError("forbidden", `This needs the ${role} role.`, "insufficient-role", { requiredRole: role });
}

/** Security staff and admins see every team; developers and viewers their own teams; tokens their team. */
export function canSeeTeam(actor: Actor, teamId: string): boolean {
  switch (actor.type) {
    case "cli":
    case "system":
      return true;
    case "user":
      return ROLE_RANK[actor.role] >= ROLE_RANK.security || actor.teamIds.includes(teamId);
    case "token":
      // An organisation token sees no team's data, only organisation-wide things (the policies).
      return !actor.org && actor.teamId === teamId;
  }
}

/** The teams an actor sees, or null for all of them. */
export function visibleTeamIds(actor: Actor): string[] | null {
  if (actor.type === "cli" || actor.type === "system") return null;
  if (actor.type === "user") return ROLE_RANK[actor.role] >= ROLE_RANK.security ? null : actor.teamIds;
  return actor.org ? [] : [actor.teamId];
}

/** Developers change things (false positives, waiver requests) in their own teams; viewers never. */
export function canActOnTeam(actor: Actor, teamId: string): boolean {
  if (!canSeeTeam(actor, teamId)) return false;
  return actor.type !== "user" || ROLE_RANK[actor.role] >= ROLE_RANK.developer;
}

/** The services a service-bound token is limited to; null when the actor is not limited to some services. */
export function boundServiceIds(actor: Actor): string[] | null {
  return actor.type === "token" ? actor.serviceIds : null;
}

/** Within a visible team, whether the actor may use this service: a service-bound token only its own services. */
export function canUseService(actor: Actor, service: { id: string; teamId: string }): boolean {
  if (!canSeeTeam(actor, service.teamId)) return false;
  const bound = boundServiceIds(actor);
  return !bound || bound.includes(service.id);
}
