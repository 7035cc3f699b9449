import { defineConfig } from "drizzle-kit";

// Migrations are generated from db/schema and committed; they are applied by db/migrate.ts at start-up.
// Never `drizzle-kit push` to a real database.
export default defineConfig({
  dialect: "postgresql",
  schema: "./db/schema/index.ts",
  out: "./db/migrations",
});
