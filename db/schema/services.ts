import { bigint, index, pgEnum, pgTable, text } from "drizzle-orm/pg-core";
import { createdAt, idColumn, updatedAt } from "./columns";
import { teams } from "./teams";

export const criticality = pgEnum("criticality", ["critical", "high", "medium", "low"]);

export const services = pgTable(
  "services",
  {
    id: idColumn(),
    teamId: text("team_id")
      .notNull()
      .references(() => teams.id),
    slug: text("slug").notNull().unique(),
    name: text("name").notNull(),
    repoUrl: text("repo_url"),
    defaultBranch: text("default_branch").notNull().default("main"),
    criticality: criticality("criticality").notNull().default("medium"),
    /**
     * Raised by every upload to the service, in its transaction, before it writes a finding or a sighting (ingest is the
     * only writer of both): a kept gate input (gate-inputs.ts) is read only while this still has the value it was built at.
     */
    findingsVersion: bigint("findings_version", { mode: "number" }).notNull().default(0),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index("services_team_idx").on(t.teamId)],
);
