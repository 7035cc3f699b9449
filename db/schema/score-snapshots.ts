import { date, integer, jsonb, pgTable, primaryKey, smallint, text, timestamp } from "drizzle-orm/pg-core";
import { services } from "./services";

/** One scorecard per service per day: trends and "what changed" without recomputing history. */
export const scoreSnapshots = pgTable(
  "score_snapshots",
  {
    serviceId: text("service_id")
      .notNull()
      .references(() => services.id),
    day: date("day", { mode: "string" }).notNull(),
    formulaVersion: integer("formula_version").notNull(),
    grade: text("grade").notNull(),
    score: smallint("score").notNull(),
    /** per risk area: score (or null when not assessed) and its deductions */
    areas: jsonb("areas").notNull(),
    /**
     * Each area's score and grade only ([{ area, score, grade }]): what lists of many services show, without reading the
     * detail above (≈ 7 KB per row, stored out of line). Null in rows written before migration 0022, but for each
     * service's newest, which that migration filled in.
     */
    areaGrades: jsonb("area_grades"),
    openBySeverity: jsonb("open_by_severity").notNull(),
    /** what views over many services add up instead of reading every finding (server/views/posture-facts.ts); null in older rows */
    posture: jsonb("posture"),
    computedAt: timestamp("computed_at", { withTimezone: true, mode: "date" }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.serviceId, t.day] })],
);
