import { integer, pgTable, text, timestamp } from "drizzle-orm/pg-core";

/** Rate-limit counters shared by every instance (fixed windows). */
export const rateLimits = pgTable("rate_limits", {
  key: text("key").primaryKey(),
  windowStart: timestamp("window_start", { withTimezone: true, mode: "date" }).notNull(),
  count: integer("count").notNull(),
});
