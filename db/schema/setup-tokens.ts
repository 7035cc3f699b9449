import { pgTable, text, timestamp } from "drizzle-orm/pg-core";
import { ROLES } from "./users";
import { idColumn } from "./columns";

/** One-time links: the first admin's setup, invitations. Only a hash is stored. */
export const setupTokens = pgTable("setup_tokens", {
  id: idColumn(),
  hash: text("hash").notNull().unique(),
  purpose: text("purpose", { enum: ["first-admin", "invite"] }).notNull(),
  email: text("email"),
  role: text("role", { enum: ROLES }),
  teamId: text("team_id"),
  createdBy: text("created_by").notNull(),
  createdAt: timestamp("created_at", { withTimezone: true, mode: "date" }).notNull(),
  expiresAt: timestamp("expires_at", { withTimezone: true, mode: "date" }).notNull(),
  usedAt: timestamp("used_at", { withTimezone: true, mode: "date" }),
});
