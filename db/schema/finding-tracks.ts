import { index, integer, pgTable, primaryKey, text, timestamp } from "drizzle-orm/pg-core";
import { findings } from "./findings";

/**
 * A finding's lifecycle in one track: service + branch + tool + category + subject ("artifact" or "source") + target.
 * track_key joins them with U+0001 in that order (views read the branch and tool by position).
 */
export const findingTracks = pgTable(
  "finding_tracks",
  {
    findingId: text("finding_id")
      .notNull()
      .references(() => findings.id),
    serviceId: text("service_id").notNull(),
    trackKey: text("track_key").notNull(),
    branch: text("branch").notNull(),
    tool: text("tool").notNull(),
    category: text("category").notNull(),
    status: text("status", { enum: ["open", "closed"] }).notNull(),
    firstSeenAt: timestamp("first_seen_at", { withTimezone: true, mode: "date" }).notNull(),
    lastSeenAt: timestamp("last_seen_at", { withTimezone: true, mode: "date" }).notNull(),
    closedAt: timestamp("closed_at", { withTimezone: true, mode: "date" }),
    reopenedCount: integer("reopened_count").notNull().default(0),
    lastScanId: text("last_scan_id").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.findingId, t.trackKey] }),
    index("finding_tracks_track_idx").on(t.serviceId, t.trackKey, t.status),
  ],
);
