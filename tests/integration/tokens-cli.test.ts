// Tokens and the audit trail as operators and pipelines meet them: the real CLI and the real server.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyDelivery } from "@/server/audit/webhook-signature";
import { cli, startServer, tempDir, type RunningServer } from "@/tests/helpers/server";
import { fetchChecked } from "@/tests/helpers/contract";

let server: RunningServer;
// A SIEM that checks each delivery's signature and keeps the actions it received.
const WEBHOOK_SECRET = "siem-shared-secret-0123456789abcdef";
const siemEvents: { action: string; after: { slug?: string } | null }[] = [];
let siem: Server;
const dataDir = path.join(tempDir(), "data");
const env = { GATEHOUSE_DATA_DIR: dataDir };
const started = new Date(Date.now() - 1000).toISOString();

async function ok(args: string[]): Promise<string[]> {
  const r = await cli(args, env);
  expect(r.code, `${args.join(" ")}: ${r.stderr}`).toBe(0);
  return r.stdout.trimEnd().split("\n");
}

const policy = (token: string) =>
  fetchChecked(`${server.url}/api/v1/policies/production`, { headers: { authorization: `Bearer ${token}` } });

const idOf = (line: string) => /\b(tok_[0-9a-z]{26})\b/.exec(line)?.[1];

// A start may wait for a build (one at a time), so it gets a generous deadline.
beforeAll(async () => {
  siem = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString("utf8")));
    req.on("end", () => {
      const headers = {
        signature: req.headers["x-gatehouse-signature"] as string,
        timestamp: req.headers["x-gatehouse-timestamp"] as string,
      };
      if (!verifyDelivery(WEBHOOK_SECRET, headers, body, Math.floor(Date.now() / 1000))) return res.writeHead(401).end();
      siemEvents.push(...(JSON.parse(body) as { events: typeof siemEvents }).events);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => siem.listen(0, "127.0.0.1", r));
  server = await startServer(
    {
      ...env,
      GATEHOUSE_API_RATE_PER_MINUTE: "5",
      GATEHOUSE_AUDIT_WEBHOOK_URL: `http://127.0.0.1:${(siem.address() as AddressInfo).port}/gatehouse`,
      GATEHOUSE_AUDIT_WEBHOOK_SECRET: WEBHOOK_SECRET,
      GATEHOUSE_AUDIT_WEBHOOK_INTERVAL_S: "1",
    },
    600_000,
  );
  await ok(["team", "create", "payments"]);
}, 700_000);

afterAll(async () => {
  await server?.stop();
  siem?.close();
});

