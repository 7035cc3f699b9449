import { index, pgTable, text, timestamp } from "drizzle-orm/pg-core";
import { idColumn } from "./columns";
import { services } from "./services";
import { teams } from "./teams";

/** Risk acceptance that cannot be forgotten: reason, expiry, who asked and who approved. */
export const waivers = pgTable(
  "waivers",
  {
    id: idColumn(),
    teamId: text("team_id").references(() => teams.id),
    /** null: every service */
    serviceId: text("service_id").references(() => services.id),
    matchType: text("match_type", { enum: ["fingerprint", "vulnerability", "rule"] }).notNull(),
    matchValue: text("match_value").notNull(),
    /** null: every stage */
    stages: text("stages").array(),
    kind: text("kind", { enum: ["waiver", "false_positive"] }).notNull(),
    reason: text("reason").notNull(),
    expiresAt: timestamp("expires_at", { withTimezone: true, mode: "date" }),
    createdBy: text("created_by").notNull(),
    /** the person behind the request (a token's creator for a token's); null: an operator at the console */
    requestedByUserId: text("requested_by_user_id"),
    createdAt: timestamp("created_at", { withTimezone: true, mode: "date" }).notNull(),
    approvedBy: text("approved_by"),
    /** the signed-in security person or admin who approved it (never the requester) */
    approvedByUserId: text("approved_by_user_id"),
    approvedAt: timestamp("approved_at", { withTimezone: true, mode: "date" }),
    revokedBy: text("revoked_by"),
    revokedAt: timestamp("revoked_at", { withTimezone: true, mode: "date" }),
  },
  (t) => [index("waivers_service_idx").on(t.serviceId), index("waivers_match_idx").on(t.matchType, t.matchValue)],
);
