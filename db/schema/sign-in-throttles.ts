import { index, integer, pgTable, primaryKey, text, timestamp } from "drizzle-orm/pg-core";

/**
 * Sign-ins refused while rate-limited, counted per limit key and window instead of one audit event each: the window's
 * one `auth.sign_in_throttled` audit event (with the count) is written when the window is over, and the row deleted.
 */
export const signInThrottles = pgTable(
  "sign_in_throttles",
  {
    key: text("key").notNull(),
    windowStart: timestamp("window_start", { withTimezone: true, mode: "date" }).notNull(),
    windowEnd: timestamp("window_end", { withTimezone: true, mode: "date" }).notNull(),
    /** "address" or "account-address" */
    scope: text("scope").notNull(),
    ip: text("ip"),
    /** the account tried, for a per-account key (the first one seen) */
    email: text("email"),
    refused: integer("refused").notNull(),
    firstAt: timestamp("first_at", { withTimezone: true, mode: "date" }).notNull(),
    lastAt: timestamp("last_at", { withTimezone: true, mode: "date" }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.key, t.windowStart] }), index("sign_in_throttles_end_idx").on(t.windowEnd)],
);
