import { text, timestamp } from "drizzle-orm/pg-core";

/** Prefixed text primary key (see server/ids.ts). */
export const idColumn = () => text("id").primaryKey();
export const createdAt = () => timestamp("created_at", { withTimezone: true, mode: "date" }).notNull().defaultNow();
export const updatedAt = () => timestamp("updated_at", { withTimezone: true, mode: "date" }).notNull().defaultNow();
