// What a reader may see: every view query filters services by the caller's visible teams.
import { sql, type SQL } from "drizzle-orm";
import { queryRows, type Database } from "@/db/client";
import { canSeeTeam, visibleTeamIds } from "../auth/permissions";
import type { ServiceContext } from "../context";
import { notFound } from "../errors";
import type { Tier } from "./filters";

export { TIERS, type Tier } from "./filters";

/** Team and tier filters shared by the lists and the posture view. */
export type ScopeFilter = { team?: string; tier?: Tier; service?: string };

export type ResolvedScope = { teamId: string | null; serviceId: string | null; tier: Tier | null; visible: string[] | null };

/** Resolves slugs to ids; a team or service the caller cannot see does not exist. */
export async function resolveScope(ctx: ServiceContext, f: ScopeFilter): Promise<ResolvedScope> {
  const visible = visibleTeamIds(ctx.actor);
  let teamId: string | null = null;
  let serviceId: string | null = null;
  if (f.team) {
    const [t] = await queryRows<{ id: string }>(ctx.db, sql`select id from teams where slug = ${f.team}`);
    if (!t || !canSeeTeam(ctx.actor, t.id)) throw notFound(`Team "${f.team}"`);
    teamId = t.id;
  }
  if (f.service) {
    const [s] = await queryRows<{ id: string; team_id: string }>(
      ctx.db,
      sql`select id, team_id from services where slug = ${f.service}`,
    );
    if (!s || !canSeeTeam(ctx.actor, s.team_id)) throw notFound(`Service "${f.service}"`);
    serviceId = s.id;
  }
  return { teamId, serviceId, tier: f.tier ?? null, visible };
}

/** A condition on a `services` alias (default `s`) that keeps only the services in scope. */
export function servicesInScope(scope: ResolvedScope, alias = "s"): SQL {
  const a = sql.raw(alias);
  const parts: SQL[] = [sql`true`];
  if (scope.visible) parts.push(sql`${a}.team_id in (select json_array_elements_text(${JSON.stringify(scope.visible)}::json))`);
  if (scope.teamId) parts.push(sql`${a}.team_id = ${scope.teamId}`);
  if (scope.serviceId) parts.push(sql`${a}.id = ${scope.serviceId}`);
  if (scope.tier) parts.push(sql`${a}.criticality = ${scope.tier}`);
  return sql.join(parts, sql` and `);
}

/** Teams the caller can see, for filter menus. */
export async function visibleTeams(ctx: ServiceContext): Promise<{ slug: string; name: string }[]> {
  const visible = visibleTeamIds(ctx.actor);
  return queryRows<{ slug: string; name: string }>(
    ctx.db,
    visible
      ? sql`select slug, name from teams where id in (select json_array_elements_text(${JSON.stringify(visible)}::json)) order by slug`
      : sql`select slug, name from teams order by slug`,
  );
}

export const asDate = (v: string | Date): Date => (v instanceof Date ? v : new Date(v));
export const asIso = (v: string | Date | null): string | null => (v === null ? null : asDate(v).toISOString());
export const num = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));

/** Page arithmetic shared by every paginated list; `totalCapped`: there are more than `total` (see countUpTo). */
export type Page<T> = { items: T[]; total: number; page: number; pageSize: number; pages: number; totalCapped: boolean };
export const pageOf = <T>(items: T[], total: number, page: number, pageSize: number, totalCapped = false): Page<T> => ({
  items,
  total,
  page,
  pageSize,
  pages: Math.max(1, Math.ceil(total / pageSize)),
  totalCapped,
});

/** Lists count matches up to this many: an exact total past it would read every match on every page view. */
export const COUNT_CAP = 10_000;

/** How many rows `fromWhere` (a "from … where …" clause) matches, counting no further than `cap`. */
export async function countUpTo(db: Database, fromWhere: SQL, cap = COUNT_CAP): Promise<{ total: number; capped: boolean }> {
  const [row] = await queryRows<{ n: number | string }>(
    db,
    sql`select count(*) as n from (select 1 ${fromWhere} limit ${cap + 1}) x`,
  );
  const n = num(row?.n);
  return n > cap ? { total: cap, capped: true } : { total: n, capped: false };
}
