// withPreparedStatements (db/client.ts): inside it, a statement is parsed once per connection and kept; outside it,
// and when the database was opened with preparedStatements: false, nothing is kept. PGlite runs the same code unchanged.
import { sql } from "drizzle-orm";
import { describe, expect, it, vi } from "vitest";
import { openDatabase, queryRows, withPreparedStatements, type Database } from "@/db/client";
import { describeEachDatabase } from "@/tests/helpers/db";
import { rootMessage } from "@/tests/helpers/errors";
import { withDatabase } from "@/tests/helpers/postgres";

/** Statements this session keeps, read in the same transaction (so on the same connection) as the statements before. */
const kept = (db: Database) =>
  queryRows<{ statement: string }>(
    db,
    sql`select statement from pg_prepared_statements where statement like '%gatehouse-probe%'`,
  );
const probe = (db: Database, n: number) =>
  queryRows<{ n: number }>(db, sql`select ${n}::int + 1 as n /* gatehouse-probe */`).then((r) => Number(r[0]!.n));

describe.runIf(process.env.DATABASE_URL)("prepared statements [postgres]", () => {
  const open = (preparedStatements?: boolean) =>
    openDatabase({
      kind: "postgres",
      url: withDatabase(process.env.DATABASE_URL!, "postgres"),
      poolMax: 1,
      ...(preparedStatements === undefined ? {} : { preparedStatements }),
    });

  it("keeps a statement only inside withPreparedStatements, once per connection, in and out of transactions", async () => {
    const h = await open();
    try {
      await h.db.transaction(async (tx) => {
        expect(await probe(tx as unknown as Database, 1)).toBe(2);
        expect(await kept(tx as unknown as Database)).toEqual([]);
      });
      await withPreparedStatements(() =>
        h.db.transaction(async (tx) => {
          const db = tx as unknown as Database;
          expect(await probe(db, 2)).toBe(3);
          expect(await probe(db, 3)).toBe(4);
          expect(await kept(db)).toHaveLength(1);
        }),
      );
      // Outside a transaction, on the pool's one connection: the same statement, kept once.
      expect(await withPreparedStatements(() => probe(h.db, 4))).toBe(5);
      expect(await kept(h.db)).toHaveLength(1);
    } finally {
      await h.close();
    }
  });

  it("is one switch per process, whichever copy of the module sets it (the server opens the database outside Next.js's bundles)", async () => {
    const h = await open();
    try {
      vi.resetModules();
      const copy = await import("@/db/client");
      expect(copy.withPreparedStatements).not.toBe(withPreparedStatements);
      expect(await copy.withPreparedStatements(() => probe(h.db, 6))).toBe(7);
      expect(await kept(h.db)).toHaveLength(1);
    } finally {
      await h.close();
    }
  });

  it("keeps nothing when the database was opened with preparedStatements: false", async () => {
    const h = await open(false);
    try {
      expect(await withPreparedStatements(() => probe(h.db, 5))).toBe(6);
      expect(await kept(h.db)).toEqual([]);
    } finally {
      await h.close();
    }
  });
});

describeEachDatabase("withPreparedStatements", (t) => {
  it("returns what its function returns, and passes on its errors", async () => {
    expect(await withPreparedStatements(() => probe(t.db(), 41))).toBe(42);
    const failed: unknown = await withPreparedStatements(() => queryRows(t.db(), sql`select 1/0 /* gatehouse-probe */`)).catch(
      (e: unknown) => e,
    );
    expect(rootMessage(failed)).toMatch(/division by zero/);
  });
});
