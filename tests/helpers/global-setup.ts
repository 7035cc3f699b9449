// Once per integration run: a migrated PGlite snapshot (loaded by each test file in ~1 s instead of
// migrating anew) and, when DATABASE_URL is set, a migrated template database on the real server.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { openDatabase } from "@/db/client";
import { migrate } from "@/db/migrate";
import { adminUrl, dropDatabase } from "./postgres";

declare module "vitest" {
  export interface ProvidedContext {
    pgliteSnapshot: string;
    postgresTemplate: string | null;
  }
}

export default async function setup(project: TestProject) {
  // Tests that start the real server need the production build; build it once, here.
  const { buildIfNeeded } = await import("../../scripts/build-if-needed.mjs");
  // (GATEHOUSE_TEST_NO_BUILD=1 skips it when iterating on tests that start no server.)
  if (!process.env.GATEHOUSE_TEST_NO_BUILD && !buildIfNeeded()) throw new Error("next build failed");
  const dir = mkdtempSync(path.join(tmpdir(), "gatehouse-test-"));
  const lite = await openDatabase({ kind: "pglite" });
  await migrate(lite.db);
  const client = (lite.db as unknown as { $client: { dumpDataDir: (c: "none") => Promise<Blob> } }).$client;
  const blob = await client.dumpDataDir("none");
  const snapshot = path.join(dir, "migrated.tar");
  writeFileSync(snapshot, Buffer.from(await blob.arrayBuffer()));
  await lite.close();
  project.provide("pgliteSnapshot", snapshot);

  let template: string | null = null;
  const url = process.env.DATABASE_URL;
  if (url) {
    template = `gatehouse_tmpl_${randomBytes(4).toString("hex")}`;
    const { default: postgres } = await import("postgres");
    const admin = postgres(adminUrl(url), { max: 1, onnotice: () => {} });
    await admin.unsafe(`create database ${template}`);
    await admin.end();
    const u = new URL(url);
    u.pathname = `/${template}`;
    const pg = await openDatabase({ kind: "postgres", url: u.toString(), poolMax: 1 });
    await migrate(pg.db);
    await pg.close();
  }
  project.provide("postgresTemplate", template);

  return async () => {
    rmSync(dir, { recursive: true, force: true });
    if (url && template) await dropDatabase(url, template);
  };
}
