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
  const db = drizzle(pooledClient(client, opts.preparedStatements !== false), { schema }) as unknown as Database;
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

type QueryOptions = { prepare?: boolean; onexecute?: (connection: { onclose?: (() => void) | null }) => unknown };
type Unsafe = (query: string, args?: unknown[], options?: QueryOptions) => PromiseLike<unknown>;
type Reserved = { unsafe: Unsafe; release: () => void };
/** What a transaction's statements go through: its reserved connection, which only beginReserved releases. */
type TransactionConnection = { unsafe: Unsafe };
type Pool = { unsafe: Unsafe; reserve: () => Promise<Reserved> };

/**
 * The postgres.js client drizzle is given, with two changes to the driver's own behaviour:
 * - `unsafe` (drizzle's only way in) prepares inside withPreparedStatements, when `prepare`;
 * - `begin` runs the transaction on a connection reserved for it (beginReserved), whose client is wrapped the same way.
 */
function pooledClient<T extends object>(client: T, prepare: boolean): T {
  return new Proxy(client, {
    get(target, prop, receiver) {
      if (prop === "unsafe" && prepare) return preparingUnsafe((target as unknown as Pool).unsafe.bind(target));
      if (prop === "begin") {
        // drizzle calls begin(fn), or begin(options, fn) for an isolation level: the options go after BEGIN.
        return (...args: unknown[]) => {
          const fn = args.at(-1) as (tx: object) => Promise<unknown>;
          const options = typeof args[0] === "string" && args.length > 1 ? args[0] : "";
          return beginReserved(target as unknown as Pool, (conn) => fn(transactionClient(conn, prepare)), options);
        };
      }
      return Reflect.get(target, prop, receiver) as unknown;
    },
  });
}

const preparingUnsafe =
  (unsafe: Unsafe): Unsafe =>
  (query, args, options) =>
    unsafe(query, args, preparing.getStore() ? { ...options, prepare: true } : options);

/** A transaction's client: its connection's statements, prepared when asked, and savepoints for nested transactions. */
function transactionClient(conn: TransactionConnection, prepare: boolean): object {
  let savepoints = 0;
  const client: object = new Proxy(conn, {
    get(target, prop, receiver) {
      if (prop === "unsafe" && prepare) return preparingUnsafe(target.unsafe.bind(target));
      if (prop === "savepoint") {
        return async (fn: (tx: object) => Promise<unknown>) => {
          const name = `gatehouse_${++savepoints}`;
          await target.unsafe(`savepoint ${name}`);
          try {
            const result = await fn(client);
            await target.unsafe(`release savepoint ${name}`);
            return result;
          } catch (e) {
            await Promise.resolve(target.unsafe(`rollback to savepoint ${name}`)).catch(() => {});
            throw e;
          }
        };
      }
      return Reflect.get(target, prop, receiver) as unknown;
    },
  });
  return client;
}

/** Errors that end the connection: the driver's own, the socket's, and PostgreSQL's connection and shutdown classes. */
const CONNECTION_ERRORS = new Set([
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "CONNECT_TIMEOUT",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
]);
type DriverError = { code?: unknown; severity?: unknown; message?: unknown; cause?: unknown };

/** Whether the error, or one it was caused by (drizzle wraps the driver's), is one `test` accepts. */
function causedBy(e: unknown, test: (x: DriverError) => boolean): boolean {
  for (let x = e as DriverError | null, depth = 0; x && depth < 5; depth++) {
    if (test(x)) return true;
    x = x.cause as DriverError | null;
  }
  return false;
}

const connectionFailure = (e: unknown): boolean =>
  causedBy(e, (x) => {
    const code = String(x.code);
    return CONNECTION_ERRORS.has(code) || /^(08|57P)/.test(code) || x.severity === "FATAL" || x.severity === "PANIC";
  });

/** The error of a statement sent after this process closed its database (postgres.js's `end()`, PGlite's `close()`). */
export const closedByThisProcess = (e: unknown): boolean =>
  causedBy(e, (x) => x.code === "CONNECTION_ENDED" || x.message === "PGlite is closed");

/** What a statement sent on a connection that closed answers: a rejection, shaped like the driver's pending query. */
function lostConnection(): PromiseLike<unknown> {
  const failed = Promise.reject(
    Object.assign(new Error("the connection to PostgreSQL was lost during the transaction"), { code: "CONNECTION_CLOSED" }),
  );
  return Object.assign(failed, { values: () => failed, execute: () => failed });
}

/** How long a transaction waits for a connection of the pool before it fails. */
const CONNECTION_WAIT_MS = 60_000;

/**
 * A connection reserved within `waitMs`, or an error. The wait is bounded because the driver can lose a request: one
 * that waits while a connection closes may be handed to its reconnection and never answered (docs/performance.md).
 * A connection that comes after the caller gave up is handed back at once.
 */
