import { sql } from "drizzle-orm";
import { index, integer, jsonb, pgTable, text, timestamp, uniqueIndex } from "drizzle-orm/pg-core";
import { idColumn } from "./columns";
import { services } from "./services";

export type ScanStatistics = {
  /** findings = created + merged + unchanged + reopened (suppressed findings are counted nowhere) */
  findings: number;
  /** findings new to the service */
  created: number;
  /** findings the service already had, reported by a new source (another tool, branch, target or track) */
  merged?: number;
  unchanged: number;
  reopened: number;
  closed: number;
  /** findings reported earlier for this commit in this track that this report no longer lists: they still count */
  retracted?: number;
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
    /** service + commit + branch + artifact + stage + report hash: the same bytes for the same track */
    dedupKey: text("dedup_key").notNull(),
    idempotencyKey: text("idempotency_key"),
    tokenId: text("token_id"),
    statistics: jsonb("statistics").$type<ScanStatistics>().notNull(),
    warnings: jsonb("warnings").$type<string[]>().notNull(),
    receivedAt: timestamp("received_at", { withTimezone: true, mode: "date" }).notNull(),
    /** when the report says the scanner produced it (null: the report does not say) */
    generatedAt: timestamp("generated_at", { withTimezone: true, mode: "date" }),
    /** the evidence time freshness is measured from: the report's own time, never later than receipt */
    scannedAt: timestamp("scanned_at", { withTimezone: true, mode: "date" }).notNull(),
    /** what the report scanned (image repository, path, project), part of the lifecycle track; "" when unknown */
    target: text("target").notNull().default(""),
    /** the lifecycle tracks of the scan's parts: which earlier sightings of the same commit it is compared with */
    trackKeys: text("track_keys").array().notNull().default([]),
  },
  (t) => [
    uniqueIndex("scans_dedup_key_uq").on(t.dedupKey),
    uniqueIndex("scans_idempotency_uq").on(t.serviceId, t.idempotencyKey),
    index("scans_service_commit_idx").on(t.serviceId, t.commit),
    // The gate and re-checks read every scan of an artifact, whatever commit it was uploaded under.
    index("scans_service_artifact_idx")
      .on(t.serviceId, t.artifact)
      .where(sql`${t.artifact} is not null`),
    index("scans_service_received_idx").on(t.serviceId, t.receivedAt),
  ],
);
