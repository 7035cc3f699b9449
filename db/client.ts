// The one database module: PGlite (embedded, default) or PostgreSQL (DATABASE_URL), same schema and migrations.
import { AsyncLocalStorage } from "node:async_hooks";
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
  | {
      kind: "postgres";
      url: string;
      poolMax?: number;
      connectTimeoutS?: number;
      statementTimeoutMs?: number;
      /** whether withPreparedStatements prepares (default true; off behind a pooler that cannot keep them) */
      preparedStatements?: boolean;
    }
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
  const db = drizzle(opts.preparedStatements === false ? client : preparingWhenAsked(client), { schema }) as unknown as Database;
  try {
    await client`select 1`;
  } catch (e) {
    await client.end({ timeout: 1 }).catch(() => {});
    throw new DatabaseUnavailableError(`cannot connect to PostgreSQL at ${where}: ${describePgError(e)}`);
  }
  return { db, kind: "postgres", describe: where, close: () => client.end({ timeout: 5 }) };
}

// One store per process: the server opens the database outside Next.js's bundles, which have their own copy of this
// module, so the store is shared through a global symbol (as server/runtime.ts shares the handle).
const PREPARING = Symbol.for("gatehouse.db.preparing");
const preparing: AsyncLocalStorage<true> = ((globalThis as { [PREPARING]?: AsyncLocalStorage<true> })[PREPARING] ??=
  new AsyncLocalStorage<true>());

/**
 * Runs `fn` with its PostgreSQL statements prepared: each connection parses a statement's text once and keeps it (and
 * PostgreSQL may keep its plan), instead of parsing and describing it on every call as drizzle's unnamed statements
 * are. For hot paths whose statements are few and fixed (the gate: ≈ 30% of PostgreSQL's CPU per call, measured);
 * not for views, whose many shapes would pile up on every connection and whose plans need their parameters' values.
 * No effect on PGlite, or when the database was opened with preparedStatements: false.
 */
export const withPreparedStatements = <T>(fn: () => Promise<T>): Promise<T> => preparing.run(true, fn);

type Unsafe = (query: string, args?: unknown[], options?: { prepare?: boolean }) => unknown;
type Begin = (...args: unknown[]) => unknown;

/** The postgres.js client drizzle is given: `unsafe` (drizzle's only way in) prepares inside withPreparedStatements. */
function preparingWhenAsked<T extends object>(sql: T): T {
  return new Proxy(sql, {
    get(target, prop, receiver) {
      if (prop === "unsafe") {
        const unsafe = (target as { unsafe: Unsafe }).unsafe.bind(target);
        return (query: string, args?: unknown[], options?: { prepare?: boolean }) =>
          unsafe(query, args, preparing.getStore() ? { ...options, prepare: true } : options);
      }
      if (prop === "begin") {
        // A transaction's statements go through the connection it reserved: that client is wrapped the same way.
        const begin = (target as { begin: Begin }).begin.bind(target);
        return (...args: unknown[]) => {
          const fn = args.at(-1) as (tx: object) => unknown;
          return begin(...args.slice(0, -1), (tx: object) => fn(preparingWhenAsked(tx)));
        };
      }
      return Reflect.get(target, prop, receiver) as unknown;
    },
  });
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
