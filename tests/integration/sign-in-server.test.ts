// Sign-in on the real server, as an attacker and a person see it: five wrong passwords for an account from one address
// do not stop the right password from another; the address is the socket's unless a trusted proxy forwards it
// (GATEHOUSE_TRUSTED_PROXIES); a refused cross-site mutation of a signed-in person is audited; common passwords and
// passwords with the email's name are refused by the forms with a clear message.
import path from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Jar, signInWithPassword, submitForm } from "@/tests/helpers/forms";
import { cli, startServer, tempDir, type RunningServer } from "@/tests/helpers/server";

const ADMIN = "olivia.admin@example.com";
const PASSWORD = "correct horse battery staple";
const ATTACKER = "203.0.113.5";
const PERSON = "198.51.100.7";

type Line = { action: string; actorLabel: string | null; ip: string | null; after: Record<string, unknown> | null };

async function auditLines(dataDir: string): Promise<Line[]> {
  const r = await cli(["audit", "export"], { GATEHOUSE_DATA_DIR: dataDir });
  expect(r.code, r.stderr).toBe(0);
  return r.stdout
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as Line);
}

/** The first admin, through the setup form: a weak password first (refused, with the reason on the form), then a good one. */
async function firstAdmin(s: RunningServer): Promise<string[]> {
  const link = /http:\/\/localhost:\d+\/setup\?token=gsl_[A-Za-z0-9_-]{43}/.exec(s.output())![0];
  const refusals: string[] = [];
  for (const weak of ["qwerty123456789", "olivia.admin is me"]) {
    const res = await submitForm(link, { email: ADMIN, name: "Olivia", password: weak, confirm: weak }, new Jar());
    expect(res.status).toBe(200);
    const html = await res.text();
    const m = /The password (is on a list of commonly used passwords|must not contain your email address(?:&#x27;|')s name)/.exec(
      html,
    );
    expect(m, `no refusal for ${weak}`).not.toBeNull();
    refusals.push(m![1]!);
  }
  const ok = await submitForm(link, { email: ADMIN, name: "Olivia", password: PASSWORD, confirm: PASSWORD }, new Jar());
  expect(ok.status).toBe(303);
  return refusals;
}

const code = (res: Response) => /[?&]code=([a-z_0-9]+)/.exec(res.headers.get("location") ?? "")?.[1];

describe("sign-in behind a trusted proxy", () => {
  const dataDir = path.join(tempDir(), "data");
  let s: RunningServer;
  beforeAll(async () => {
    s = await startServer({ GATEHOUSE_DATA_DIR: dataDir, GATEHOUSE_TRUSTED_PROXIES: "127.0.0.1/32, ::1/128" });
  });
  afterAll(async () => {
    await s?.stop();
  });

  it("refuses a common password and one with the email's name on the setup form, saying why", async () => {
    expect(await firstAdmin(s)).toEqual(["is on a list of commonly used passwords", expect.stringContaining("must not contain")]);
  });

  it("locks an account out of one address only: the right password from another address signs in", async () => {
    const from = (ip: string) => ({ "x-forwarded-for": `${ip}, 127.0.0.1` });
    for (let i = 0; i < 5; i++) {
      const { res } = await signInWithPassword(s.url, ADMIN, "guessing wrongly", from(ATTACKER));
      expect(code(res)).toBe("invalid");
    }
    expect(code((await signInWithPassword(s.url, ADMIN, "guessing wrongly", from(ATTACKER))).res)).toMatch(/^rate_limited_\d+$/);
    expect(code((await signInWithPassword(s.url, ADMIN, PASSWORD, from(ATTACKER))).res)).toMatch(/^rate_limited_\d+$/);
    const person = await signInWithPassword(s.url, ADMIN, PASSWORD, from(PERSON));
    expect(person.res.headers.get("location")).toBe(`${s.url}/`);
    expect(person.jar.has("session-token")).toBe(true);

    const lines = await auditLines(dataDir);
    const failed = lines.filter((l) => l.action === "auth.sign_in_failed");
    expect(failed.map((l) => l.ip)).toEqual(Array(5).fill(ATTACKER));
    expect(lines.filter((l) => l.action === "auth.sign_in").at(-1)?.ip).toBe(PERSON);
    // The throttled attempts are not one row each (they are counted, and written once their window is over).
    expect(lines.filter((l) => l.ip === ATTACKER)).toHaveLength(5);
  });

  it("audits a refused cross-site mutation of a signed-in person (CSRF), and answers deep input with 400", async () => {
    const { jar } = await signInWithPassword(s.url, ADMIN, PASSWORD, { "x-forwarded-for": PERSON });
    const mutate = (headers: Record<string, string>, body: string) =>
      fetch(`${s.url}/api/trpc/tokens.create`, {
        method: "POST",
        headers: { cookie: jar.header(), "content-type": "application/json", "x-forwarded-for": PERSON, ...headers },
        body,
      });
    const body = JSON.stringify({ json: { team: "nope", scopes: ["read"] } });
    const refused = await mutate({ "sec-fetch-site": "cross-site", origin: "https://evil.example" }, body);
    expect(refused.status).toBe(403);
    const denial = (await auditLines(dataDir)).filter((l) => l.action === "access.denied").at(-1);
    expect(denial).toMatchObject({
      actorLabel: ADMIN,
      ip: PERSON,
      after: { action: "trpc tokens.create", reason: "cross-site-request" },
    });
    // Same origin: deep or NUL-laden input is the client's mistake, never a 500.
    const same = { "sec-fetch-site": "same-origin" };
    const deep = await mutate(same, `{"json":${"[".repeat(100_000)}1${"]".repeat(100_000)}}`);
    expect(deep.status).toBeGreaterThanOrEqual(400);
    expect(deep.status).toBeLessThan(500);
    const nul = await mutate(same, JSON.stringify({ json: { team: "a\u0000b", scopes: ["read"] } }));
    expect(nul.status).toBe(400);
  });

  it("takes the public host and scheme from a trusted proxy", async () => {
    const forwarded = { "x-forwarded-for": "192.0.2.44", "x-forwarded-host": "gatehouse.example", "x-forwarded-proto": "https" };
    const { res } = await signInWithPassword(s.url, ADMIN, PASSWORD, forwarded);
    expect(res.headers.get("location")).toBe("https://gatehouse.example/");
  });
});

describe("fuzzing the endpoints only a browser session reaches", () => {
  const dataDir = path.join(tempDir(), "data");
  let s: RunningServer;
  beforeAll(async () => {
    s = await startServer({ GATEHOUSE_DATA_DIR: dataDir });
    await firstAdmin(s);
  });
  afterAll(async () => {
    await s?.stop();
  });

  const hostile = fc.oneof(
    fc.constantFrom("\u0000", "a\u0000b", "\ud800", "%ff", "2026-13-45T99:00:00Z", "-1", "1e309", "x".repeat(5000), ""),
    fc.string({ unit: "binary", maxLength: 30 }),
  );

  it("never answers 5xx to the audit export or to a password sign-in, whatever they are sent (seeded, bounded)", async () => {
    const { jar } = await signInWithPassword(s.url, ADMIN, PASSWORD);
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(fc.constantFrom("since", "until", "limit", "cursor", "x"), hostile, { maxKeys: 3 }),
        async (q) => {
          const url = new URL(`${s.url}/api/v1/audit`);
          for (const [k, v] of Object.entries(q)) url.searchParams.set(k, v);
          const res = await fetch(url, { headers: { cookie: jar.header() } });
          await res.arrayBuffer();
          expect(res.status, url.search).toBeLessThan(500);
        },
      ),
      { seed: 20_261_106, numRuns: 30, endOnFailure: true },
    );
    await fc.assert(
      fc.asyncProperty(hostile, hostile, async (email, password) => {
        const { res } = await signInWithPassword(s.url, email, password);
        expect(res.status, JSON.stringify([email, password])).toBeLessThan(500);
      }),
      { seed: 20_261_106, numRuns: 25, endOnFailure: true },
    );
    expect(s.output()).not.toMatch(/\n\s+at /);
  });
});

describe("sign-in without a trusted proxy", () => {
  const dataDir = path.join(tempDir(), "data");
  let s: RunningServer;
  beforeAll(async () => {
    s = await startServer({ GATEHOUSE_DATA_DIR: dataDir, GATEHOUSE_TRUSTED_PROXIES: "10.0.0.0/8" });
    await firstAdmin(s);
  });
  afterAll(async () => {
    await s?.stop();
  });

  it("ignores X-Forwarded-For from a peer that is not a trusted proxy: the attempts all come from the socket", async () => {
    for (let i = 0; i < 5; i++) {
      const { res } = await signInWithPassword(s.url, ADMIN, "guessing wrongly", { "x-forwarded-for": ATTACKER });
      expect(code(res)).toBe("invalid");
    }
    // "Another address" is the same socket address: still refused for this account from here.
    const claimed = await signInWithPassword(s.url, ADMIN, PASSWORD, { "x-forwarded-for": PERSON });
    expect(code(claimed.res)).toMatch(/^rate_limited_\d+$/);
    const failed = (await auditLines(dataDir)).filter((l) => l.action === "auth.sign_in_failed");
    expect(new Set(failed.map((l) => l.ip))).toEqual(new Set(["127.0.0.1"]));
  });
});