async function reserveWithin(pool: Pool, waitMs: number): Promise<Reserved> {
  const request = pool.reserve();
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(
        Object.assign(new Error(`no PostgreSQL connection came free within ${waitMs / 1000} s`), { code: "CONNECTION_WAIT" }),
      );
      request.then(
        (conn) => conn.release(),
        () => {},
      );
    }, waitMs);
  });
  try {
    return await Promise.race([request, late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Runs `fn` in a transaction on a connection of its own. postgres.js's `begin` sends BEGIN through the pool like any
 * statement, so under load it can queue on a connection busy with others; when that BEGIN is the statement that fills
 * the connection's pipeline, the driver never marks the connection as the transaction's. The server then keeps the
 * transaction open while the pool gives the connection to other statements, which run (and commit) inside it, and the
 * transaction's own caller fails (porsager/postgres#823, #1204, #1218; PostgreSQL logs "there is already a
 * transaction in progress"). Seen here under the gate's open-loop bench: one HTTP 500 in ≈ 5,000 calls, and a warning.
 * `reserve` takes an idle connection, or waits for one, never a busy one, and keeps it until it is released.
 */
export async function beginReserved<R>(
  pool: Pool,
  fn: (conn: TransactionConnection) => Promise<R>,
  options = "",
  waitMs = CONNECTION_WAIT_MS,
): Promise<R> {
  const reserved = await reserveWithin(pool, waitMs);
  // Once the connection closes (the server went away, or ended this backend), statements are answered here: the
  // driver would write them to the closed socket and throw outside any promise (which ends the process).
  let connection: { onclose?: (() => void) | null } | undefined;
  let lost = false;
  const conn: TransactionConnection = {
    unsafe: (query, args, opts) => {
      if (lost) return lostConnection();
      const q = reserved.unsafe(query, args, opts);
      // Seen before the caller sees it: after a socket error the driver leaves statements sent later unanswered until
      // the close, and then (it closed with an error) unanswered for good.
      q.then(undefined, (e: unknown) => {
        if (connectionFailure(e)) lost = true;
      });
      return q;
    },
  };
  try {
    // A plain BEGIN is not waited for: the transaction's first statements follow it in the same round trip, on this
    // connection only, and only a lost connection fails it (then they fail too, and so does the transaction below).
    // With options (an isolation level), a mistake in them must not let the statements run outside a transaction.
    const modes = options.replace(/[^a-z ]/gi, "").trim();
    const begin = reserved.unsafe(modes ? `begin ${modes}` : "begin", [], {
      // Called as BEGIN is written: the driver's connection, whose close the pool reports through `onclose`.
      onexecute: (c) => {
        connection = c;
        c.onclose = () => (lost = true);
        return true;
      },
    }) as PromiseLike<unknown> & { execute: () => unknown };
    begin.execute(); // handed to the connection now, ahead of every statement of fn's
    const begun = Promise.resolve(begin);
    begun.catch(() => {});
    if (modes) await begun;
    let result: R;
    try {
      result = await fn(conn);
      await begun;
    } catch (e) {
      // A connection that is gone has no transaction left to roll back (and would not answer).
      if (!lost && !connectionFailure(e)) await Promise.resolve(conn.unsafe("rollback")).catch(() => {});
      throw e;
    }
    const done = (await conn.unsafe("commit")) as { command?: string };
    // A statement that failed while nobody waited for it aborted the transaction, and COMMIT then rolled it back.
    if (done.command === "ROLLBACK") throw new Error("the transaction was rolled back: one of its statements failed");
    return result;
  } finally {
    if (connection?.onclose) connection.onclose = null;
    // A lost connection is the pool's again (or will be at its close); released, it would be handed out broken.
    if (!lost) reserved.release();
  }
}

/** The driver's client under a drizzle database or transaction. */
const sessionClient = (db: Database): object => (db as unknown as { session: { client: object } }).session.client;

type PgliteQuery = { query: (text: string, params: unknown[]) => Promise<{ rows: unknown[] }> };

/**
 * Rows of a statement written as text with numbered parameters ($1, $2, …), sent to the driver as it is: for the
 * hottest statements, where drizzle's builder cost more CPU than the database's work (docs/performance.md). Values
 * are sent as text (strings, numbers, null); the statement casts them. Prepared inside withPreparedStatements.
 */
export async function rawRows<T extends Record<string, unknown>>(
  db: Database,
  text: string,
  params: readonly unknown[],
): Promise<T[]> {
  const client = sessionClient(db) as Partial<Pool> & Partial<PgliteQuery>;
  if (client.unsafe) return (await client.unsafe(text, params as unknown[])) as T[];
  return (await client.query!(text, params as unknown[])).rows as T[];
}

/** Numbered parameters for rawRows: `p.add(value)` is the placeholder to write where the value goes. */
export class Params {
  readonly values: unknown[] = [];
  add(value: string | number | null): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
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