describe("gatehouse token list | rotate | revoke", () => {
  let first: { id: string; token: string };

  it("lists tokens without their secrets", async () => {
    const out = await ok(["token", "create", "--team", "payments", "--scopes", "read", "--name", "reader"]);
    first = { id: idOf(out[0]!)!, token: out.at(-1)! };
    expect(first.id).toBeDefined();
    const table = (await ok(["token", "list", "--team", "payments"])).join("\n");
    expect(table).toContain(first.id);
    expect(table).toContain(`${first.token.slice(0, 10)}…`);
    expect(table).not.toContain(first.token);
    const json = JSON.parse((await ok(["token", "list", "--json"]))[0]!) as Record<string, unknown>[];
    const row = json.find((r) => r.id === first.id)!;
    expect(row).toMatchObject({ team: "payments", scopes: ["read"], status: "active", name: "reader" });
    expect(row).not.toHaveProperty("hash");
  });

  it("rotates: prints the new token alone on the last line; the old one works through the grace period", async () => {
    expect((await policy(first.token)).status).toBe(200);
    const out = await ok(["token", "rotate", first.id, "--grace-hours", "2"]);
    const fresh = out.at(-1)!;
    expect(fresh).toMatch(/^gth_[0-9A-Za-z]{36}$/);
    expect(out[0]).toContain(first.id);
    expect((await policy(fresh)).status).toBe(200);
    expect((await policy(first.token)).status).toBe(200);

    // With no grace, the old token stops at once.
    const again = await ok(["token", "rotate", idOf(out[1]!)!, "--grace-hours", "0"]);
    expect((await policy(fresh)).status).toBe(401);
    const newest = again.at(-1)!;
    expect((await policy(newest)).status).toBe(200);

    const listed = JSON.parse((await ok(["token", "list", "--team", "payments", "--json"]))[0]!) as {
      id: string;
      status: string;
    }[];
    expect(listed.find((r) => r.id === first.id)!.status).toBe("grace");

    const revokeId = idOf(again[1]!)!;
    expect((await ok(["token", "revoke", revokeId]))[0]).toBe(`Revoked token ${revokeId} (reader).`);
    const res = await policy(newest);
    expect(res.status).toBe(401);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
  });

  it("refuses bad input with exit code 2 and unknown tokens with exit code 1", async () => {
    expect((await cli(["token", "rotate", first.id, "--grace-hours", "1000"], env)).code).toBe(2);
    expect((await cli(["token", "revoke", "nope"], env)).code).toBe(2);
    const missing = await cli(["token", "revoke", "tok_00000000000000000000000000"], env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("was not found");
  });
});

describe("API rate limit on the real server", () => {
  it("answers 429 with Retry-After in seconds past GATEHOUSE_API_RATE_PER_MINUTE", async () => {
    const token = (await ok(["token", "create", "--team", "payments", "--scopes", "read"])).at(-1)!;
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await policy(token)).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200]);
    const res = await policy(token);
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).toMatch(/^([1-9]|[1-5]\d|60)$/);
  });
});

describe("the audit trail", () => {
  it("gatehouse audit export writes NDJSON, oldest first, with the token changes and denials and no secrets", async () => {
    const lines = await ok(["audit", "export", "--since", started]);
    const events = lines.map((l) => JSON.parse(l) as { at: string; action: string; actorType: string; after: unknown });
    const actions = events.map((e) => e.action);
    for (const a of ["team.create", "token.create", "token.rotate", "token.revoke", "access.denied"])
      expect(actions).toContain(a);
    expect([...events].sort((a, b) => a.at.localeCompare(b.at))).toEqual(events);
    expect(lines.join("\n")).not.toMatch(/gth_[0-9A-Za-z]{36}|"hash"/);
    const denial = events.find((e) => e.action === "access.denied")!;
    expect(denial).toMatchObject({
      actorType: "token",
      after: { action: "GET /api/v1/policies/production", reason: "unauthorized" },
    });

    expect((await cli(["audit", "export", "--since", "yesterday"], env)).code).toBe(2);
    const none = await cli(["audit", "export", "--since", "2999-01-01T00:00:00Z"], env);
    expect(none.code).toBe(0);
    expect(none.stdout.trim()).toBe("");
  });

  it("GET /api/v1/audit answers 401 without a session, a token not being enough", async () => {
    const anonymous = await fetchChecked(`${server.url}/api/v1/audit`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get("content-type")).toBe("application/problem+json");
    const token = (await ok(["token", "create", "--team", "payments", "--scopes", "read"])).at(-1)!;
    const withToken = await fetchChecked(`${server.url}/api/v1/audit`, { headers: { authorization: `Bearer ${token}` } });
    expect(withToken.status).toBe(401);
    const body = await withToken.text();
    expect(body).not.toMatch(/\n\s+at |select |node_modules/);
  });
});

describe("the SIEM webhook", () => {
  it("receives the server's audit events, signed, within seconds", async () => {
    await ok(["team", "create", "webhook-check"]);
    const created = () => siemEvents.find((e) => e.action === "team.create" && e.after?.slug === "webhook-check");
    const deadline = Date.now() + 30_000;
    while (!created() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
    expect(created()).toBeDefined();
  });
});
