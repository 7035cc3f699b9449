import { integer, pgTable, text, timestamp } from "drizzle-orm/pg-core";

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
