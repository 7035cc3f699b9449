// Hardening that only the real server shows: the embedded database's directory is owner-only (fresh and repaired),
// its instance secrets are sealed with a key file, the admin endpoint answers a stranger exactly as an unknown path
// does, malformed paths are the client's 400 and never a 500, and request bodies reach their routes whole up to their
// limit (a 40 MB raw report included) and are refused with 413 just past it.
import { chmodSync, lstatSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, queryRows } from "@/db/client";
import { sql } from "drizzle-orm";
import { cli, startServer, tempDir, type RunningServer } from "@/tests/helpers/server";

type Entry = { path: string; mode: number; dir: boolean };

function walk(root: string): Entry[] {
  const out: Entry[] = [];
  const visit = (p: string) => {
    const st = lstatSync(p);
    if (st.isSymbolicLink()) return;
    out.push({ path: p, mode: st.mode & 0o777, dir: st.isDirectory() });
    if (st.isDirectory()) for (const e of readdirSync(p)) visit(path.join(p, e));
  };
  visit(root);
  return out;
}

/** Every folder 0700 and every file 0600: the paths that are not, with their modes. */
const wrongModes = (root: string) =>
  walk(root)
    .filter((e) => e.mode !== (e.dir ? 0o700 : 0o600))
    .map((e) => `${e.mode.toString(8)} ${path.relative(root, e.path) || "."}`);

async function token(dataDir: string, team: string, scopes: string): Promise<string> {
  const t = await cli(["team", "create", team], { GATEHOUSE_DATA_DIR: dataDir });
  expect(t.code, t.stderr).toBe(0);
  const r = await cli(["token", "create", "--team", team, "--scopes", scopes], { GATEHOUSE_DATA_DIR: dataDir });
  expect(r.code, r.stderr).toBe(0);
  return r.stdout.trim().split("\n").at(-1)!;
}

const report = (findings: number, snippetChars = 0) =>
  JSON.stringify({
    gatehouse: "1",
    tool: { name: "big-linter", version: "1" },
    findings: Array.from({ length: findings }, (_, i) => ({
      kind: "code",
      ruleId: `rule-${i}`,
      title: `Finding ${i}`,
      severity: "low",
      location: { file: `src/f${i}.js`, startLine: 1, snippet: "x".repeat(snippetChars) },
    })),
  });

const commit = (n: number) => n.toString(16).padStart(40, "a");

describe("the embedded database's directory and secrets", () => {
  const dataDir = path.join(tempDir(), "data");
  let s: RunningServer | undefined;
  afterAll(async () => {
    await s?.stop();
  });

  it("creates the data directory owner-only, repairs an open one at start-up, and keeps secrets out of the database", async () => {
    s = await startServer({ GATEHOUSE_DATA_DIR: dataDir });
    const tok = await token(dataDir, "modes", "scans:write");
    const up = await fetch(`${s.url}/api/v1/scans?service=modes-a&commit=${commit(1)}`, {
      method: "POST",
      headers: { authorization: `Bearer ${tok}`, "content-type": "application/json" },
      body: report(3),
    });
    expect(up.status, await up.clone().text()).toBe(201);
    // Everything PGlite created on a fresh directory is owner-only already: the umask was set before it opened.
    expect(wrongModes(dataDir)).toEqual([]);
    const keyFile = path.join(dataDir, "instance.key");
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    await s.stop();
    s = undefined;

    // An older version left everything world-readable and writable.
    for (const e of walk(dataDir)) chmodSync(e.path, e.dir ? 0o777 : 0o666);
    expect(wrongModes(dataDir).length).toBeGreaterThan(100);
    s = await startServer({ GATEHOUSE_DATA_DIR: dataDir });
    expect(wrongModes(dataDir)).toEqual([]);
    const again = await fetch(`${s.url}/api/v1/scans?service=modes-a&commit=${commit(2)}`, {
      method: "POST",
      headers: { authorization: `Bearer ${tok}`, "content-type": "application/json" },
      body: report(4),
    });
    expect(again.status).toBe(201);
    expect(wrongModes(dataDir)).toEqual([]);
    await s.stop();
    s = undefined;

    // Neither the secret-hash key nor the session secret is in the database in clear, only sealed with the key file.
    const db = await openDatabase({ kind: "pglite", dataDir });
    try {
      const rows = await queryRows<{ key: string; value: string }>(
        db.db,
        sql`select key, value from instance_settings order by key`,
      );
      const keys = rows.map((r) => r.key);
      expect(keys).not.toContain("secret_salt");
      expect(keys).not.toContain("auth_secret");
      expect(keys).toContain("sealed:secret_salt");
      for (const r of rows.filter((x) => x.key.startsWith("sealed:"))) expect(r.value).toMatch(/^v1\.[A-Za-z0-9_-]+$/);
    } finally {
      await db.close();
    }
    expect(wrongModes(dataDir)).toEqual([]);
  });
});

