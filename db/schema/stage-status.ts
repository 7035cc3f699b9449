import { boolean, index, integer, jsonb, pgTable, primaryKey, text, timestamp } from "drizzle-orm/pg-core";
import { services } from "./services";

/** A failing check as the gate reported it (server/gate/types.ts GateCheck). */
export type StoredCheck = {
  id: string;
  title: string;
  status: "pass" | "fail" | "warn";
  actual: string | number | boolean | null;
  threshold: string | number | boolean | null;
  findings: string[];
  message: string;
  remediation: string;
};

export const STAGE_STATUSES = ["in_policy", "out_of_policy", "unknown"] as const;
export type StageStatus = (typeof STAGE_STATUSES)[number];

/**
 * What runs in each stage of each service and whether it is still in policy: one small row per deployed stage,
 * read by the dashboards, and the durable queue of re-checks (due_at: requested; next_check_at: time may change it).
 */
export const stageStatus = pgTable(
  "stage_status",
  {
    serviceId: text("service_id")
      .notNull()
      .references(() => services.id),
    stage: text("stage").notNull(),
    deploymentId: text("deployment_id").notNull(),
    commit: text("commit").notNull(),
    artifact: text("artifact"),
    deployedAt: timestamp("deployed_at", { withTimezone: true, mode: "date" }).notNull(),
    /** the gate decision that let the deployment in, or null for a bypass */
    deployDecisionId: text("deploy_decision_id"),
    bypass: boolean("bypass").notNull(),
    status: text("status", { enum: STAGE_STATUSES }).notNull(),
    since: timestamp("since", { withTimezone: true, mode: "date" }).notNull(),
    checkedAt: timestamp("checked_at", { withTimezone: true, mode: "date" }),
    /** the newest decision (gate or recheck) behind the status */
    decisionId: text("decision_id"),
    policyVersion: integer("policy_version"),
    /** the failing checks of that evaluation, with their remediation */
    checks: jsonb("checks").$type<StoredCheck[]>().notNull(),
    /** what the last recorded decision said, to record a new one only when the answer changes */
    outcomeKey: text("outcome_key"),
    dueAt: timestamp("due_at", { withTimezone: true, mode: "date" }),
    reasons: text("reasons").array().notNull(),
    nextCheckAt: timestamp("next_check_at", { withTimezone: true, mode: "date" }),
    failures: integer("failures").notNull().default(0),
    lastError: text("last_error"),
  },
  (t) => [
    primaryKey({ columns: [t.serviceId, t.stage] }),
    index("stage_status_due_idx").on(t.dueAt),
    index("stage_status_next_check_idx").on(t.nextCheckAt),
    index("stage_status_stage_status_idx").on(t.stage, t.status),
  ],
);
