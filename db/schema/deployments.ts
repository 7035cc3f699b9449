import { sql } from "drizzle-orm";
import { boolean, index, pgTable, text, timestamp } from "drizzle-orm/pg-core";
import { idColumn } from "./columns";
import { services } from "./services";

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
  (t) => [
    index("deployments_service_stage_idx").on(t.serviceId, t.stage, t.deployedAt),
    // The posture view's recent bypasses: a few rows among every deployment.
    index("deployments_bypass_idx")
      .on(t.deployedAt)
      .where(sql`${t.bypass}`),
  ],
);
