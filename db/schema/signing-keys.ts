import { pgTable, text, timestamp } from "drizzle-orm/pg-core";

/**
 * The public half of every key that ever signed a decision, so that old attestations stay verifiable.
 * The private keys live in files (see server/attestation/signing-key.ts), never here. A trigger lets a row
 * change only once, to set retired_at; nothing is ever deleted.
 */
export const signingKeys = pgTable("signing_keys", {
  /** lowercase hex SHA-256 of the DER SubjectPublicKeyInfo */
  id: text("id").primaryKey(),
  algorithm: text("algorithm").notNull(),
  publicKeyPem: text("public_key_pem").notNull(),
  /** valid from: when the key was first registered */
  createdAt: timestamp("created_at", { withTimezone: true, mode: "date" }).notNull(),
  createdBy: text("created_by").notNull(),
  /** valid until: set once, when a rotation replaced the key */
  retiredAt: timestamp("retired_at", { withTimezone: true, mode: "date" }),
});
