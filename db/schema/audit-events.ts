import { sql } from "drizzle-orm";
import { check, index, jsonb, pgTable, text, timestamp } from "drizzle-orm/pg-core";
import { idColumn } from "./columns";

/** Append-only: a trigger rejects UPDATE and DELETE (see the migration). */
export const auditEvents = pgTable(
  "audit_events",
  {
    id: idColumn(),
    at: timestamp("at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
    actorType: text("actor_type", { enum: ["user", "token", "system", "cli"] }).notNull(),
    actorId: text("actor_id"),
    actorLabel: text("actor_label"),
    action: text("action").notNull(),
    targetType: text("target_type"),
    targetId: text("target_id"),
    teamId: text("team_id"),
    before: jsonb("before"),
    after: jsonb("after"),
    ip: text("ip"),
    requestId: text("request_id"),
  },
  (t) => [
    index("audit_events_at_idx").on(t.at),
    index("audit_events_target_idx").on(t.targetType, t.targetId),
    check("audit_events_actor_type_check", sql`${t.actorType} in ('user', 'token', 'system', 'cli')`),
  ],
);
