import { pgTable, text, timestamp } from "drizzle-orm/pg-core";

/** Events that must be sent once per occurrence (a waiver about to expire, a pipeline gone silent): their keys. */
export const notificationMarks = pgTable("notification_marks", {
  key: text("key").primaryKey(),
  createdAt: timestamp("created_at", { withTimezone: true, mode: "date" }).notNull(),
});
