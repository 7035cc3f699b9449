import { index, pgTable, text, timestamp } from "drizzle-orm/pg-core";
import { idColumn } from "./columns";
import { teams } from "./teams";

export const NOTIFICATION_CHANNELS = ["webhook", "slack", "email"] as const;
export type NotificationChannel = (typeof NOTIFICATION_CHANNELS)[number];

/** Who is told what: a team's events (team_id) or every event (null: the organisation). */
export const notificationSubscriptions = pgTable(
  "notification_subscriptions",
  {
    id: idColumn(),
    teamId: text("team_id").references(() => teams.id),
    channel: text("channel", { enum: NOTIFICATION_CHANNELS }).notNull(),
    /** the webhook URL or the e-mail address; a Slack URL is itself a secret and never shown whole */
    target: text("target").notNull(),
    /** the target as it may be shown and audited */
    targetLabel: text("target_label").notNull(),
    /** the whsec_ signing secret of a webhook */
    secret: text("secret"),
    events: text("events").array().notNull(),
    /** null: every stage */
    stages: text("stages").array(),
    createdBy: text("created_by").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true, mode: "date" }).notNull(),
    removedBy: text("removed_by"),
    removedAt: timestamp("removed_at", { withTimezone: true, mode: "date" }),
  },
  (t) => [index("notification_subscriptions_team_idx").on(t.teamId)],
);
