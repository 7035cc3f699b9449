// SLA days per severity as the production policy sets them (the last stage's when there is no "production"; the
// shipped defaults when that stage has no stored policy): the scorecard, the views and the production gate agree.
import { desc, eq, sql, type SQL } from "drizzle-orm";
import { policies, stages } from "@/db/schema";
import type { ServiceContext } from "../context";
import { DEFAULT_SLA_DAYS, type Policy, type SlaSeverity } from "../gate/policy";
import { SEVERITY_RANK } from "../ingest/normalize";

export type SlaDays = Record<SlaSeverity, number>;
const DAY_MS = 86_400_000;

/** Read-only: a stage without a stored policy uses the defaults (nothing is seeded). */
export async function slaDays(ctx: ServiceContext): Promise<SlaDays> {
  const [last] = await ctx.db
    .select({ slug: stages.slug })
    .from(stages)
    .orderBy(sql`${stages.slug} = 'production' desc`, desc(stages.position))
    .limit(1);
  if (!last) return { ...DEFAULT_SLA_DAYS };
  const [p] = await ctx.db
    .select({ document: policies.document })
    .from(policies)
    .where(eq(policies.stage, last.slug))
    .orderBy(desc(policies.version))
    .limit(1);
  const days = (p?.document as Policy | undefined)?.rules.sla?.days ?? {};
  return { ...DEFAULT_SLA_DAYS, ...days };
}

/** Open findings (alias f) older than their severity's SLA at `now`. */
export function slaBreached(days: SlaDays, now: Date, alias = "f"): SQL {
  const a = sql.raw(alias);
  // By rank, not name: each part is then a range of the (status, severity_rank, first_seen_at) index.
  const parts = (Object.keys(days) as SlaSeverity[]).map(
    (s) =>
      sql`(${a}.severity_rank = ${SEVERITY_RANK[s]} and ${a}.first_seen_at < ${new Date(now.getTime() - days[s] * DAY_MS).toISOString()}::timestamptz)`,
  );
  return sql`(${a}.status = 'open' and ${a}.suppressed = 0 and (${sql.join(parts, sql` or `)}))`;
}
