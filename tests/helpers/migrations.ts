// Upgrade tests: a database migrated only up to an earlier version, to hold the data an older Gatehouse wrote.
import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { sql } from "drizzle-orm";
import { openDatabase, type DbHandle } from "@/db/client";
import { migrate, migrationsFolder } from "@/db/migrate";
import { adminUrl, dropDatabase, withDatabase } from "./postgres";
import { tempDir } from "./server";

/** A copy of the migrations folder whose journal stops at `last`. */
export function migrationsUpTo(last: string): string {
  const dir = path.join(tempDir("gatehouse-migrations-"), "migrations");
  mkdirSync(path.join(dir, "meta"), { recursive: true });
  for (const f of readdirSync(migrationsFolder()))
    if (f.endsWith(".sql")) copyFileSync(path.join(migrationsFolder(), f), path.join(dir, f));
  const journal = JSON.parse(readFileSync(path.join(migrationsFolder(), "meta", "_journal.json"), "utf8")) as {
    entries: { idx: number; tag: string }[];
  };
  const stop = journal.entries.findIndex((e) => e.tag === last);
  writeFileSync(
    path.join(dir, "meta", "_journal.json"),
    JSON.stringify({ ...journal, entries: journal.entries.slice(0, stop + 1) }),
  );
  return dir;
}

/** A database with nothing in it: in memory on PGlite, a new one (dropped on close) on DATABASE_URL's server. */
export async function emptyDatabase(kind: "pglite" | "postgres"): Promise<DbHandle> {
  if (kind === "pglite") return openDatabase({ kind: "pglite" });
  const url = process.env.DATABASE_URL!;
  const name = `gatehouse_mig_${Math.random().toString(16).slice(2, 10)}`;
  const { default: postgres } = await import("postgres");
  const admin = postgres(adminUrl(url), { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  await admin.end();
  const handle = await openDatabase({ kind: "postgres", url: withDatabase(url, name), poolMax: 2 });
  return { ...handle, close: async () => (await handle.close(), await dropDatabase(url, name)) };
}

/**
 * A database as an older Gatehouse left it, then upgraded: migrated up to `last`, given what `seed` writes through
 * `run` (raw SQL, in the older schema), then migrated to the current schema.
 */
export async function upgradedDatabase(
  kind: "pglite" | "postgres",
  last: string,
  seed: (run: (statement: string) => Promise<unknown>) => Promise<void>,
): Promise<DbHandle> {
  const h = await emptyDatabase(kind);
  try {
    await migrate(h.db, migrationsUpTo(last));
    await seed((statement) => h.db.execute(sql.raw(statement)));
    await migrate(h.db);
    return h;
  } catch (e) {
    await h.close();
    throw e;
  }
}