describe("the front door of the real server", () => {
  const dataDir = path.join(tempDir(), "data");
  let s: RunningServer;
  let small: RunningServer;
  let tok = "";
  let smallTok = "";
  let smallOrgTok = "";

  beforeAll(async () => {
    const smallDir = path.join(tempDir(), "data");
    [s, small] = await Promise.all([
      startServer({ GATEHOUSE_DATA_DIR: dataDir }),
      startServer({ GATEHOUSE_DATA_DIR: smallDir, GATEHOUSE_MAX_UPLOAD_MB: "1" }),
    ]);
    [tok, smallTok] = await Promise.all([
      token(dataDir, "front", "scans:write,gate:evaluate,deployments:write,read"),
      token(smallDir, "small", "scans:write,gate:evaluate,deployments:write,waivers:write,read"),
    ]);
    // Stage policies are organisation-wide: an organisation token writes them.
    const org = await cli(["token", "create", "--org", "--scopes", "policies:write"], { GATEHOUSE_DATA_DIR: smallDir });
    expect(org.code, org.stderr).toBe(0);
    smallOrgTok = org.stdout.trim().split("\n").at(-1)!;
  });
  afterAll(async () => {
    await Promise.all([s?.stop(), small?.stop()]);
  });

  const shape = async (res: Response) => {
    const skip = new Set(["date", "x-request-id", "etag", "content-length", "keep-alive", "connection"]);
    const headers = [...res.headers.keys()].filter((k) => !skip.has(k)).sort();
    const csp = res.headers.get("content-security-policy") ?? "";
    const nonce = /'nonce-([^']+)'/.exec(csp)?.[1];
    let body = await res.text();
    if (nonce) body = body.split(nonce).join("NONCE");
    return {
      status: res.status,
      type: res.headers.get("content-type"),
      headers,
      csp: csp.replace(/'nonce-[^']+'/g, "'nonce'"),
      body,
    };
  };

  it("says honestly that the embedded database's owner could switch off the append-only protection", async () => {
    const health = (await (await fetch(`${s.url}/api/health`)).json()) as Record<string, unknown>;
    expect(health).toMatchObject({ status: "ok", database: "pglite", auditProtection: "owner-can-disable" });
  });

  it("answers the admin endpoint without its token exactly as an unknown path (the HTML 404 with CSP)", async () => {
    const unknown = await shape(await fetch(`${s.url}/api/internal/nothing-here`, { method: "POST", body: "{}" }));
    expect(unknown.status).toBe(404);
    expect(unknown.type).toMatch(/^text\/html/);
    expect(unknown.csp).toContain("default-src 'none'");
    for (const init of [
      { method: "POST", body: "{}" },
      { method: "POST", body: "{}", headers: { "x-gatehouse-admin-token": "not-the-token" } },
    ]) {
      const admin = await shape(await fetch(`${s.url}/api/internal/admin`, init));
      expect(admin).toEqual(unknown);
    }
    expect(await shape(await fetch(`${s.url}/api/internal/admin`))).toEqual(
      await shape(await fetch(`${s.url}/api/internal/nothing-here`)),
    );
  });

  it("answers a path that is not valid percent-encoded UTF-8 (or hides a NUL) with 400, never 500", async () => {
    for (const p of [
      "/findings/%ff%fe",
      "/api/v1/findings/%ff%fe",
      "/services/%E0%A4%A",
      "/api/v1/scans/%c0%af",
      "/findings/%00",
      "/api/v1/gate/decisions/%ed%a0%80",
    ]) {
      const res = await fetch(`${s.url}${p}`);
      expect(res.status, p).toBe(400);
      expect(res.headers.get("content-type")).toBe("application/problem+json");
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      expect(res.headers.get("content-security-policy")).toContain("default-src 'none'");
      expect(((await res.json()) as { type: string }).type).toBe("/problems/malformed-path");
    }
  });

  it("gives the upload route, which bypasses the proxy, the same API headers", async () => {
    const res = await fetch(`${s.url}/api/v1/scans?service=x`, { method: "POST" });
    expect(res.status).toBe(401);
    expect(res.headers.get("content-security-policy")).toBe(
      "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
    );
    expect(res.headers.get("x-frame-options")).toBe("DENY");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("cache-control")).toBe("no-store");
    // The scan read route still goes through the proxy.
    const read = await fetch(`${s.url}/api/v1/scans/scan_x`);
    expect(read.headers.get("content-security-policy")).toContain("default-src 'none'");
  });

  it("takes a 40 MB report sent raw, not gzipped, whole", async () => {
    const body = report(400, 100_000);
    expect(body.length).toBeGreaterThan(40_000_000);
    const res = await fetch(`${s.url}/api/v1/scans?service=front-big&commit=${commit(3)}`, {
      method: "POST",
      headers: { authorization: `Bearer ${tok}`, "content-type": "application/json" },
      body,
    });
    const answer = (await res.json()) as { statistics: { created: number } };
    expect(res.status, JSON.stringify(answer).slice(0, 500)).toBe(201);
    expect(answer.statistics.created).toBe(400);
  });

  it("reports a broken record deep in a 40 MB raw report where it is, and stores nothing of it", async () => {
    const good = report(400, 100_000);
    const body = good.replace('"ruleId":"rule-300",', '"ruleId":"rule-300",,');
    const offset = body.indexOf('"rule-300",,') + '"rule-300",'.length;
    const res = await fetch(`${s.url}/api/v1/scans?service=front-broken&commit=${commit(5)}`, {
      method: "POST",
      headers: { authorization: `Bearer ${tok}`, "content-type": "application/json" },
      body,
    });
    const problem = (await res.json()) as { type: string; detail: string; line: number; column: number };
    expect(res.status).toBe(400);
    expect(problem.type).toBe("/problems/malformed-report");
    expect(problem.detail).toBe(`Malformed JSON: unexpected "," (line 1, column ${offset + 1})`);
    expect([problem.line, problem.column]).toEqual([1, offset + 1]);
    // Refused before anything was written: not even the service the upload would have registered.
    const svc = await fetch(`${s.url}/api/v1/services/front-broken`, { headers: { authorization: `Bearer ${tok}` } });
    expect(svc.status).toBe(404);
  });

  /** A body sent in chunks, without Content-Length, as a streaming client does. */
  const chunked = (text: string) => {
    const bytes = new TextEncoder().encode(text);
    return new ReadableStream<Uint8Array>({
      start(c) {
        for (let i = 0; i < bytes.length; i += 64 * 1024) c.enqueue(bytes.subarray(i, i + 64 * 1024));
        c.close();
      },
    });
  };

  it("refuses a body just over its limit with 413 problem+json on every route that takes one, streamed or not", async () => {
    const mb = 1024 * 1024;
    const overUpload = report(10, 0) + " ".repeat(mb + 1 - report(10, 0).length);
    const overJson = JSON.stringify({ pad: "x".repeat(256 * 1024) });
    const auth = { authorization: `Bearer ${smallTok}` };
    const routes: [string, string, string, string][] = [
      ["POST", `/api/v1/scans?service=small-a&commit=${commit(4)}`, overUpload, "application/json"],
      ["POST", "/api/v1/gate", overJson, "application/json"],
      ["POST", "/api/v1/deployments", overJson, "application/json"],
      ["POST", "/api/v1/waivers", overJson, "application/json"],
      ["PUT", "/api/v1/policies/test", overJson, "application/json"],
    ];
    for (const [method, p, body, type] of routes) {
      for (const stream of [false, true]) {
        const res = await fetch(`${small.url}${p}`, {
          method,
          headers: {
            ...(p.startsWith("/api/v1/policies") ? { authorization: `Bearer ${smallOrgTok}` } : auth),
            "content-type": type,
          },
          body: stream ? chunked(body) : body,
          ...(stream ? { duplex: "half" } : {}),
        } as RequestInit);
        const what = `${method} ${p} ${stream ? "chunked" : "with length"}`;
        expect(res.status, `${what}: ${await res.clone().text()}`).toBe(413);
        expect(res.headers.get("content-type"), what).toBe("application/problem+json");
        expect(((await res.json()) as { type: string }).type, what).toBe("/problems/payload-too-large");
      }
    }
    // Just under the limit is taken.
    const under = report(10, 0);
    const ok = await fetch(`${small.url}/api/v1/scans?service=small-a&commit=${commit(5)}`, {
      method: "POST",
      headers: { ...auth, "content-type": "application/json" },
      body: under + " ".repeat(mb - under.length),
    });
    expect(ok.status, await ok.clone().text()).toBe(201);
  });
});
