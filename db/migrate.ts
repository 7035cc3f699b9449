// Applies the committed drizzle-kit migrations, once, even when several processes start together.
import { readFileSync } from "node:fs";
import path from "node:path";
import { sql } from "drizzle-orm";
import { queryRows, type Database } from "./client";

// One lock id for "gatehouse migrations"; transaction-scoped, so it is released on commit or crash.
const MIGRATION_LOCK_ID = 7_245_130_002;

type Journal = { entries: { idx: number; tag: string }[] };

export const migrationsFolder = () => path.join(process.cwd(), "db", "migrations");

export function readMigrations(folder = migrationsFolder()): { id: string; statements: string[] }[] {
  const journal = JSON.parse(readFileSync(path.join(folder, "meta", "_journal.json"), "utf8")) as Journal;
  return [...journal.entries]
    .sort((a, b) => a.idx - b.idx)
    .map((e) => ({
      id: e.tag,
      statements: readFileSync(path.join(folder, `${e.tag}.sql`), "utf8")
        .split("--> statement-breakpoint")
        .map((s) => s.trim())
        .filter((s) => s !== ""),
    }));
}

export type MigrationResult = { applied: string[]; latest: string | undefined };

export async function migrate(db: Database, folder = migrationsFolder()): Promise<MigrationResult> {
  const migrations = readMigrations(folder);
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${MIGRATION_LOCK_ID})`);
    // Checked first: a runtime role without CREATE may still confirm that there is nothing to apply.
    const [table] = await queryRows<{ present: boolean }>(
      tx,
      sql`select to_regclass('gatehouse_migrations') is not null as present`,
    );
    if (!table?.present)
      await tx.execute(
        sql`create table if not exists gatehouse_migrations (id text primary key, applied_at timestamptz not null default now())`,
      );
    const done = new Set((await queryRows<{ id: string }>(tx, sql`select id from gatehouse_migrations`)).map((r) => r.id));
    const applied: string[] = [];
    for (const m of migrations) {
      if (done.has(m.id)) continue;
      for (const statement of m.statements) await tx.execute(sql.raw(statement));
      await tx.execute(sql`insert into gatehouse_migrations (id) values (${m.id})`);
      applied.push(m.id);
    }
    return { applied, latest: migrations.at(-1)?.id };
  });
}

/** The newest applied migration, or undefined on an empty database. */
export async function latestMigration(db: Database): Promise<string | undefined> {
  const rows = await queryRows<{ id: string }>(db, sql`select id from gatehouse_migrations order by id desc limit 1`);
  return rows[0]?.id;
}
