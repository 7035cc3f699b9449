import { boolean, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex } from "drizzle-orm/pg-core";
import { idColumn } from "./columns";
import { services } from "./services";
import { teams } from "./teams";

/** Stage policies with their whole history: a change is a new version, never an edit. */
export const policies = pgTable(
  "policies",
  {
    id: idColumn(),
    stage: text("stage").notNull(),
    version: integer("version").notNull(),
    document: jsonb("document").notNull(),
    comment: text("comment"),
    createdBy: text("created_by").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true, mode: "date" }).notNull(),
  },
  (t) => [uniqueIndex("policies_stage_version_uq").on(t.stage, t.version)],
);

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

/** What runs where, and whether it went through the gate. */
export const deployments = pgTable(
  "deployments",
  {
    id: idColumn(),
    serviceId: text("service_id")
      .notNull()
      .references(() => services.id),
    stage: text("stage").notNull(),
    commit: text("commit").notNull(),
    artifact: text("artifact"),
    decisionId: text("decision_id"),
    bypass: boolean("bypass").notNull(),
    bypassReason: text("bypass_reason"),
    actorLabel: text("actor_label").notNull(),
    deployedAt: timestamp("deployed_at", { withTimezone: true, mode: "date" }).notNull(),
  },
  (t) => [index("deployments_service_stage_idx").on(t.serviceId, t.stage, t.deployedAt)],
);
