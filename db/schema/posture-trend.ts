import { date, integer, pgTable, primaryKey, text } from "drizzle-orm/pg-core";
import { criticality } from "./services";

/**
 * The daily snapshots' open findings by severity, summed per day, team and tier: what the posture trend reads instead
 * of every service's snapshot of 90 days. Kept by triggers on `score_snapshots` and on `services` (a service moved to
 * another team or tier) in the writing transaction (migration 0021), so it always says what the snapshots say.
 */
export const postureTrend = pgTable(
  "posture_trend",
  {
    day: date("day", { mode: "string" }).notNull(),
    teamId: text("team_id").notNull(),
    tier: criticality("tier").notNull(),
    /** how many snapshots are summed; a group with none is removed */
    services: integer("services").notNull(),
    critical: integer("critical").notNull(),
    high: integer("high").notNull(),
    medium: integer("medium").notNull(),
    low: integer("low").notNull(),
    info: integer("info").notNull(),
  },
  (t) => [primaryKey({ columns: [t.day, t.teamId, t.tier] })],
);
