import { pgTable, real, text } from "drizzle-orm/pg-core";

/** FIRST's daily EPSS scores keyed by CVE, replaced whole by each import. */
export const intelEpss = pgTable("intel_epss", {
  cveId: text("cve_id").primaryKey(),
  epss: real("epss").notNull(),
  percentile: real("percentile").notNull(),
});
