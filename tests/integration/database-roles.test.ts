// Two database roles on the real PostgreSQL: the owner applies the migrations, the app runs as a role with DML only,
// which cannot switch off, truncate or alter the append-only records; /api/health says so ("enforced"). With one owner
// URL it says "owner-can-disable", and start-up warns about secrets in clear without GATEHOUSE_SECRET_KEY.
// The README's SQL for the runtime role is exactly what this test runs.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import postgres from "postgres";
import { adminUrl, withDatabase } from "@/tests/helpers/postgres";
import { cli, startServer, type RunningServer } from "@/tests/helpers/server";

const base = process.env.DATABASE_URL;

function asRole(url: string, role: string, db: string): string {
  const u = new URL(withDatabase(url, db));
  u.username = role;
  u.password = "";
  return u.toString();
}

/** The README's SQL, for an owner role, a runtime role and their database. */
function runtimeRoleSql(owner: string, app: string): string[] {
  return [
    `GRANT USAGE ON SCHEMA public TO ${app}`,
    `ALTER DEFAULT PRIVILEGES FOR ROLE ${owner} IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO ${app}`,
    `ALTER DEFAULT PRIVILEGES FOR ROLE ${owner} IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO ${app}`,
  ];
}

// Declared without PostgreSQL too, so that `npm test` without DATABASE_URL reports it as skipped rather than failing
// on an empty file; its URLs and connection are made only when it runs.
describe.runIf(base)("the runtime role cannot switch off the append-only protection [postgres]", () => {
  const id = randomBytes(4).toString("hex");
  const owner = `gh_owner_${id}`;
  const app = `gh_app_${id}`;
  const db = `gh_roles_${id}`;
  let admin: postgres.Sql;
  let ownerUrl = "";
  let appUrl = "";
  let server: RunningServer | undefined;

  beforeAll(async () => {
    const url = base!;
    admin = postgres(adminUrl(url), { max: 1, onnotice: () => {} });
    ownerUrl = asRole(url, owner, db);
    appUrl = asRole(url, app, db);
    await admin.unsafe(`CREATE ROLE ${owner} LOGIN`);
    await admin.unsafe(`CREATE ROLE ${app} LOGIN`);
    await admin.unsafe(`CREATE DATABASE ${db} OWNER ${owner}`);
    await admin.unsafe(`GRANT CONNECT ON DATABASE ${db} TO ${app}`);
    const asOwner = postgres(ownerUrl, { max: 1, onnotice: () => {} });
    try {
      for (const q of runtimeRoleSql(owner, app)) await asOwner.unsafe(q);
    } finally {
      await asOwner.end();
    }
  });

  afterAll(async () => {
    await server?.stop();
    await admin.unsafe(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
    await admin.unsafe(`DROP ROLE IF EXISTS ${app}`);
    await admin.unsafe(`DROP ROLE IF EXISTS ${owner}`);
    await admin.end();
  });

  // First, as an installation that ran with one role: the owner migrates and runs, secrets in clear.
  it("with the owner's URL alone, says the owner can disable it, and warns what running without a key exposes", async () => {
    server = await startServer({ DATABASE_URL: ownerUrl, GATEHOUSE_LOG_LEVEL: "warn" });
    const health = (await (await fetch(`${server.url}/api/health`)).json()) as Record<string, unknown>;
    expect(health.auditProtection).toBe("owner-can-disable");
    expect(server.output()).toContain("GATEHOUSE_SECRET_KEY is not set");
    expect(server.output()).toContain("test guessed secrets offline");
    await server.stop();
    server = undefined;
  });
  // Then split: the same database, the owner migrating and the runtime role running (its secrets now sealed).
  it("migrates as the owner, runs as the runtime role, and reports the protection as enforced", async () => {
    const env = {
      DATABASE_URL: appUrl,
      GATEHOUSE_MIGRATION_DATABASE_URL: ownerUrl,
      GATEHOUSE_SECRET_KEY: "a-long-instance-key-for-the-roles-test",
    };
    server = await startServer(env);
    const health = (await (await fetch(`${server.url}/api/health`)).json()) as Record<string, unknown>;
    expect(health).toMatchObject({ status: "ok", database: "postgres", auditProtection: "enforced" });
    expect(server.output()).not.toContain("GATEHOUSE_SECRET_KEY is not set");
    // The app works as the runtime role: a change and its audit event are written.
    const made = await cli(["team", "create", "roles-team"], env);
    expect(made.code, made.stderr).toBe(0);
    const migrate = await cli(["migrate"], { DATABASE_URL: appUrl, GATEHOUSE_SECRET_KEY: env.GATEHOUSE_SECRET_KEY });
    expect(migrate.code, migrate.stderr).toBe(0);
    expect(migrate.stdout).toContain("up to date");

    const asApp = postgres(appUrl, { max: 1, onnotice: () => {} });
    try {
      const count = async () =>
        (await asApp<{ n: number }[]>`select count(*)::int as n from audit_events where action = 'team.create'`)[0]!.n;
      expect(await count()).toBe(1);
      for (const table of ["audit_events", "gate_decisions", "deployments"]) {
        await expect(asApp.unsafe(`ALTER TABLE ${table} DISABLE TRIGGER USER`), table).rejects.toThrow(/must be owner/);
        await expect(asApp.unsafe(`TRUNCATE ${table}`), table).rejects.toThrow(/permission denied/);
        await expect(asApp.unsafe(`ALTER TABLE ${table} ADD COLUMN x int`), table).rejects.toThrow(/must be owner/);
      }
      await expect(asApp.unsafe(`DELETE FROM audit_events`)).rejects.toThrow(/append-only/);
      await expect(asApp.unsafe(`UPDATE audit_events SET action = 'x'`)).rejects.toThrow(/append-only/);
      await expect(asApp.unsafe(`SET session_replication_role = replica`)).rejects.toThrow(/permission denied/);
      expect(await count()).toBe(1);
    } finally {
      await asApp.end();
    }
    await server.stop();
    server = undefined;
  });
});
