import { pgTable, text, timestamp } from "drizzle-orm/pg-core";

/** Per-installation secrets (the salt for hashing secrets found in reports). */
export const instanceSettings = pgTable("instance_settings", {
  key: text("key").primaryKey(),
  value: text("value").notNull(),
  createdAt: timestamp("created_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
});
