import { sql } from "drizzle-orm";
import { index, integer, pgTable, text, timestamp, uniqueIndex } from "drizzle-orm/pg-core";
import { idColumn } from "./columns";
import { notificationEvents } from "./notification-events";
import { notificationSubscriptions } from "./notification-subscriptions";

export const DELIVERY_STATUSES = ["pending", "delivered", "failed"] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** One event for one subscription; its id is the webhook-id, the same on every attempt. */
export const notificationDeliveries = pgTable(
  "notification_deliveries",
  {
    id: idColumn(),
    eventId: text("event_id")
      .notNull()
      .references(() => notificationEvents.id),
    subscriptionId: text("subscription_id")
      .notNull()
      .references(() => notificationSubscriptions.id),
    status: text("status", { enum: DELIVERY_STATUSES }).notNull(),
    attempts: integer("attempts").notNull().default(0),
    nextAttemptAt: timestamp("next_attempt_at", { withTimezone: true, mode: "date" }).notNull(),
    /** after this, a failed attempt is the last one */
    giveUpAt: timestamp("give_up_at", { withTimezone: true, mode: "date" }).notNull(),
    /** an instance sending it holds it until then; if it dies, another sends it after */
    leaseUntil: timestamp("lease_until", { withTimezone: true, mode: "date" }),
    leaseOwner: text("lease_owner"),
    lastAttemptAt: timestamp("last_attempt_at", { withTimezone: true, mode: "date" }),
    lastStatus: integer("last_status"),
    lastError: text("last_error"),
    deliveredAt: timestamp("delivered_at", { withTimezone: true, mode: "date" }),
    createdAt: timestamp("created_at", { withTimezone: true, mode: "date" }).notNull(),
  },
  (t) => [
    uniqueIndex("notification_deliveries_event_subscription_uq").on(t.eventId, t.subscriptionId),
    index("notification_deliveries_due_idx")
      .on(t.nextAttemptAt)
      .where(sql`status = 'pending'`),
    index("notification_deliveries_subscription_idx").on(t.subscriptionId, t.createdAt),
  ],
);
