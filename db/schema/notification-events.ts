import { index, jsonb, pgTable, text, timestamp } from "drizzle-orm/pg-core";
import { idColumn } from "./columns";

/** The outbox: every event, written in the transaction of what caused it. The payload is the body sent. */
export const notificationEvents = pgTable(
  "notification_events",
  {
    id: idColumn(),
    type: text("type").notNull(),
    teamId: text("team_id"),
    serviceId: text("service_id"),
    stage: text("stage"),
    payload: jsonb("payload").notNull(),
    occurredAt: timestamp("occurred_at", { withTimezone: true, mode: "date" }).notNull(),
  },
  (t) => [index("notification_events_occurred_idx").on(t.occurredAt)],
);
