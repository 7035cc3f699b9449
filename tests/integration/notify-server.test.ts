// The real server, end to end over HTTP: an allowed artifact deployed to production, a critical uploaded for it,
// the stage out of policy at GET /stages within one re-check, and a signed stage.out_of_policy webhook at a real
// receiver. Then two servers on one PostgreSQL: each event delivered once per subscription, and nothing lost
// when one of them is killed while deliveries wait for a receiver that is down.
import { randomBytes } from "node:crypto";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generic, sha } from "@/tests/helpers/fixtures";
import { adminUrl, dropDatabase, withDatabase } from "@/tests/helpers/postgres";
import { startReceiver, verifyStandardWebhook, type Receiver } from "@/tests/helpers/receiver";
import { cli, startServer, tempDir, type RunningServer } from "@/tests/helpers/server";

const ARTIFACT = `sha256:${"e".repeat(64)}`;
const started: RunningServer[] = [];
let receiver: Receiver;

beforeAll(async () => {
  receiver = await startReceiver();
});
afterAll(async () => {
  await Promise.all(started.map((s) => s.stop()));
  await receiver.close();
});

async function serve(env: Record<string, string | undefined>) {
  const s = await startServer({ GATEHOUSE_WEBHOOK_ALLOW_HOSTS: "127.0.0.1", GATEHOUSE_RECHECK_INTERVAL_S: "5", ...env });
  started.push(s);
  return s;
}

const waitFor = async <T>(what: string, fn: () => Promise<T | undefined>, ms = 30_000): Promise<T> => {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
};

/** Team, service, a pipeline token and a production policy that blocks criticals, through the operator CLI. */
async function setUp(env: Record<string, string>, team: string) {
  expect((await cli(["team", "create", team], env)).code).toBe(0);
  expect((await cli(["service", "create", "shop", "--team", team], env)).code).toBe(0);
  const tok = await cli(
    ["token", "create", "--team", team, "--scopes", "scans:write,gate:evaluate,deployments:write,notifications:write,read"],
    env,
  );
  expect(tok.code, tok.stderr).toBe(0);
  const token = tok.stdout.trim().split("\n").pop()!;
  const policyFile = `${tempDir()}/production.json`;
  const { writeFileSync } = await import("node:fs");
  writeFileSync(policyFile, JSON.stringify({ rules: { maxFindings: [{ severity: "critical", max: 0, mode: "fail" }] } }));
  expect((await cli(["policy", "set", "production", "--file", policyFile, "--comment", "criticals block"], env)).code).toBe(0);
  return token;
}

const api = (base: string, token: string) => async (method: string, path: string, body?: string) => {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { "content-type": "application/json" } : {}) },
    body,
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
};

const critical = generic(
  "trivy",
  [
    {
      kind: "dependency",
      ruleId: "CVE-2026-7777",
      title: "RCE in libfoo",
      severity: "critical",
      vulnerabilityId: "CVE-2026-7777",
      package: { ecosystem: "deb", name: "libfoo", version: "1.0", fixedVersions: ["1.1"] },
    },
  ],
  { evidence: ["container"] },
);

describe("one server, end to end", () => {
  it("turns production out of policy within one re-check of a critical uploaded for the deployed artifact, and a signed webhook says so", async () => {
    const env = { GATEHOUSE_DATA_DIR: `${tempDir()}/data` };
    const server = await serve(env);
    const token = await setUp(env, "payments");
    const added = await cli(
      ["notify", "add", "--team", "payments", "--event", "stage.out_of_policy", "--webhook", receiver.url("/e2e")],
      env,
    );
    expect(added.code, added.stderr).toBe(0);
    const secret = added.stdout.trim().split("\n").pop()!;
    expect(secret).toMatch(/^whsec_/);

    const call = api(server.url, token);
    const commit = sha("e2e");
    const scan = (body: string) =>
      call("POST", `/api/v1/scans?service=shop&commit=${commit}&artifact=${encodeURIComponent(ARTIFACT)}`, body);
    expect((await scan(generic("trivy", [], { evidence: ["container"] }))).status).toBe(201);
    const gate = await call(
      "POST",
      "/api/v1/gate",
      JSON.stringify({ service: "shop", stage: "production", commit, artifact: ARTIFACT }),
    );
    expect(gate.json.decision).toBe("allow");
    const dep = await call(
      "POST",
      "/api/v1/deployments",
      JSON.stringify({ service: "shop", stage: "production", commit, artifact: ARTIFACT }),
    );
    expect(dep.json.bypass).toBe(false);
    const production = async () =>
      (
        (await call("GET", "/api/v1/services/shop/stages")).json.stages as {
          stage: string;
          status: string;
          failingChecks: { id: string; remediation: string }[];
        }[]
      ).find((s) => s.stage === "production")!;
    expect((await production()).status).toBe("in_policy");

    expect((await scan(critical)).status).toBe(201);
    const out = await waitFor("production out of policy", async () => {
      const p = await production();
      return p.status === "out_of_policy" ? p : undefined;
    });
    expect(out.failingChecks).toEqual([
      expect.objectContaining({ id: "max-findings:critical", remediation: expect.stringContaining("libfoo") }),
    ]);
    const got = await waitFor("the webhook", async () => receiver.received.find((r) => r.path === "/e2e"));
    expect(verifyStandardWebhook(secret, got)).toBe(true);
    expect(JSON.parse(got.body)).toMatchObject({
      type: "stage.out_of_policy",
      data: { stage: "production", service: { slug: "shop" } },
    });
    const ts = Number(got.headers["webhook-timestamp"]);
    expect(Math.abs(ts - Date.now() / 1000)).toBeLessThan(60);
  });
});

