import { index, pgTable, text, timestamp } from "drizzle-orm/pg-core";
import { createdAt, idColumn } from "./columns";
import { teams } from "./teams";

/** Machine tokens: only a hash is stored; the token itself is shown once. */
export const apiTokens = pgTable(
  "api_tokens",
  {
    id: idColumn(),
    /** null: an organisation token (policies:write and read only, see token-scopes.ts); else its team */
    teamId: text("team_id").references(() => teams.id),
    /** null: every service of the team (and may create services); else only these */
    serviceIds: text("service_ids").array(),
    name: text("name").notNull(),
    /** sha256 of the whole token, hex */
    hash: text("hash").notNull().unique(),
    /** the first characters, to recognise a token in lists and logs */
    displayPrefix: text("display_prefix").notNull(),
    scopes: text("scopes").array().notNull(),
    expiresAt: timestamp("expires_at", { withTimezone: true, mode: "date" }).notNull(),
    createdAt: createdAt(),
    createdBy: text("created_by").notNull(),
    lastUsedAt: timestamp("last_used_at", { withTimezone: true, mode: "date" }),
    lastUsedIp: text("last_used_ip"),
    revokedAt: timestamp("revoked_at", { withTimezone: true, mode: "date" }),
    /** the user who created it (null: an operator at the CLI); a token never grants more than its creator holds */
    createdByUserId: text("created_by_user_id"),
    /** set on rotation: the old token keeps working until its (shortened) expiry */
    replacedBy: text("replaced_by"),
  },
  (t) => [index("api_tokens_team_idx").on(t.teamId)],
);
