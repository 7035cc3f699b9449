import { pgTable, text } from "drizzle-orm/pg-core";
import { createdAt, idColumn } from "./columns";

export const teams = pgTable("teams", {
  id: idColumn(),
  slug: text("slug").notNull().unique(),
  name: text("name").notNull(),
  createdAt: createdAt(),
});
