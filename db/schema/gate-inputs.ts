import { bigint, integer, pgTable, primaryKey, text, timestamp } from "drizzle-orm/pg-core";
import { services } from "./services";

/**
 * The findings a gate read for one set of scans of a service, kept so that the next gate over the same scans (the
 * next stage of the same build, a retry) reads one row instead of every finding. Valid only while the service's
 * `findings_version` is still `version`: any upload to the service outdates every row of it, and the gate's
 * transaction deletes the outdated rows when it keeps a new one (server/gate/kept-input.ts).
 */
export const gateInputs = pgTable(
  "gate_inputs",
  {
    serviceId: text("service_id")
      .notNull()
      .references(() => services.id),
    /** the scans' ids, sorted, joined by commas */
    scansKey: text("scans_key").notNull(),
    version: bigint("version", { mode: "number" }).notNull(),
    findingCount: integer("finding_count").notNull(),
    /** JSON: one array per finding, in the order of server/gate/kept-input.ts */
    findings: text("findings").notNull(),
    keptAt: timestamp("kept_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.serviceId, t.scansKey] })],
);
