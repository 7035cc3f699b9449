import { integer, pgTable, text } from "drizzle-orm/pg-core";
import { createdAt, idColumn } from "./columns";

/** Deployment stages in promotion order (dev → test → production by default). */
export const stages = pgTable("stages", {
  id: idColumn(),
  slug: text("slug").notNull().unique(),
  name: text("name").notNull(),
  position: integer("position").notNull().unique(),
  createdAt: createdAt(),
});
