// Sign-in on the real server: the first-run setup link printed at start-up (used by a browser without
// JavaScript), Auth.js's endpoints (refusals with Retry-After, no stack trace in the logs), and a whole
// OIDC sign-in against a small in-process identity provider: verified emails of existing users only.
import { createSign, generateKeyPairSync, randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Jar, submitForm } from "@/tests/helpers/forms";
import { cli, freePort, startServer, tempDir, type RunningServer } from "@/tests/helpers/server";

const PASSWORD = "correct horse battery staple";
const CLIENT_ID = "gatehouse-test";

type Login = { sub: string; email: string; email_verified: boolean; name: string };

/** The smallest OpenID provider Auth.js accepts: discovery, authorize (consents at once), token, JWKS. */
async function fakeIdp(): Promise<{ issuer: string; server: Server; login: (l: Login) => void; redirects: string[] }> {
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const jwk = { ...publicKey.export({ format: "jwk" }), kid: "k1", alg: "RS256", use: "sig" };
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");
  const sign = (claims: Record<string, unknown>) => {
    const input = `${b64({ alg: "RS256", typ: "JWT", kid: "k1" })}.${b64(claims)}`;
    return `${input}.${createSign("RSA-SHA256").update(input).sign(privateKey).toString("base64url")}`;
  };
  let next: Login | undefined;
  const codes = new Map<string, { login: Login; nonce: string | null }>();
  const redirects: string[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", issuer);
    const json = (body: unknown) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (url.pathname === "/.well-known/openid-configuration") {
      return json({
        issuer,
        authorization_endpoint: `${issuer}/authorize`,
        token_endpoint: `${issuer}/token`,
        userinfo_endpoint: `${issuer}/userinfo`,
        jwks_uri: `${issuer}/jwks`,
        response_types_supported: ["code"],
        subject_types_supported: ["public"],
        id_token_signing_alg_values_supported: ["RS256"],
        code_challenge_methods_supported: ["S256"],
      });
    }
    if (url.pathname === "/jwks") return json({ keys: [jwk] });
    if (url.pathname === "/authorize") {
      const code = randomBytes(8).toString("hex");
      codes.set(code, { login: next!, nonce: url.searchParams.get("nonce") });
      const back = new URL(url.searchParams.get("redirect_uri")!);
      redirects.push(back.toString());
      back.searchParams.set("code", code);
      back.searchParams.set("state", url.searchParams.get("state") ?? "");
      res.writeHead(302, { location: back.toString() });
      return res.end();
    }
    if (url.pathname === "/token") {
      let body = "";
      req.on("data", (d: Buffer) => (body += d.toString()));
      req.on("end", () => {
        const grant = codes.get(new URLSearchParams(body).get("code") ?? "");
        if (!grant) {
          res.writeHead(400, { "content-type": "application/json" });
          return res.end(JSON.stringify({ error: "invalid_grant" }));
        }
        const now = Math.floor(Date.now() / 1000);
        json({
          access_token: randomBytes(8).toString("hex"),
          token_type: "Bearer",
          expires_in: 300,
          id_token: sign({ iss: issuer, aud: CLIENT_ID, iat: now, exp: now + 300, nonce: grant.nonce, ...grant.login }),
        });
      });
      return;
    }
    res.writeHead(404);
    res.end();
  });
  await new Promise<void>((r) => server.listen(port, "127.0.0.1", r));
  return { issuer, server, login: (l) => (next = l), redirects };
}

