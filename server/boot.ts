// Opens the configured database for a server or a CLI command: lock (embedded only), connect, migrate, and unlock
// the instance's sealed secrets.
import { openDatabase, type DbHandle } from "@/db/client";
import { secureDataDir } from "@/db/data-dir";
import { acquireLock, type DataDirLock } from "@/db/lock";
import { migrate, type MigrationResult } from "@/db/migrate";
import type { Env } from "./env";
import { prepareInstanceSecrets, type PreparedSecrets } from "./security/instance-secrets";

export type Opened = {
  handle: DbHandle;
  lock?: DataDirLock;
  migrations: MigrationResult;
  secrets: PreparedSecrets;
  close: () => Promise<void>;
};

export const postgresOptions = (e: Env, url: string, poolMax = e.GATEHOUSE_DB_POOL_MAX) =>
  ({
    kind: "postgres",
    url,
    poolMax,
    connectTimeoutS: e.GATEHOUSE_DB_CONNECT_TIMEOUT_S,
    statementTimeoutMs: e.GATEHOUSE_DB_STATEMENT_TIMEOUT_MS,
    preparedStatements: e.GATEHOUSE_DB_PREPARED_STATEMENTS === "on",
  }) as const;

/** Migrations run as the owner role when one is configured; the app then works as the runtime role only. */
async function migrateAsOwner(e: Env, runtime: DbHandle): Promise<MigrationResult> {
  if (!e.GATEHOUSE_MIGRATION_DATABASE_URL) return migrate(runtime.db);
  const owner = await openDatabase(postgresOptions(e, e.GATEHOUSE_MIGRATION_DATABASE_URL, 1));
  try {
    return await migrate(owner.db);
  } finally {
    await owner.close();
  }
}

export async function openConfiguredDatabase(e: Env, holder: "server" | "cli"): Promise<Opened> {
  const authSecretFromEnv = !!e.GATEHOUSE_AUTH_SECRET;
  if (e.DATABASE_URL) {
    const handle = await openDatabase(postgresOptions(e, e.DATABASE_URL));
    try {
      const migrations = await migrateAsOwner(e, handle);
      const secrets = await prepareInstanceSecrets(handle.db, { secretKey: e.GATEHOUSE_SECRET_KEY, authSecretFromEnv });
      return { handle, migrations, secrets, close: handle.close };
    } catch (err) {
      await handle.close();
      throw err;
    }
  }
  // Owner-only before PGlite writes a single file (and repaired if an older version left it open).
  secureDataDir(e.GATEHOUSE_DATA_DIR);
  const lock = acquireLock(e.GATEHOUSE_DATA_DIR, { holder });
  let handle: DbHandle | undefined;
  try {
    handle = await openDatabase({ kind: "pglite", dataDir: e.GATEHOUSE_DATA_DIR });
    const migrations = await migrate(handle.db);
    const secrets = await prepareInstanceSecrets(handle.db, {
      secretKey: e.GATEHOUSE_SECRET_KEY,
      dataDir: e.GATEHOUSE_DATA_DIR,
      authSecretFromEnv,
    });
    const h = handle;
    return {
      handle: h,
      lock,
      migrations,
      secrets,
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