describe.runIf(process.env.DATABASE_URL)("two servers on one PostgreSQL", () => {
  const url = process.env.DATABASE_URL!;
  const name = `gatehouse_notify_${randomBytes(4).toString("hex")}`;
  afterAll(async () => {
    await Promise.all(started.splice(0).map((s) => s.stop()));
    await dropDatabase(url, name);
  });

  it("delivers each event once per subscription, and loses none when one server is killed", async () => {
    const admin = postgres(adminUrl(url), { max: 1, onnotice: () => {} });
    await admin.unsafe(`create database ${name}`);
    await admin.end();
    const env = { DATABASE_URL: withDatabase(url, name), GATEHOUSE_WEBHOOK_ALLOW_HOSTS: "127.0.0.1" };
    const [a, b] = await Promise.all([serve(env), serve(env)]);
    const token = await setUp(env, "checkout");
    for (const path of ["/two-a", "/two-b"]) {
      const r = await cli(
        ["notify", "add", "--team", "checkout", "--event", "gate.blocked,stage.out_of_policy", "--webhook", receiver.url(path)],
        env,
      );
      expect(r.code, r.stderr).toBe(0);
    }
    const listed = JSON.parse((await cli(["notify", "list", "--json"], env)).stdout) as unknown[];
    expect(listed).toHaveLength(2);

    // Ten blocks, asked of both servers in turn, and a deployed artifact turning out of policy.
    const calls = [api(a.url, token), api(b.url, token)];
    for (let i = 0; i < 10; i++) {
      const commit = sha(`two-${i}`);
      const call = calls[i % 2]!;
      await call("POST", `/api/v1/scans?service=shop&commit=${commit}`, critical);
      expect(
        (await call("POST", "/api/v1/gate", JSON.stringify({ service: "shop", stage: "production", commit }))).json.decision,
      ).toBe("block");
    }
    const commit = sha("two-deployed");
    await calls[0]!(
      "POST",
      `/api/v1/scans?service=shop&commit=${commit}&artifact=${encodeURIComponent(ARTIFACT)}`,
      generic("trivy", [], { evidence: ["container"] }),
    );
    await calls[1]!("POST", "/api/v1/gate", JSON.stringify({ service: "shop", stage: "production", commit, artifact: ARTIFACT }));
    await calls[0]!(
      "POST",
      "/api/v1/deployments",
      JSON.stringify({ service: "shop", stage: "production", commit, artifact: ARTIFACT }),
    );
    await calls[1]!("POST", `/api/v1/scans?service=shop&commit=${commit}&artifact=${encodeURIComponent(ARTIFACT)}`, critical);

    const expected = 2 * 11;
    const arrived = (path: string) => receiver.received.filter((r) => r.path === path);
    await waitFor(
      "every delivery",
      async () => (arrived("/two-a").length + arrived("/two-b").length >= expected ? true : undefined),
      60_000,
    );
    await new Promise((r) => setTimeout(r, 3_000));
    for (const path of ["/two-a", "/two-b"]) {
      const got = arrived(path);
      const ids = got.map((r) => r.headers["webhook-id"]);
      expect(ids, `${path}: each webhook-id once`).toHaveLength(new Set(ids).size);
      expect(got.map((r) => JSON.parse(r.body).type).sort()).toEqual(
        [...Array(10).fill("gate.blocked"), "stage.out_of_policy"].sort(),
      );
    }
    const db = postgres(env.DATABASE_URL, { max: 1, onnotice: () => {} });
    try {
      const [rechecks] = await db`select count(*)::int as n from gate_decisions where kind = 'recheck' and decision = 'block'`;
      expect(rechecks!.n).toBe(1);

      // The receiver goes down; five more events wait; one server is killed; the other delivers them all.
      receiver.answer(503);
      const before = receiver.received.length;
      for (let i = 0; i < 5; i++) {
        const c = sha(`kill-${i}`);
        await calls[0]!("POST", `/api/v1/scans?service=shop&commit=${c}`, critical);
        await calls[0]!("POST", "/api/v1/gate", JSON.stringify({ service: "shop", stage: "production", commit: c }));
      }
      await waitFor("first failed attempts", async () => {
        const [r] = await db`select count(*)::int as n from notification_deliveries where status = 'pending' and attempts >= 1`;
        return r!.n >= 10 ? true : undefined;
      });
      process.kill(-a.child.pid!, "SIGKILL");
      receiver.answer(200);
      await waitFor(
        "the survivor delivering what waited",
        async () => {
          const [r] = await db`select count(*)::int as n from notification_deliveries where status <> 'delivered'`;
          return r!.n === 0 ? true : undefined;
        },
        150_000,
      );
      // The same webhook-id on the refused attempt and on the one that arrived.
      const late = receiver.received.slice(before);
      const ids = new Map<string, number>();
      for (const r of late) ids.set(String(r.headers["webhook-id"]), (ids.get(String(r.headers["webhook-id"])) ?? 0) + 1);
      expect(ids.size).toBe(10);
      expect([...ids.values()].every((n) => n >= 2)).toBe(true);
      const [all] = await db`select count(*)::int as n from notification_deliveries where status = 'delivered'`;
      expect(all!.n).toBe(expected + 10);
    } finally {
      await db.end();
    }
  });
});
