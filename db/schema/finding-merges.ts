import { pgTable, text, timestamp } from "drizzle-orm/pg-core";

/** A finding merged into another keeps a forwarding address: decisions and links that name it still resolve. */
export const findingMerges = pgTable("finding_merges", {
  findingId: text("finding_id").primaryKey(),
  serviceId: text("service_id").notNull(),
  fingerprint: text("fingerprint").notNull(),
  mergedInto: text("merged_into").notNull(),
  mergedAt: timestamp("merged_at", { withTimezone: true, mode: "date" }).notNull(),
  scanId: text("scan_id").notNull(),
});
