// Opens the configured database for a server or a CLI command: lock (embedded only), connect, migrate.
import { openDatabase, type DbHandle } from "@/db/client";
import { acquireLock, type DataDirLock } from "@/db/lock";
import { migrate, type MigrationResult } from "@/db/migrate";
import type { Env } from "./env";

export type Opened = { handle: DbHandle; lock?: DataDirLock; migrations: MigrationResult; close: () => Promise<void> };

export async function openConfiguredDatabase(e: Env, holder: "server" | "cli"): Promise<Opened> {
  if (e.DATABASE_URL) {
    const handle = await openDatabase({
      kind: "postgres",
      url: e.DATABASE_URL,
      poolMax: e.GATEHOUSE_DB_POOL_MAX,
      connectTimeoutS: e.GATEHOUSE_DB_CONNECT_TIMEOUT_S,
      statementTimeoutMs: e.GATEHOUSE_DB_STATEMENT_TIMEOUT_MS,
    });
    try {
      const migrations = await migrate(handle.db);
      return { handle, migrations, close: handle.close };
    } catch (err) {
      await handle.close();
      throw err;
    }
  }
  const lock = acquireLock(e.GATEHOUSE_DATA_DIR, { holder });
  let handle: DbHandle | undefined;
  try {
    handle = await openDatabase({ kind: "pglite", dataDir: e.GATEHOUSE_DATA_DIR });
    const migrations = await migrate(handle.db);
    const h = handle;
    return {
      handle: h,
      lock,
      migrations,
      close: async () => {
        try {
          await h.close();
        } finally {
          lock.release();
        }
      },
    };
  } catch (err) {
    await handle?.close().catch(() => {});
    lock.release();
    throw err;
  }
}
