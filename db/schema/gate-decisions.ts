import { index, integer, jsonb, pgTable, text, timestamp } from "drizzle-orm/pg-core";
import { idColumn } from "./columns";
import { services } from "./services";

/** Every gate answer exactly as it was given. Append-only, enforced by a trigger. */
export const gateDecisions = pgTable(
  "gate_decisions",
  {
    id: idColumn(),
    serviceId: text("service_id")
      .notNull()
      .references(() => services.id),
    stage: text("stage").notNull(),
    commit: text("commit").notNull(),
    artifact: text("artifact"),
    branch: text("branch"),
    decision: text("decision", { enum: ["allow", "block"] }).notNull(),
    policyId: text("policy_id").notNull(),
    policyVersion: integer("policy_version").notNull(),
    /** the response body as sent */
    response: jsonb("response").notNull(),
    actorLabel: text("actor_label").notNull(),
    evaluatedAt: timestamp("evaluated_at", { withTimezone: true, mode: "date" }).notNull(),
    /** "gate": a pipeline asked; "recheck": Gatehouse re-evaluated what runs (never a pipeline's allow) */
    kind: text("kind", { enum: ["gate", "recheck"] })
      .notNull()
      .default("gate"),
  },
  (t) => [
    index("gate_decisions_lookup_idx").on(t.serviceId, t.stage, t.commit, t.evaluatedAt),
    // Covers the posture's rates per stage and week, gate calls only (index-only: decisions are append-only).
    index("gate_decisions_evaluated_idx").on(t.evaluatedAt, t.serviceId, t.stage, t.decision, t.kind),
    index("gate_decisions_service_evaluated_idx").on(t.serviceId, t.evaluatedAt),
  ],
);
