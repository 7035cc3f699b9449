import { date, integer, pgTable, real, text, timestamp } from "drizzle-orm/pg-core";

/** CISA's Known Exploited Vulnerabilities catalog, replaced whole by each import (server/intel). */
export const intelKev = pgTable("intel_kev", {
  cveId: text("cve_id").primaryKey(),
  vendorProject: text("vendor_project").notNull(),
  product: text("product").notNull(),
  name: text("name").notNull(),
  dateAdded: date("date_added", { mode: "string" }).notNull(),
  dueDate: date("due_date", { mode: "string" }).notNull(),
  requiredAction: text("required_action").notNull(),
  knownRansomware: text("known_ransomware").notNull(),
});

/** FIRST's daily EPSS scores keyed by CVE, replaced whole by each import. */
export const intelEpss = pgTable("intel_epss", {
  cveId: text("cve_id").primaryKey(),
  epss: real("epss").notNull(),
  percentile: real("percentile").notNull(),
});

/** The last import of each source: what, when, how many (the data's age on the posture page and in area 7). */
export const intelImports = pgTable("intel_imports", {
  source: text("source", { enum: ["kev", "epss"] }).primaryKey(),
  importedAt: timestamp("imported_at", { withTimezone: true, mode: "date" }).notNull(),
  /** KEV: the catalog's dateReleased; EPSS: the score_date of the comment line */
  publishedAt: timestamp("published_at", { withTimezone: true, mode: "date" }),
  /** KEV: catalogVersion; EPSS: model_version */
  version: text("version"),
  entries: integer("entries").notNull(),
  origin: text("origin").notNull(),
  sha256: text("sha256").notNull(),
  importedBy: text("imported_by").notNull(),
});

/** The daily sync's one row: a lease so that one instance fetches at a time, and the last failure to show. */
export const intelSync = pgTable("intel_sync", {
  id: text("id").primaryKey(),
  leaseUntil: timestamp("lease_until", { withTimezone: true, mode: "date" }),
  lastAttemptAt: timestamp("last_attempt_at", { withTimezone: true, mode: "date" }),
  lastError: text("last_error"),
});
