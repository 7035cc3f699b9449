// Token scopes and the ceiling a person's role puts on the tokens they make. Pure.
import type { Role } from "@/db/schema/users";
import { ROLE_RANK } from "../auth/permissions";

export const TOKEN_SCOPES = [
  "scans:write",
  "gate:evaluate",
  "deployments:write",
  "waivers:write",
  "notifications:write",
  "policies:write",
  "read",
] as const;
export type TokenScope = (typeof TOKEN_SCOPES)[number];

/**
 * Stage policies are organisation-wide: only a token bound to no team may change them, and such a token holds nothing
 * else but `read` (of organisation-wide things: the policies and their history). Least privilege both ways.
 */
export const ORG_TOKEN_SCOPES: readonly TokenScope[] = ["policies:write", "read"];

/** What a token bound to a team (or to some of its services) may hold: everything but policies:write. */
export const TEAM_TOKEN_SCOPES: readonly TokenScope[] = TOKEN_SCOPES.filter((s) => s !== "policies:write");

/**
 * What a developer's pipeline needs, waiver requests included (approving them stays with people), and their team's
 * notification subscriptions, which developers also manage in the dashboard.
 */
export const DEVELOPER_TOKEN_SCOPES: readonly TokenScope[] = [
  "scans:write",
  "gate:evaluate",
  "deployments:write",
  "waivers:write",
  "notifications:write",
  "read",
];

/**
 * The scopes a person may put in a token for a team (and that such a token keeps while they hold the role):
 * security and admin every team scope; developers the pipeline scopes in their own teams; viewers read-only there.
 */
export function scopeCeiling(role: Role, memberOfTeam: boolean): readonly TokenScope[] {
  if (ROLE_RANK[role] >= ROLE_RANK.security) return TEAM_TOKEN_SCOPES;
  if (!memberOfTeam) return [];
  return role === "developer" ? DEVELOPER_TOKEN_SCOPES : ["read"];
}

/** An organisation token: only security and admin make one (and it keeps its scopes only while they hold the role). */
export const orgScopeCeiling = (role: Role): readonly TokenScope[] =>
  ROLE_RANK[role] >= ROLE_RANK.security ? ORG_TOKEN_SCOPES : [];

/** The requested scopes the ceiling does not cover. */
export const scopesBeyond = (scopes: readonly string[], ceiling: readonly string[]): string[] =>
  scopes.filter((s) => !ceiling.includes(s));
