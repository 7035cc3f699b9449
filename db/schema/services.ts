import { index, pgEnum, pgTable, text } from "drizzle-orm/pg-core";
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
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index("services_team_idx").on(t.teamId)],
);
