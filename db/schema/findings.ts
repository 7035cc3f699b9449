import { sql } from "drizzle-orm";
import { index, integer, jsonb, pgTable, real, smallint, text, timestamp, uniqueIndex } from "drizzle-orm/pg-core";
import { idColumn } from "./columns";
import { services } from "./services";

/**
 * A deduplicated finding of one service: the same fingerprint from any tool, branch or scan is one row.
 * Its lifecycle is kept per scope in finding_tracks; `status` here is "open" while any scope has it open.
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
    // Sorted by last seen (either way: ties are few, and an incremental sort orders them): a page, not a sort of all.
    index("findings_last_seen_idx").on(t.status, t.lastSeenAt, t.firstSeenAt, t.id),
    // Findings on CISA KEV through an alias (a GHSA finding whose CVE is listed): one lookup, not a test per finding.
    index("findings_aliases_idx").using("gin", t.aliases),
    index("findings_vuln_idx")
      .on(t.vulnerabilityId)
      .where(sql`${t.vulnerabilityId} is not null`),
    index("findings_package_idx")
      .on(t.serviceId, t.packageKey)
      .where(sql`${t.packageKey} is not null`),
  ],
);
