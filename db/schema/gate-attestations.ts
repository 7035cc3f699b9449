import { pgTable, text, timestamp } from "drizzle-orm/pg-core";
import { gateDecisions } from "./gate-decisions";
import { signingKeys } from "./signing-keys";

/** The signed VSA of a decision (a DSSE envelope, stored as served). Append-only, enforced by a trigger. */
export const gateAttestations = pgTable("gate_attestations", {
  decisionId: text("decision_id")
    .primaryKey()
    .references(() => gateDecisions.id),
  keyId: text("key_id")
    .notNull()
    .references(() => signingKeys.id),
  /** the DSSE envelope JSON, byte for byte as served */
  envelope: text("envelope").notNull(),
  createdAt: timestamp("created_at", { withTimezone: true, mode: "date" }).notNull(),
});
