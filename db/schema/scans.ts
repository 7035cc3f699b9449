import { index, integer, jsonb, pgTable, text, timestamp, uniqueIndex } from "drizzle-orm/pg-core";
import { idColumn } from "./columns";
import { services } from "./services";

export type ScanStatistics = {
  findings: number;
  created: number;
  unchanged: number;
  reopened: number;
  closed: number;
  bySeverity: Record<"critical" | "high" | "medium" | "low" | "info", number>;
};

export type ScanPart = { tool: string; version: string | null; category: string | null; succeeded: boolean; findings: number };

/** One uploaded report: the evidence the scorecard and the gate rest on. */
export const scans = pgTable(
  "scans",
  {
    id: idColumn(),
    serviceId: text("service_id")
      .notNull()
      .references(() => services.id),
    commit: text("commit").notNull(),
    branch: text("branch").notNull(),
    artifact: text("artifact"),
    stage: text("stage"),
    pipelineRun: text("pipeline_run"),
    format: text("format").notNull(),
    toolName: text("tool_name").notNull(),
    toolVersion: text("tool_version"),
    status: text("status", { enum: ["complete", "failed"] }).notNull(),
    failureReason: text("failure_reason"),
    evidence: text("evidence").array().notNull(),
    parts: jsonb("parts").$type<ScanPart[]>().notNull(),
    scannerDbBuiltAt: timestamp("scanner_db_built_at", { withTimezone: true, mode: "date" }),
    sbomFormat: text("sbom_format"),
    sbomComponents: integer("sbom_components"),
    reportSha256: text("report_sha256").notNull(),
    reportBytes: integer("report_bytes").notNull(),
    /** service + commit + branch + artifact + stage + report hash: the same bytes for the same scope */
    dedupKey: text("dedup_key").notNull(),
    idempotencyKey: text("idempotency_key"),
    tokenId: text("token_id"),
    statistics: jsonb("statistics").$type<ScanStatistics>().notNull(),
    warnings: jsonb("warnings").$type<string[]>().notNull(),
    receivedAt: timestamp("received_at", { withTimezone: true, mode: "date" }).notNull(),
  },
  (t) => [
    uniqueIndex("scans_dedup_key_uq").on(t.dedupKey),
    uniqueIndex("scans_idempotency_uq").on(t.serviceId, t.idempotencyKey),
    index("scans_service_commit_idx").on(t.serviceId, t.commit),
    index("scans_service_received_idx").on(t.serviceId, t.receivedAt),
  ],
);
