import { index, integer, pgTable, primaryKey, smallint, text } from "drizzle-orm/pg-core";
import { findings } from "./findings";
import { scans } from "./scans";

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
    // A finding's sightings (its page, merges) and the foreign key's check when a merged finding is deleted.
    index("scan_findings_finding_idx").on(t.findingId),
  ],
);
