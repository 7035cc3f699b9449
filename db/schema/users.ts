import { pgTable, text, timestamp } from "drizzle-orm/pg-core";
import { idColumn } from "./columns";

export const ROLES = ["admin", "security", "developer", "viewer"] as const;
export type Role = (typeof ROLES)[number];

/** People. No default account exists: the first admin comes from a one-time setup link. */
export const users = pgTable("users", {
  id: idColumn(),
  /** stored lower-cased */
  email: text("email").notNull().unique(),
  name: text("name"),
  /** argon2id; null for accounts that only sign in through OIDC or GitHub */
  passwordHash: text("password_hash"),
  role: text("role", { enum: ROLES }).notNull(),
  createdAt: timestamp("created_at", { withTimezone: true, mode: "date" }).notNull(),
  passwordChangedAt: timestamp("password_changed_at", { withTimezone: true, mode: "date" }),
  lastSignInAt: timestamp("last_sign_in_at", { withTimezone: true, mode: "date" }),
  disabledAt: timestamp("disabled_at", { withTimezone: true, mode: "date" }),
});
