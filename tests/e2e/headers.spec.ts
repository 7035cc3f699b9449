// Security headers in a real browser: pages render under the nonce CSP with no violation, injected
// script is refused, and the audit export answers signed-in security staff and admins only.
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { expect, test, type Page } from "@playwright/test";

const PASSWORD = "correct horse battery staple";
const run = randomBytes(3).toString("hex");

/** The operator CLI, through the running e2e server (it holds the embedded database). */
function gatehouse(...args: string[]): string {
  return execFileSync(process.execPath, ["bin/gatehouse.mjs", ...args], {
    env: { ...process.env, GATEHOUSE_DATA_DIR: process.env.E2E_DATA_DIR, DATABASE_URL: "" },
    encoding: "utf8",
  });
}

/** Opens a one-time setup or invitation link and creates the account, which signs the browser in. */
async function createAccount(page: Page, output: string) {
  const link = /(http:\/\/\S+\/setup\?token=\S+)/.exec(output)?.[1];
  if (!link) throw new Error(`no setup link in:\n${output}`);
  await page.goto(link);
  await page.getByLabel("Your name").fill("Test Person");
  await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await page.getByLabel("Repeat the password").fill(PASSWORD);
  await page.getByRole("button", { name: "Create account" }).click();
  await page.waitForURL((u) => !u.pathname.startsWith("/setup"));
}

const cspErrors = (messages: string[]) => messages.filter((m) => /Content Security Policy|Permissions-Policy|Refused/i.test(m));

type Violation = { directive: string; blocked: string };

/** Records every CSP violation the page reports, from the first byte on. */
async function watchViolations(page: Page): Promise<{ violations: () => Promise<Violation[]>; consoleErrors: string[] }> {
  await page.addInitScript(() => {
    const w = window as unknown as { __csp: { directive: string; blocked: string }[] };
    w.__csp = [];
    document.addEventListener("securitypolicyviolation", (e) =>
      w.__csp.push({ directive: e.effectiveDirective, blocked: e.blockedURI }),
    );
  });
  const consoleErrors: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") consoleErrors.push(m.text());
  });
  page.on("pageerror", (e) => consoleErrors.push(e.message));
  return {
    violations: () => page.evaluate(() => (window as unknown as { __csp: Violation[] }).__csp),
    consoleErrors,
  };
}

test("the home page renders under a strict nonce CSP with no violation", async ({ page }) => {
  const watch = await watchViolations(page);
  const res = await page.goto("/");
  const headers = res!.headers();
  const csp = headers["content-security-policy"]!;
  const nonce = /'nonce-([^']+)'/.exec(csp)?.[1];
  expect(nonce).toBeTruthy();
  expect(csp).toContain(`script-src 'self' 'nonce-${nonce}' 'strict-dynamic'`);
  expect(csp).not.toMatch(/script-src[^;]*'unsafe-inline'/);
  expect(csp).toContain("frame-ancestors 'none'");
  expect(headers["x-content-type-options"]).toBe("nosniff");
  expect(headers["referrer-policy"]).toBe("strict-origin-when-cross-origin");
  expect(headers["x-powered-by"]).toBeUndefined();

  await expect(page.getByRole("heading", { level: 1 })).toContainText("decision layer");
  await expect(page.getByTestId("health-status")).toHaveText("Operational");
  // The Next.js runtime ran (its scripts were allowed), so the page is hydrated.
  await page.waitForFunction(() => "next" in window);
  await page.waitForLoadState("networkidle");

  expect(await watch.violations()).toEqual([]);
  expect(cspErrors(watch.consoleErrors)).toEqual([]);
});

test("the sign-in page (forms, client components) renders with no violation", async ({ page }) => {
  const watch = await watchViolations(page);
  const res = await page.goto("/sign-in");
  expect(res!.headers()["content-security-policy"]).toMatch(/script-src 'self' 'nonce-[^']+' 'strict-dynamic'/);
  await page.waitForFunction(() => "next" in window);
  await page.waitForLoadState("networkidle");
  expect(await watch.violations()).toEqual([]);
  expect(cspErrors(watch.consoleErrors)).toEqual([]);
});

test("markup injected into a page cannot run script", async ({ page }) => {
  const watch = await watchViolations(page);
  // Stands in for an XSS hole: the server's own answer, CSP header included, with an attacker's inline script.
  await page.route("/", async (route) => {
    const res = await route.fetch();
    const html = (await res.text()).replace("<body", "<script>window.__injected = true</script><body");
    await route.fulfill({ response: res, body: html });
  });
  await page.goto("/");
  await page.waitForFunction(() => "next" in window);
  await expect.poll(async () => (await watch.violations()).map((v) => v.directive)).toContain("script-src-elem");
  expect(await page.evaluate(() => (window as unknown as { __injected?: boolean }).__injected)).toBeUndefined();
});

test("signed-in pages and their forms work under the CSP; the audit export is for admins and security only", async ({
  page,
  browser,
}) => {
  const since = new Date(Date.now() - 1000).toISOString();
  const watch = await watchViolations(page);
  await createAccount(page, gatehouse("admin", "create", "--email", `csp-admin-${run}@example.com`));
  for (const path of ["/account", "/dashboard"]) {
    await page.goto(path);
    await page.waitForLoadState("networkidle");
  }
  expect(await watch.violations()).toEqual([]);
  expect(cspErrors(watch.consoleErrors)).toEqual([]);

  const res = await page.request.get(`/api/v1/audit?since=${encodeURIComponent(since)}`);
  expect(res.status()).toBe(200);
  expect(res.headers()["content-type"]).toBe("application/x-ndjson; charset=utf-8");
  const events = (await res.text())
    .trimEnd()
    .split("\n")
    .map((l) => JSON.parse(l) as { action: string; at: string; before: unknown; after: unknown });
  expect(events.length).toBeGreaterThan(0);
  expect(events.map((e) => e.at)).toEqual(events.map((e) => e.at).sort());
  expect(events.at(-1)!.action).toBe("audit.export");
  expect(JSON.stringify(events)).not.toMatch(/argon2|"passwordHash"|"hash"/);

  // A viewer, in a browser of their own, is refused.
  const other = await browser.newContext();
  const viewer = await other.newPage();
  await createAccount(viewer, gatehouse("user", "invite", "--email", `csp-viewer-${run}@example.com`, "--role", "viewer"));
  const refused = await viewer.request.get("/api/v1/audit");
  expect(refused.status()).toBe(403);
  expect(refused.headers()["content-type"]).toBe("application/problem+json");
  await other.close();
});
