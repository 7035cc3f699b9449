import { index, integer, pgTable, primaryKey, text, timestamp } from "drizzle-orm/pg-core";
import { idColumn } from "./columns";
import { teams } from "./teams";

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

/** Developers and viewers see the services of their own teams. */
export const teamMembers = pgTable(
  "team_members",
  {
    teamId: text("team_id")
      .notNull()
      .references(() => teams.id),
    userId: text("user_id")
      .notNull()
      .references(() => users.id),
    createdAt: timestamp("created_at", { withTimezone: true, mode: "date" }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.teamId, t.userId] }), index("team_members_user_idx").on(t.userId)],
);

/** Server-side session records behind the session cookie: idle and absolute expiry, revocation. */
export const userSessions = pgTable(
  "user_sessions",
  {
    id: idColumn(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id),
    createdAt: timestamp("created_at", { withTimezone: true, mode: "date" }).notNull(),
    lastSeenAt: timestamp("last_seen_at", { withTimezone: true, mode: "date" }).notNull(),
    expiresAt: timestamp("expires_at", { withTimezone: true, mode: "date" }).notNull(),
    revokedAt: timestamp("revoked_at", { withTimezone: true, mode: "date" }),
    ip: text("ip"),
    userAgent: text("user_agent"),
  },
  (t) => [index("user_sessions_user_idx").on(t.userId)],
);

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

/** Rate-limit counters shared by every instance (fixed windows). */
export const rateLimits = pgTable("rate_limits", {
  key: text("key").primaryKey(),
  windowStart: timestamp("window_start", { withTimezone: true, mode: "date" }).notNull(),
  count: integer("count").notNull(),
});
