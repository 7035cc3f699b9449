import { date, pgTable, text } from "drizzle-orm/pg-core";

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
