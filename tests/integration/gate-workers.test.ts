// The gate served by worker threads (server/workers/gate-workers.ts) on the real server and PostgreSQL: workers start
// when gates arrive together, the main thread (before) and the worker (after) answer alike, a revoked token is refused through the
// worker within the token memory's bound, and a body that is not handed over (chunked, or over the limit) is still
// answered as the route answers it.
import { randomBytes } from "node:crypto";
import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import postgres from "postgres";
import { codeFinding, dependencyFinding, generic, sha } from "@/tests/helpers/fixtures";
import { adminUrl, withDatabase } from "@/tests/helpers/postgres";
import { cli, startServer, type RunningServer } from "@/tests/helpers/server";

const base = process.env.DATABASE_URL;

type LogLine = { msg?: string; path?: string; status?: number; worker?: number; reqId?: string };
const logLines = (out: string): LogLine[] =>
  out
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as LogLine);

// Declared without PostgreSQL too, so that `npm test` without DATABASE_URL reports it as skipped.
describe.runIf(base)("the gate on worker threads [postgres]", () => {
  const db = `gh_workers_${randomBytes(4).toString("hex")}`;
  let admin: postgres.Sql;
  let server: RunningServer;
  let env: Record<string, string>;
  let token = "";
  const commit = sha("workers-1");

  const gate = async (bearer = token, extra: Record<string, string> = {}) => {
    const res = await fetch(`${server.url}/api/v1/gate`, {
      method: "POST",
      headers: { authorization: `Bearer ${bearer}`, "content-type": "application/json", ...extra },
      body: JSON.stringify({ service: "api", stage: "test", commit }),
    });
    return { status: res.status, id: res.headers.get("x-request-id")!, body: (await res.json()) as Record<string, unknown> };
  };
  /** Which thread answered each request (0: the main thread), from the request log; its lines may trail the answers. */
  const servedBy = async (ids: string[]) => {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const lines = logLines(server.output()).filter((l) => l.msg === "request" && l.reqId && ids.includes(l.reqId));
      if (lines.length >= ids.length || Date.now() > deadline) return lines.map((l) => l.worker ?? 0);
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  beforeAll(async () => {
    admin = postgres(adminUrl(base!), { max: 1, onnotice: () => {} });
    await admin.unsafe(`CREATE DATABASE ${db}`);
    env = { DATABASE_URL: withDatabase(base!, db), GATEHOUSE_GATE_WORKERS: "1", GATEHOUSE_LOG_LEVEL: "info" };
    server = await startServer(env);
    const last = async (args: string[]) => (await cli(args, env)).stdout.trim().split("\n").at(-1)!;
    await last(["team", "create", "shop"]);
    await last(["service", "create", "api", "--team", "shop"]);
    token = await last(["token", "create", "--team", "shop", "--scopes", "scans:write,gate:evaluate"]);
    const reports = [
      generic("trivy", [dependencyFinding("CVE-2021-23337", "critical")], { evidence: ["sca"] }),
      generic("semgrep", [codeFinding("js/xss", "medium")], { evidence: ["sast"] }),
      generic("gitleaks", [], { evidence: ["secrets"] }),
    ];
    for (const body of reports) {
      const r = await fetch(`${server.url}/api/v1/scans?service=api&commit=${commit}`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}` },
        body,
      });
      expect(r.status, await r.clone().text()).toBe(201);
    }
  }, 240_000);

  afterAll(async () => {
    await server?.stop();
    await admin.unsafe(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
    await admin.end();
  });

  it("starts its worker when gates arrive together; the worker and the main thread answer alike", async () => {
    // One gate at a time is answered by the main thread, and starts nothing.
    const alone = await gate();
    expect(alone.status).toBe(200);
    expect(await servedBy([alone.id])).toEqual([0]);
    expect(logLines(server.output()).some((l) => l.msg === "gate worker ready")).toBe(false);

    // Gates together start the worker (answered meanwhile by the main thread).
    const burst = await Promise.all(Array.from({ length: 6 }, () => gate()));
    expect(burst.map((r) => r.status)).toEqual(Array(6).fill(200));
    const deadline = Date.now() + 60_000;
    while (!logLines(server.output()).some((l) => l.msg === "gate worker ready")) {
      if (Date.now() > deadline) throw new Error(`no gate worker started:\n${server.output()}`);
      await new Promise((r) => setTimeout(r, 100));
    }

    // Now the worker answers every gate; the main thread only carries the connections.
    const answers = await Promise.all(Array.from({ length: 8 }, () => gate()));
    expect(answers.map((r) => r.status)).toEqual(Array(8).fill(200));
    expect(await servedBy(answers.map((a) => a.id))).toEqual(Array(8).fill(1));
    const verdict = (b: Record<string, unknown>) => ({ decision: b.decision, checks: b.checks, evidence: b.evidence });
    for (const a of answers) expect(verdict(a.body)).toEqual(verdict(alone.body));
    expect(alone.body.decision).toBe("block");
    // Every answer is its own recorded decision.
    expect(new Set(answers.map((a) => a.body.decisionId)).size).toBe(8);
  }, 120_000);

  it("answers a gzipped answer, and refuses what the route refuses, whichever thread answers", async () => {
    const zipped = await Promise.all(Array.from({ length: 4 }, () => gate(token, { "accept-encoding": "gzip" })));
    for (const z of zipped) expect(z.body.decision).toBe("block");
    const bad = await Promise.all(Array.from({ length: 4 }, () => gate("gh_not_a_token")));
    expect(bad.map((b) => b.status)).toEqual([401, 401, 401, 401]);
    expect(bad[0]!.body).toMatchObject({ status: 401 });
    // A chunked body is read by the route on the main thread, as before.
    const chunked = await new Promise<{ status: number; body: Record<string, unknown> }>((resolve, reject) => {
      const req = request(`${server.url}/api/v1/gate`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json", "transfer-encoding": "chunked" },
      });
      req.on("response", (res) => {
        let text = "";
        res.on("data", (d: Buffer) => (text += d.toString()));
        res.on("end", () => resolve({ status: res.statusCode!, body: JSON.parse(text) as Record<string, unknown> }));
      });
      req.on("error", reject);
      req.write(JSON.stringify({ service: "api", stage: "test" }).slice(0, -1));
      req.end(`, "commit": "${commit}"}`);
    });
    expect(chunked.status).toBe(200);
    expect(chunked.body.decision).toBe("block");
    // Over the JSON limit (256 KiB): the route refuses it, 413.
    const big = await fetch(`${server.url}/api/v1/gate`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ service: "api", stage: "test", commit, pad: "x".repeat(300 * 1024) }),
    });
    expect(big.status).toBe(413);
  }, 60_000);

  it("refuses a revoked token through the worker too, within the token memory's two seconds", async () => {
    const other = (await cli(["token", "create", "--team", "shop", "--scopes", "gate:evaluate"], env)).stdout
      .trim()
      .split("\n")
      .at(-1)!;
    const before = await Promise.all(Array.from({ length: 4 }, () => gate(other)));
    expect(before.map((b) => b.status)).toEqual([200, 200, 200, 200]);
    const listed = (await cli(["token", "list", "--team", "shop", "--json"], env)).stdout;
    const tokens = JSON.parse(listed) as { id: string; scopes: string[] }[];
    const id = tokens.find((t) => t.scopes.length === 1 && t.scopes[0] === "gate:evaluate")!.id;
    const revoked = await cli(["token", "revoke", id], env);
    expect(revoked.code, revoked.stderr).toBe(0);
    await new Promise((r) => setTimeout(r, 2_500));
    const after = await Promise.all(Array.from({ length: 6 }, () => gate(other)));
    expect(after.map((b) => b.status)).toEqual(Array(6).fill(401));
    expect(await servedBy(after.map((a) => a.id))).toContain(1);
  }, 60_000);
});
