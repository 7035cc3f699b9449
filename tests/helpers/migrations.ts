// Upgrade tests: a database migrated up to some migration, filled as an older installation would be, then migrated.
import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { openDatabase, type DbHandle } from "@/db/client";
import { migrationsFolder } from "@/db/migrate";
import { adminUrl, dropDatabase, withDatabase } from "@/tests/helpers/postgres";
import { tempDir } from "@/tests/helpers/server";

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
