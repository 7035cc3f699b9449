// Token scopes and the ceiling a person's role puts on the tokens they make. Pure.
import type { Role } from "@/db/schema/users";
import { ROLE_RANK } from "../auth/permissions";

export const TOKEN_SCOPES = ["scans:write", "gate:evaluate", "deployments:write", "policies:write", "read"] as const;
export type TokenScope = (typeof TOKEN_SCOPES)[number];

/** What a developer's pipeline needs; changing policies stays with security. */
export const DEVELOPER_TOKEN_SCOPES: readonly TokenScope[] = ["scans:write", "gate:evaluate", "deployments:write", "read"];

/**
 * The scopes a person may put in a token for a team (and that such a token keeps while they hold
 * the role): security and admin any; developers and viewers only in their own teams.
 */
export function scopeCeiling(role: Role, memberOfTeam: boolean): readonly TokenScope[] {
  if (ROLE_RANK[role] >= ROLE_RANK.security) return TOKEN_SCOPES;
  if (!memberOfTeam) return [];
  return role === "developer" ? DEVELOPER_TOKEN_SCOPES : ["read"];
}

/** The requested scopes the ceiling does not cover. */
export const scopesBeyond = (scopes: readonly string[], ceiling: readonly string[]): string[] =>
  scopes.filter((s) => !ceiling.includes(s));
