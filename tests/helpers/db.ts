// Every integration test runs on PGlite, and again on PostgreSQL when DATABASE_URL is set.
// Each test file gets its own database: a fresh PGlite from the migrated snapshot, or a new
// database cloned from the migrated template on the server.
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, inject } from "vitest";
import { openDatabase, type Database, type DatabaseKind, type DbHandle } from "@/db/client";
import type { Actor, ServiceContext } from "@/server/context";
import { createDatabaseFrom, dropDatabase, withDatabase } from "./postgres";

export const backends = (): DatabaseKind[] => (process.env.DATABASE_URL ? ["pglite", "postgres"] : ["pglite"]);

export async function openTestDatabase(kind: DatabaseKind): Promise<DbHandle> {
  if (kind === "pglite") {
    const snapshot = readFileSync(inject("pgliteSnapshot"));
    return openDatabase({ kind: "pglite", loadDataDir: new Blob([snapshot]) });
  }
  const url = process.env.DATABASE_URL!;
  const template = inject("postgresTemplate");
  if (!template) throw new Error("postgres template missing: global setup did not run with DATABASE_URL");
  const name = `gatehouse_t_${randomBytes(6).toString("hex")}`;
  await createDatabaseFrom(url, name, template);
  const handle = await openDatabase({ kind: "postgres", url: withDatabase(url, name), poolMax: 5 });
  return {
    ...handle,
    close: async () => {
      await handle.close();
      await dropDatabase(url, name);
    },
  };
}

export type TestDb = {
  kind: DatabaseKind;
  db: () => Database;
  /** a context for domain verbs; the clock defaults to the real one */
  ctx: (opts?: { actor?: Actor; now?: () => Date }) => ServiceContext;
  handle: () => DbHandle;
};

export function describeEachDatabase(title: string, body: (t: TestDb) => void): void {
  for (const kind of backends()) {
    describe(`${title} [${kind}]`, () => {
      let handle: DbHandle | undefined;
      beforeAll(async () => {
        handle = await openTestDatabase(kind);
      });
      afterAll(async () => {
        await handle?.close();
      });
      const db = () => {
        if (!handle) throw new Error("test database not open yet");
        return handle.db;
      };
      body({
        kind,
        db,
        handle: () => handle!,
        ctx: (opts = {}) => ({
          db: db(),
          actor: opts.actor ?? { type: "system", label: "test" },
          now: opts.now ?? (() => new Date()),
        }),
      });
    });
  }
}
