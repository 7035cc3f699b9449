import { pgTable, primaryKey, text, timestamp } from "drizzle-orm/pg-core";
import { services } from "./services";

/** The `kind` of the row that stands for every scan of a service, whatever its status or evidence. */
export const ANY_SCAN = "*";

/**
 * The newest scan of each service per evidence kind (complete scans only), and its newest scan of any kind or status
 * (kind `*`): what the posture and services views read instead of probing every service's scans. Kept by triggers on
 * `scans` in the inserting transaction (migration 0019), so a scan just ingested shows at once.
 */
export const serviceEvidence = pgTable(
  "service_evidence",
  {
    serviceId: text("service_id")
      .notNull()
      .references(() => services.id),
    kind: text("kind").notNull(),
    /** the newest `received_at` of those scans */
    receivedAt: timestamp("received_at", { withTimezone: true, mode: "date" }).notNull(),
    /** the newest `scanned_at` of those scans (not necessarily the same scan's) */
    scannedAt: timestamp("scanned_at", { withTimezone: true, mode: "date" }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.serviceId, t.kind] })],
);
