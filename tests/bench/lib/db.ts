// Databases for benchmarks: PGlite on a data directory in a temp folder (in-memory PGlite slows down as
// tables grow), or a fresh PostgreSQL database that is dropped afterwards.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import postgres from "postgres";
import { openDatabase, redactUrl, type DatabaseKind, type DbHandle } from "@/db/client";
import { migrate } from "@/db/migrate";
import { adminUrl, dropDatabase, withDatabase } from "@/tests/helpers/postgres";
import { onInterrupt } from "./child";

export const DEFAULT_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/postgres";

/** DATABASE_URL, or the local default when a server answers there; undefined when there is none. */
export async function findPostgres(): Promise<{ url: string; version: string } | { url: undefined; reason: string }> {
  const url = process.env.DATABASE_URL ?? DEFAULT_POSTGRES_URL;
  const client = postgres(url, { max: 1, connect_timeout: 3, onnotice: () => {} });
  try {
    const [row] = await client<{ v: string }[]>`select current_setting('server_version') as v`;
    return { url, version: row!.v };
  } catch (e) {
    const why = `${redactUrl(url)}: ${(e as Error).message.split("\n")[0]}`;
    if (process.env.DATABASE_URL) throw new Error(`DATABASE_URL is set but not usable (${why})`);
    return { url: undefined, reason: `no DATABASE_URL and nothing answers at ${why}` };
  } finally {
    await client.end({ timeout: 1 }).catch(() => {});
  }
}

export type BenchDb = DbHandle & { openMs: number; migrateMs: number; location: string };

/**
 * A migrated database. PGlite lives in a new folder under `parentDir` (default: the system temp folder); pass
 * a folder the caller removes anyway, so that nothing is left behind even if this process is killed.
 */
export async function openBenchDatabase(kind: DatabaseKind, postgresUrl?: string, parentDir = tmpdir()): Promise<BenchDb> {
  if (kind === "pglite") {
    const dir = mkdtempSync(path.join(parentDir, "pglite-"));
    const remove = () => rmSync(dir, { recursive: true, force: true });
    const unregister = onInterrupt(remove);
    const t0 = performance.now();
    const handle = await openDatabase({ kind: "pglite", dataDir: dir }).catch((e: unknown) => {
      remove();
      unregister();
      throw e;
    });
    const openMs = performance.now() - t0;
    const t1 = performance.now();
    await migrate(handle.db).catch(async (e: unknown) => {
      await handle.close().catch(() => {});
      remove();
      unregister();
      throw e;
    });
    return {
      ...handle,
      openMs,
      migrateMs: performance.now() - t1,
      location: handle.describe,
      close: async () => {
        await handle.close();
        remove();
        unregister();
      },
    };
  }
  if (!postgresUrl) throw new Error("no PostgreSQL URL");
  const name = `gatehouse_bench_${randomBytes(5).toString("hex")}`;
  const admin = postgres(adminUrl(postgresUrl), { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const drop = () => dropDatabase(postgresUrl, name);
  const unregister = onInterrupt(drop);
  const t0 = performance.now();
  const handle = await openDatabase({ kind: "postgres", url: withDatabase(postgresUrl, name), poolMax: 4 }).catch(
    async (e: unknown) => {
      await drop();
      unregister();
      throw e;
    },
  );
  const openMs = performance.now() - t0;
  const t1 = performance.now();
  await migrate(handle.db).catch(async (e: unknown) => {
    await handle.close().catch(() => {});
    await drop();
    unregister();
    throw e;
  });
  return {
    ...handle,
    openMs,
    migrateMs: performance.now() - t1,
    location: redactUrl(withDatabase(postgresUrl, name)),
    close: async () => {
      await handle.close();
      await drop();
      unregister();
    },
  };
}
