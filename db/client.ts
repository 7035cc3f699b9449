// The one database module: PGlite (embedded, default) or PostgreSQL (DATABASE_URL), same schema and migrations.
import { mkdirSync } from "node:fs";
import path from "node:path";
import type { PGlite } from "@electric-sql/pglite";
import { sql, type SQL } from "drizzle-orm";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { repairModes } from "./data-dir";
import * as schema from "./schema";

export type Schema = typeof schema;
/** Either driver's drizzle instance, or a transaction on it. */
export type Database = PgDatabase<PgQueryResultHKT, Schema>;
export type DatabaseKind = "pglite" | "postgres";

export type DbHandle = {
  db: Database;
  kind: DatabaseKind;
  /** where it is, without credentials: for messages */
  describe: string;
  close: () => Promise<void>;
};

export type OpenOptions =
  | { kind: "postgres"; url: string; poolMax?: number; connectTimeoutS?: number; statementTimeoutMs?: number }
  | { kind: "pglite"; dataDir?: string; loadDataDir?: Blob };

/** A database error with a one-line, actionable message (no stack trace, no credentials). */
export class DatabaseUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DatabaseUnavailableError";
  }
}

export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.hostname}${u.port ? `:${u.port}` : ""}${u.pathname}`;
  } catch {
    return "(unparseable URL)";
  }
}

export async function openDatabase(opts: OpenOptions): Promise<DbHandle> {
  if (opts.kind === "postgres") return openPostgres(opts);
  return openPglite(opts);
}

async function openPostgres(opts: Extract<OpenOptions, { kind: "postgres" }>): Promise<DbHandle> {
  const { default: postgres } = await import("postgres");
  const { drizzle } = await import("drizzle-orm/postgres-js");
  const where = redactUrl(opts.url);
  let client: ReturnType<typeof postgres>;
  try {
    client = postgres(opts.url, {
      max: opts.poolMax ?? 10,
      connect_timeout: opts.connectTimeoutS ?? 10,
      idle_timeout: 30,
      max_lifetime: 60 * 30,
      onnotice: () => {},
      connection: {
        application_name: "gatehouse",
        // JIT compiles a plan once its estimated cost is high: for the views' many small index probes the estimate
        // is large and the work is not (compiling took 0.6 s of a 0.65 s posture query on 1M findings).
        jit: "off",
        ...(opts.statementTimeoutMs ? { statement_timeout: opts.statementTimeoutMs } : {}),
      },
    });
  } catch (e) {
    throw new DatabaseUnavailableError(`DATABASE_URL is not usable (${where}): ${(e as Error).message}`);
  }
  const db = drizzle(client, { schema }) as unknown as Database;
  try {
    await client`select 1`;
  } catch (e) {
    await client.end({ timeout: 1 }).catch(() => {});
    throw new DatabaseUnavailableError(`cannot connect to PostgreSQL at ${where}: ${describePgError(e)}`);
  }
  return { db, kind: "postgres", describe: where, close: () => client.end({ timeout: 5 }) };
}

function describePgError(e: unknown): string {
  const err = e as { code?: string; message?: string };
  switch (err.code) {
    case "ECONNREFUSED":
      return "connection refused (is the server running and listening there?)";
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return "host not found (check the host name in DATABASE_URL)";
    case "CONNECT_TIMEOUT":
      return "connection timed out";
    case "28P01":
    case "28000":
      return "authentication failed (check user and password in DATABASE_URL)";
    case "3D000":
      return "database does not exist (create it, or fix the database name in DATABASE_URL)";
    default:
      return (err.message ?? String(e)).split("\n")[0]!;
  }
}

async function openPglite(opts: Extract<OpenOptions, { kind: "pglite" }>): Promise<DbHandle> {
  const { PGlite } = await import("@electric-sql/pglite");
  const { drizzle } = await import("drizzle-orm/pglite");
  let client: PGlite;
  let describe = "in-memory";
  if (opts.dataDir) {
    const dir = pgliteDir(opts.dataDir);
    // PGlite does not create parent folders; owner-only, as everything it writes (see data-dir.ts).
    process.umask(0o077);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    client = new PGlite(dir);
    describe = dir;
  } else {
    client = new PGlite(opts.loadDataDir ? { loadDataDir: opts.loadDataDir } : {});
  }
  try {
    await client.waitReady;
  } catch (e) {
    throw new DatabaseUnavailableError(`cannot open the embedded database at ${describe}: ${(e as Error).message}`);
  }
  // PGlite chmods the files of a new database (and its relcache init files) to 0666/0644 whatever the umask;
  // files it creates later follow the umask. So the modes are repaired once it is open.
  if (opts.dataDir) repairModes(path.resolve(/* turbopackIgnore: true */ opts.dataDir));
  const db = drizzle(client, { schema }) as unknown as Database;
  return { db, kind: "pglite", describe, close: () => client.close() };
}

/** PGlite's own folder inside the Gatehouse data directory (the lock file sits beside it). */
export const pgliteDir = (dataDir: string) => path.join(path.resolve(/* turbopackIgnore: true */ dataDir), "pgdata");

/** Rows of a raw query, whichever driver ran it. */
export async function queryRows<T extends Record<string, unknown>>(db: Database, query: SQL): Promise<T[]> {
  const r = (await db.execute(query)) as unknown;
  if (Array.isArray(r)) return r as T[];
  return ((r as { rows?: T[] }).rows ?? []) as T[];
}

export async function ping(db: Database): Promise<void> {
  await queryRows(db, sql`select 1 as ok`);
}
