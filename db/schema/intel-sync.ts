import { pgTable, text, timestamp } from "drizzle-orm/pg-core";

/** The daily sync's one row: a lease so that one instance fetches at a time, and the last failure to show. */
export const intelSync = pgTable("intel_sync", {
  id: text("id").primaryKey(),
  leaseUntil: timestamp("lease_until", { withTimezone: true, mode: "date" }),
  lastAttemptAt: timestamp("last_attempt_at", { withTimezone: true, mode: "date" }),
  lastError: text("last_error"),
});
