// The real server and the real CLI, side by side, on the embedded database and on PostgreSQL.
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import path from "node:path";
import postgres from "postgres";
import { afterAll, describe, expect, it } from "vitest";
import { acquireLock } from "@/db/lock";
import { adminUrl, dropDatabase, withDatabase } from "@/tests/helpers/postgres";
import { cli, startExpectingFailure, startServer, tempDir, type RunningServer } from "@/tests/helpers/server";

const started: RunningServer[] = [];
afterAll(async () => {
  await Promise.all(started.map((s) => s.stop()));
});

async function serve(env: Record<string, string | undefined>) {
  const s = await startServer(env);
  started.push(s);
  return s;
}

describe("embedded database: server and CLI together", () => {
  const dataDir = path.join(tempDir(), "data");

  it("serves health from the embedded database", async () => {
    const s = await serve({ GATEHOUSE_DATA_DIR: dataDir });
    const res = await fetch(`${s.url}/api/health`);
    expect(res.status).toBe(200);
    expect(res.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ status: "ok", database: "pglite" });
    expect(body.migrations).toMatch(/^\d{4}_/);
    // A request id the caller sends is echoed back.
    const again = await fetch(`${s.url}/api/health`, { headers: { "x-request-id": "pipeline-42" } });
    expect(again.headers.get("x-request-id")).toBe("pipeline-42");
  });

  it("refuses a second server on the same data directory, without opening it", async () => {
    const r = await startExpectingFailure({ GATEHOUSE_DATA_DIR: dataDir, PORT: "1" });
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split("\n").at(-1)).toMatch(
      /^gatehouse: the data directory .* is in use by a running Gatehouse server \(pid \d+\)/,
    );
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it("loses no write when CLI commands run while the server serves", async () => {
    const s = started[0]!;
    expect((await cli(["team", "create", "payments"], { GATEHOUSE_DATA_DIR: dataDir })).code).toBe(0);
    const names = Array.from({ length: 8 }, (_, i) => `svc-${i}`);
    const load = (async () => {
      for (let i = 0; i < 40; i++) expect((await fetch(`${s.url}/api/health`)).status).toBe(200);
    })();
    const results = await Promise.all(
      names.map((n) => cli(["service", "create", n, "--team", "payments"], { GATEHOUSE_DATA_DIR: dataDir })),
    );
    await load;
    for (const r of results) expect(r.code, r.stderr).toBe(0);

    const listed = await cli(["service", "list", "--json"], { GATEHOUSE_DATA_DIR: dataDir });
    expect(listed.code).toBe(0);
    expect((JSON.parse(listed.stdout) as { slug: string }[]).map((x) => x.slug).sort()).toEqual(names);

    // Stop the server: the same rows are on disk, read by the CLI opening the directory itself.
    expect(await s.stop()).toBe(0);
    started.shift();
    expect(existsSync(path.join(dataDir, "gatehouse.lock"))).toBe(false);
    const offline = await cli(["service", "list", "--json"], { GATEHOUSE_DATA_DIR: dataDir });
    expect(offline.code, offline.stderr).toBe(0);
    expect((JSON.parse(offline.stdout) as { slug: string }[]).map((x) => x.slug).sort()).toEqual(names);

    // And a restarted server sees them too.
    await serve({ GATEHOUSE_DATA_DIR: dataDir });
    const after = await cli(["service", "list", "--json"], { GATEHOUSE_DATA_DIR: dataDir });
    expect((JSON.parse(after.stdout) as unknown[]).length).toBe(names.length);
  });

  it("reports domain errors from the server with exit code 1", async () => {
    const r = await cli(["service", "create", "svc-0", "--team", "payments"], { GATEHOUSE_DATA_DIR: dataDir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('A service with slug "svc-0" already exists.');
  });

  it("refuses a CLI command while another command holds the directory", async () => {
    const dir = path.join(tempDir(), "data");
    const lock = acquireLock(dir, { holder: "cli" });
    try {
      const r = await cli(["service", "list"], { GATEHOUSE_DATA_DIR: dir });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/in use by a gatehouse command \(pid \d+\); wait for it to finish/);
    } finally {
      lock.release();
    }
  });

  it("validates CLI input before touching any database", async () => {
    const r = await cli(["service", "create", "Bad Slug!", "--team", "payments"], {
      GATEHOUSE_DATA_DIR: path.join(tempDir(), "never"),
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/slug: lower-case letters/);
    expect(r.stderr).toMatch(/usage: gatehouse service create/);
  });
});

describe("start-up failures are one actionable line and a non-zero exit", () => {
  it("names a bad configuration variable", async () => {
    const r = await startExpectingFailure({ PORT: "eighty", GATEHOUSE_DATA_DIR: path.join(tempDir(), "d") });
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toMatch(/^gatehouse: Invalid configuration: PORT: /);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
  });

  it("says when PostgreSQL cannot be reached", async () => {
    const r = await startExpectingFailure({ DATABASE_URL: "postgres://gatehouse:secret@127.0.0.1:1/gatehouse" });
    expect(r.code).toBe(1);
    const lines = r.stderr.trim().split("\n");
    expect(lines.at(-1)).toBe(
      "gatehouse: cannot connect to PostgreSQL at postgres://127.0.0.1:1/gatehouse: connection refused (is the server running and listening there?)",
    );
    expect(r.stderr).not.toContain("secret");
  });
});

describe.runIf(process.env.DATABASE_URL)("PostgreSQL: several instances against one server", () => {
  const url = process.env.DATABASE_URL!;
  const name = `gatehouse_multi_${randomBytes(4).toString("hex")}`;
  afterAll(async () => {
    await Promise.all(started.splice(0).map((s) => s.stop()));
    await dropDatabase(url, name);
  });

  it("starts two servers at once, applying migrations once", async () => {
    const admin = postgres(adminUrl(url), { max: 1, onnotice: () => {} });
    await admin.unsafe(`create database ${name}`);
    await admin.end();
    const dbUrl = withDatabase(url, name);
    const [a, b] = await Promise.all([serve({ DATABASE_URL: dbUrl }), serve({ DATABASE_URL: dbUrl })]);
    for (const s of [a, b]) {
      const body = (await (await fetch(`${s.url}/api/health`)).json()) as Record<string, unknown>;
      expect(body).toMatchObject({ status: "ok", database: "postgres" });
    }
    const sql = postgres(dbUrl, { max: 1 });
    const rows = await sql`select id, count(*)::int as n from gatehouse_migrations group by id`;
    await sql.end();
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) expect(r.n).toBe(1);

    // The CLI talks to PostgreSQL directly while both servers run.
    expect((await cli(["team", "create", "core"], { DATABASE_URL: dbUrl })).code).toBe(0);
    expect((await cli(["service", "create", "api", "--team", "core"], { DATABASE_URL: dbUrl })).code).toBe(0);
    const listed = await cli(["service", "list", "--json"], { DATABASE_URL: dbUrl });
    expect((JSON.parse(listed.stdout) as { slug: string }[]).map((s) => s.slug)).toEqual(["api"]);
  });
});
