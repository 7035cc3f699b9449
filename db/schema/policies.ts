import { integer, jsonb, pgTable, text, timestamp, uniqueIndex } from "drizzle-orm/pg-core";
import { idColumn } from "./columns";

/** Stage policies with their whole history: a change is a new version, never an edit. */
export const policies = pgTable(
  "policies",
  {
    id: idColumn(),
    stage: text("stage").notNull(),
    version: integer("version").notNull(),
    document: jsonb("document").notNull(),
    comment: text("comment"),
    createdBy: text("created_by").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true, mode: "date" }).notNull(),
  },
  (t) => [uniqueIndex("policies_stage_version_uq").on(t.stage, t.version)],
);
