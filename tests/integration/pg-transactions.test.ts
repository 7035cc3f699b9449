// Transactions on PostgreSQL run on a connection reserved for them (db/client.ts beginReserved), never on one the pool
// also gives to other statements. postgres.js's own `begin` pipelines BEGIN onto a busy connection, and when that BEGIN
// is the statement that fills the connection's pipeline (100 statements), the driver never marks the connection as the
// transaction's: the transaction fails with a TypeError, stays open on the server, and the statements the pool sends to
// that connection next run inside it (porsager/postgres#823, #1218). Seen under the gate's open-loop bench.
import { randomBytes } from "node:crypto";
import { sql } from "drizzle-orm";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { beginReserved, openDatabase, queryRows, withPreparedStatements, type Database, type DbHandle } from "@/db/client";
import { adminUrl, dropDatabase, withDatabase } from "@/tests/helpers/postgres";

const base = process.env.DATABASE_URL;

describe.runIf(base)("transactions on a reserved connection [postgres]", () => {
  const name = `gh_txn_${randomBytes(4).toString("hex")}`;
  let h: DbHandle;
  let observer: postgres.Sql;

  beforeAll(async () => {
    const admin = postgres(adminUrl(base!), { max: 1, onnotice: () => {} });
    await admin.unsafe(`create database ${name}`);
    await admin.end();
    observer = postgres(withDatabase(base!, name), { max: 1, onnotice: () => {} });
    await observer.unsafe("create table t (n int not null, via text not null)");
    // One connection: every statement below queues on it, as on a pool whose connections are all busy under load.
    h = await openDatabase({ kind: "postgres", url: withDatabase(base!, name), poolMax: 1 });
  });

  afterAll(async () => {
    await h?.close();
    await observer?.end();
    await dropDatabase(base!, name);
  });

  const inTransaction = (db: Database) =>
    queryRows<{ xid: string | null }>(db, sql`select txid_current_if_assigned()::text as xid`).then((r) => r[0]!.xid);

  it("keeps a transaction whole when its BEGIN would fill a busy connection's pipeline, and nothing else runs in it", async () => {
    let autocommits = 0;
    // Around the pipeline's limit, so that in one of the rounds the transaction's start is its 100th statement.
    for (let queued = 94; queued <= 104; queued++) {
      // Started now, in this order (a drizzle query starts when it is awaited or `then` is called).
      const started = <T>(q: PromiseLike<T>) => q.then((r) => r);
      const busy = started(h.db.execute(sql.raw("select pg_sleep(0.05)")));
      // Statements without parameters pipeline onto the busy connection (those with parameters describe first).
      const autos = Array.from({ length: queued }, (_, i) =>
        started(h.db.execute(sql.raw(`insert into t (n, via) values (${queued * 1000 + i}, 'autocommit')`))),
      );
      // Once they are all on the connection, the transaction starts, then more statements come.
      await new Promise((r) => setImmediate(r));
      const txn = h.db.transaction(async (tx) => {
        const db = tx as unknown as Database;
        await db.execute(sql.raw(`insert into t (n, via) values (${queued}, 'transaction')`));
        const xid = await inTransaction(db);
        await db.execute(sql.raw(`insert into t (n, via) values (${-queued}, 'transaction')`));
        return { xid, again: await inTransaction(db) };
      });
      const after = Array.from({ length: 5 }, () => inTransaction(h.db));
      const [, , result, outside] = await Promise.all([busy, Promise.all(autos), txn, Promise.all(after)]);
      autocommits += queued;
      // The transaction's statements ran in one transaction of the server's…
      expect(result.xid).toMatch(/^\d+$/);
      expect(result.again).toBe(result.xid);
      // …and the statements sent after it ran in none.
      expect(outside).toEqual([null, null, null, null, null]);
    }
    // Everything committed, seen from another connection: nothing was left in a transaction still open on the server.
    const [counts] = await observer<{ autocommit: string; transaction: string }[]>`
      select count(*) filter (where via = 'autocommit') as autocommit, count(*) filter (where via = 'transaction') as transaction
      from t`;
    expect(Number(counts!.autocommit)).toBe(autocommits);
    expect(Number(counts!.transaction)).toBe(2 * 11);
    const open = await observer`select 1 from pg_stat_activity where datname = ${name} and state like 'idle in transaction%'`;
    expect(open).toHaveLength(0);
  });

  it("rolls back on an error, gives the connection back, and passes on the error", async () => {
    const failed = await h.db
      .transaction(async (tx) => {
        await (tx as unknown as Database).execute(sql.raw(`insert into t (n, via) values (-1, 'rolled back')`));
        throw new Error("no, thanks");
      })
      .catch((e: unknown) => e);
    expect((failed as Error).message).toBe("no, thanks");
    const [row] = await observer<{ n: string }[]>`select count(*) as n from t where via = 'rolled back'`;
    expect(Number(row!.n)).toBe(0);
    // The pool's one connection is usable again, and in no transaction.
    expect(await inTransaction(h.db)).toBeNull();
  });

  it("fails a transaction whose commit rolled it back (a statement failed that its caller did not wait for)", async () => {
    const failed = await h.db
      .transaction(async (tx) => {
        const db = tx as unknown as Database;
        await db.execute(sql.raw(`insert into t (n, via) values (-2, 'aborted')`));
        // Sent, and its failure (division by zero) handled by nobody who tells the transaction.
        db.execute(sql.raw("select 1/0")).then(
          () => {},
          () => {},
        );
        await new Promise((r) => setTimeout(r, 20));
      })
      .catch((e: unknown) => e);
    expect((failed as Error).message).toMatch(/rolled back/);
    const [row] = await observer<{ n: string }[]>`select count(*) as n from t where via = 'aborted'`;
    expect(Number(row!.n)).toBe(0);
    expect(await inTransaction(h.db)).toBeNull();
  });

  it("nests: a savepoint rolls back alone, and prepared statements keep working inside", async () => {
    await withPreparedStatements(() =>
      h.db.transaction(async (tx) => {
        await tx.execute(sql`insert into t (n, via) values (${-3}, 'outer')`);
        const inner = await tx
          .transaction(async (inner) => {
            await inner.execute(sql`insert into t (n, via) values (${-4}, 'inner')`);
            throw new Error("inner fails");
          })
          .catch((e: unknown) => (e as Error).message);
        expect(inner).toBe("inner fails");
        await tx.transaction(async (inner) => {
          await inner.execute(sql`insert into t (n, via) values (${-5}, 'inner kept')`);
        });
      }),
    );
    const rows = await observer<{ via: string }[]>`select via from t where n in (-3, -4, -5) order by n desc`;
    expect(rows.map((r) => r.via)).toEqual(["outer", "inner kept"]);
  });

  it("passes on a connection lost in a transaction, and the pool keeps serving transactions after (five times)", async () => {
    const served = (i: number) =>
      Promise.race([
        h.db.transaction(async (tx) => {
          await tx.execute(sql.raw(`insert into t (n, via) values (${-100 - i}, 'after')`));
          return inTransaction(tx as unknown as Database);
        }),
        new Promise<string>((r) => setTimeout(() => r("no connection within 10 s"), 10_000)),
      ]);
    let after = 0;
    for (let round = 0; round < 5; round++) {
      const failed = await h.db
        .transaction(async (tx) => {
          const db = tx as unknown as Database;
          await db.execute(sql.raw(`insert into t (n, via) values (-6, 'lost')`));
          const [me] = await queryRows<{ pid: number }>(db, sql`select pg_backend_pid() as pid`);
          await observer`select pg_terminate_backend(${me!.pid})`;
          await db.execute(sql.raw("select 1"));
        })
        .catch((e: unknown) => e);
      expect(failed).toBeInstanceOf(Error);
      // The first statement on the reconnected connection may still get the old backend's error (the driver's doing).
      await served(1000 + round).catch(() => null);
      for (let i = 0; i < 2; i++) {
        expect(await served(after)).toMatch(/^\d+$/);
        after++;
      }
    }
    const [lost] = await observer<{ n: string }[]>`select count(*) as n from t where via = 'lost'`;
    expect(Number(lost!.n)).toBe(0);
    expect(await inTransaction(h.db)).toBeNull();
  });

  it("fails a transaction that waits past its bound for a connection, and hands a connection that comes later back", async () => {
    const pool = postgres(withDatabase(base!, name), { max: 1, onnotice: () => {} });
    const asPool = pool as unknown as Parameters<typeof beginReserved>[0];
    try {
      const held = await pool.reserve();
      const failed = await beginReserved(asPool, async () => "ran", "", 200).catch((e: unknown) => e);
      expect((failed as Error).message).toBe("no PostgreSQL connection came free within 0.2 s");
      held.release();
      // The request that gave up gets the connection, and hands it back at once: the next transaction is served.
      const rows = await beginReserved(asPool, async (c) => (await c.unsafe("select 41 + 1 as n")) as { n: number }[], "", 5_000);
      expect(rows[0]!.n).toBe(42);
    } finally {
      await pool.end();
    }
  });
});