describe("sign-in on the real server", () => {
  const dataDir = path.join(tempDir(), "data");
  let s: RunningServer;
  let idp: Awaited<ReturnType<typeof fakeIdp>>;
  const admin = "olive@example.com";

  beforeAll(async () => {
    idp = await fakeIdp();
    s = await startServer({
      GATEHOUSE_DATA_DIR: dataDir,
      GATEHOUSE_LOG_LEVEL: "info",
      GATEHOUSE_OIDC_ISSUER: idp.issuer,
      GATEHOUSE_OIDC_CLIENT_ID: CLIENT_ID,
      GATEHOUSE_OIDC_CLIENT_SECRET: "not-a-real-secret",
      GATEHOUSE_OIDC_NAME: "Example SSO",
    });
  });
  afterAll(async () => {
    await s?.stop();
    idp?.server.close();
  });

  it("prints a one-time link for the first admin at start-up, which works without JavaScript", async () => {
    const m = /http:\/\/localhost:\d+\/setup\?token=gsl_[A-Za-z0-9_-]{43}/.exec(s.output());
    expect(m, s.output()).not.toBeNull();
    const page = await fetch(m![0]);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain("Create the first admin account");
    expect(html).toContain('name="referrer" content="no-referrer"');

    const jar = new Jar();
    const res = await submitForm(m![0], { email: admin, name: "Olive", password: PASSWORD, confirm: PASSWORD }, jar);
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(`${s.url}/`);
    expect(jar.has("session-token")).toBe(true);
    const account = await (await fetch(`${s.url}/account`, { headers: { cookie: jar.header() } })).text();
    expect(account).toContain(admin);

    // Used once; unknown tokens get the same page.
    expect(await (await fetch(m![0])).text()).toContain("This link does not work");
    expect(await (await fetch(`${s.url}/setup?token=gsl_${"A".repeat(43)}`)).text()).toContain("This link does not work");

    // The CLI prints its own links through the running server, and lists the admin.
    const r = await cli(["admin", "create", "--email", "ops@example.com"], { GATEHOUSE_DATA_DIR: dataDir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`${s.url}/setup?token=gsl_`);
    const listed = await cli(["user", "list"], { GATEHOUSE_DATA_DIR: dataDir });
    expect(listed.stdout).toMatch(new RegExp(`^${admin}\\s+Olive\\s+admin\\s+active`, "m"));
  });

  it("offers OIDC when configured (GitHub only when configured)", async () => {
    const providers = (await (await fetch(`${s.url}/api/auth/providers`)).json()) as Record<string, { name: string }>;
    expect(Object.keys(providers).sort()).toEqual(["credentials", "oidc"]);
    expect(providers.oidc!.name).toBe("Example SSO");
    expect(await (await fetch(`${s.url}/sign-in`)).text()).toContain("Continue with <!-- -->Example SSO");
    expect(await (await fetch(`${s.url}/api/auth/session`)).json()).toBeNull();
  });

  async function oidcSignIn(login: Login): Promise<{ jar: Jar; landed: string }> {
    idp.login(login);
    const jar = new Jar();
    const { csrfToken } = (await jar.take(await fetch(`${s.url}/api/auth/csrf`)).json()) as { csrfToken: string };
    const start = jar.take(
      await fetch(`${s.url}/api/auth/signin/oidc`, {
        method: "POST",
        redirect: "manual",
        headers: { cookie: jar.header(), "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ csrfToken, callbackUrl: "/account" }),
      }),
    );
    const authorize = start.headers.get("location")!;
    expect(authorize.startsWith(`${idp.issuer}/authorize?`)).toBe(true);
    const back = (await fetch(authorize, { redirect: "manual" })).headers.get("location")!;
    const done = jar.take(await fetch(back, { redirect: "manual", headers: { cookie: jar.header() } }));
    return { jar, landed: done.headers.get("location") ?? "" };
  }

  it("signs in an existing user with a verified email through OIDC, and refuses anyone else", async () => {
    const ok = await oidcSignIn({ sub: "idp-olive", email: "Olive@Example.com", email_verified: true, name: "Olive O." });
    // The redirect URI names the public origin, not the address the server listens on.
    expect(idp.redirects.at(-1)).toBe(`${s.url}/api/auth/callback/oidc`);
    expect(ok.landed).toBe(`${s.url}/account`);
    const session = (await (await fetch(`${s.url}/api/auth/session`, { headers: { cookie: ok.jar.header() } })).json()) as {
      user: { id: string };
      sid: string;
    };
    expect(session.user.id).toMatch(/^usr_/);
    expect(session.sid).toMatch(/^ses_/);
    expect(await (await fetch(`${s.url}/account`, { headers: { cookie: ok.jar.header() } })).text()).toContain(admin);

    const unverified = await oidcSignIn({ sub: "idp-olive", email: admin, email_verified: false, name: "Olive" });
    expect(unverified.landed).toBe(`${s.url}/sign-in?error=AccessDenied`);
    expect(unverified.jar.has("session-token")).toBe(false);
    const stranger = await oidcSignIn({ sub: "idp-x", email: "stranger@example.com", email_verified: true, name: "X" });
    expect(stranger.landed).toBe(`${s.url}/sign-in?error=AccessDenied`);
    expect(stranger.jar.has("session-token")).toBe(false);
    const page = await (await fetch(stranger.landed)).text();
    expect(page).toContain("No Gatehouse account matches a verified email");
  });

  it("refuses wrong credentials, then rate-limits with Retry-After in seconds, logging no stack trace", async () => {
    const jar = new Jar();
    const { csrfToken } = (await jar.take(await fetch(`${s.url}/api/auth/csrf`)).json()) as { csrfToken: string };
    const attempt = () =>
      fetch(`${s.url}/api/auth/callback/credentials`, {
        method: "POST",
        redirect: "manual",
        headers: { cookie: jar.header(), "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ email: admin, password: "guessing at random", csrfToken }),
      });
    for (let i = 0; i < 5; i++) {
      const res = await attempt();
      expect(res.status).toBe(302);
      expect(res.headers.get("location")).toBe(`${s.url}/sign-in?error=CredentialsSignin&code=invalid`);
      expect(res.headers.get("retry-after")).toBeNull();
      expect(res.headers.getSetCookie().some((c) => c.includes("session-token"))).toBe(false);
    }
    const limited = await attempt();
    expect(limited.headers.get("location")).toMatch(/\/sign-in\?error=CredentialsSignin&code=rate_limited_\d+$/);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(890);
    const page = await (await fetch(limited.headers.get("location")!)).text();
    expect(page).toContain("Too many sign-in attempts.");

    const log = s.output();
    expect(log).toContain('"msg":"sign-in refused"');
    expect(log).not.toMatch(/\n\s+at /);
    expect(log).not.toContain("guessing at random");
  });
});
