import { sql } from "drizzle-orm";
import { index, integer, jsonb, pgTable, primaryKey, real, smallint, text, timestamp, uniqueIndex } from "drizzle-orm/pg-core";
import { idColumn } from "./columns";
import { scans } from "./scans";
import { services } from "./services";

/**
 * A deduplicated finding of one service: the same fingerprint from any tool, branch or scan is one row.
 * Its lifecycle is kept per scope in finding_scopes; `status` here is "open" while any scope has it open.
 */
export const findings = pgTable(
  "findings",
  {
    id: idColumn(),
    serviceId: text("service_id")
      .notNull()
      .references(() => services.id),
    fingerprint: text("fingerprint").notNull(),
    kind: text("kind").notNull(),
    riskArea: smallint("risk_area").notNull(),
    severity: text("severity", { enum: ["critical", "high", "medium", "low", "info"] }).notNull(),
    /** 5 critical … 1 info: for ordering and max() */
    severityRank: smallint("severity_rank").notNull(),
    status: text("status", { enum: ["open", "closed"] }).notNull(),
    suppressed: integer("suppressed").notNull().default(0),
    ruleId: text("rule_id").notNull(),
    title: text("title").notNull(),
    description: text("description"),
    vulnerabilityId: text("vulnerability_id"),
    aliases: text("aliases").array().notNull(),
    cwes: integer("cwes").array().notNull(),
    cvssScore: real("cvss_score"),
    cvssVector: text("cvss_vector"),
    packagePurl: text("package_purl"),
    /** ecosystem/namespace/name without version: SCA findings merge across tools on it plus any shared id */
    packageKey: text("package_key"),
    packageEcosystem: text("package_ecosystem"),
    packageName: text("package_name"),
    packageVersion: text("package_version"),
    fixedVersions: text("fixed_versions").array().notNull(),
    file: text("file"),
    startLine: integer("start_line"),
    endLine: integer("end_line"),
    snippetHash: text("snippet_hash"),
    resource: text("resource"),
    url: text("url"),
    image: text("image"),
    secretHash: text("secret_hash"),
    secretPreview: text("secret_preview"),
    remediation: text("remediation"),
    references: text("references").array().notNull(),
    properties: jsonb("properties"),
    tools: text("tools").array().notNull(),
    firstSeenAt: timestamp("first_seen_at", { withTimezone: true, mode: "date" }).notNull(),
    lastSeenAt: timestamp("last_seen_at", { withTimezone: true, mode: "date" }).notNull(),
    firstCommit: text("first_commit").notNull(),
    lastCommit: text("last_commit").notNull(),
    closedAt: timestamp("closed_at", { withTimezone: true, mode: "date" }),
    /** fingerprints of findings merged into this one (a report bridged their vulnerability ids): waivers on them still apply */
    mergedFingerprints: text("merged_fingerprints").array().notNull().default([]),
  },
  (t) => [
    uniqueIndex("findings_service_fingerprint_uq").on(t.serviceId, t.fingerprint),
    // Gate and dashboards: open findings of a service by severity without touching the heap.
    index("findings_service_status_idx").on(t.serviceId, t.status, t.severityRank, t.riskArea),
    // The findings explorer's default order (most severe, oldest first) per status: a page without sorting them all.
    index("findings_order_idx").on(t.status, t.severityRank.desc().nullsFirst(), t.firstSeenAt, t.id),
    index("findings_vuln_idx")
      .on(t.vulnerabilityId)
      .where(sql`${t.vulnerabilityId} is not null`),
    index("findings_package_idx")
      .on(t.serviceId, t.packageKey)
      .where(sql`${t.packageKey} is not null`),
  ],
);

/**
 * A finding's lifecycle in one scope: service + branch + tool + category + subject ("artifact" or "source") + target.
 * scope_key joins them with U+0001 in that order (views read the branch and tool by position).
 */
export const findingScopes = pgTable(
  "finding_scopes",
  {
    findingId: text("finding_id")
      .notNull()
      .references(() => findings.id),
    serviceId: text("service_id").notNull(),
    scopeKey: text("scope_key").notNull(),
    branch: text("branch").notNull(),
    tool: text("tool").notNull(),
    category: text("category").notNull(),
    status: text("status", { enum: ["open", "closed"] }).notNull(),
    firstSeenAt: timestamp("first_seen_at", { withTimezone: true, mode: "date" }).notNull(),
    lastSeenAt: timestamp("last_seen_at", { withTimezone: true, mode: "date" }).notNull(),
    closedAt: timestamp("closed_at", { withTimezone: true, mode: "date" }),
    reopenedCount: integer("reopened_count").notNull().default(0),
    lastScanId: text("last_scan_id").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.findingId, t.scopeKey] }),
    index("finding_scopes_scope_idx").on(t.serviceId, t.scopeKey, t.status),
  ],
);

/** Which scan saw which finding at which commit: "findings present at commit X" is one indexed query. */
export const scanFindings = pgTable(
  "scan_findings",
  {
    scanId: text("scan_id")
      .notNull()
      .references(() => scans.id),
    findingId: text("finding_id")
      .notNull()
      .references(() => findings.id),
    serviceId: text("service_id").notNull(),
    commit: text("commit").notNull(),
    severityRank: smallint("severity_rank").notNull(),
    suppressed: integer("suppressed").notNull().default(0),
    startLine: integer("start_line"),
  },
  (t) => [
    primaryKey({ columns: [t.scanId, t.findingId] }),
    index("scan_findings_commit_idx").on(t.serviceId, t.commit, t.findingId),
  ],
);

/** Per-installation secrets (the salt for hashing secrets found in reports). */
export const instanceSettings = pgTable("instance_settings", {
  key: text("key").primaryKey(),
  value: text("value").notNull(),
  createdAt: timestamp("created_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
});

/** A finding merged into another keeps a forwarding address: decisions and links that name it still resolve. */
export const findingMerges = pgTable("finding_merges", {
  findingId: text("finding_id").primaryKey(),
  serviceId: text("service_id").notNull(),
  fingerprint: text("fingerprint").notNull(),
  mergedInto: text("merged_into").notNull(),
  mergedAt: timestamp("merged_at", { withTimezone: true, mode: "date" }).notNull(),
  scanId: text("scan_id").notNull(),
});
