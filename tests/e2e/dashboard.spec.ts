// The dashboard in a real browser on demo data: sign in → posture → service → remediation → request a waiver,
// the security team approves it; a developer never sees another team's service. Screenshots of every page.
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { expect, test } from "@playwright/test";
import { PASSWORD, gatehouse, join, screenshots } from "./kit";

const run = randomBytes(3).toString("hex");
const SECURITY = `sec-${run}@example.com`;
const DEVELOPER = `dev-${run}@example.com`;

const shot = screenshots("dashboard");

test.describe.configure({ mode: "serial" });

test.beforeAll(() => {
  // A fresh e2e data directory: the demo loads once (it refuses to load twice).
  const out = gatehouse("demo");
  expect(out).toContain("6 services");
});

test("pages need a signed-in user", async ({ page }) => {
  await page.goto("/posture");
  await expect(page).toHaveURL(/\/sign-in\?next=%2Fposture/);
  const api = await page.request.get("/api/trpc/services.list?input=%7B%22json%22%3A%7B%7D%7D");
  expect(api.status()).toBe(401);
});

test("security: posture, every number links to its findings", async ({ page }) => {
  await join(page, SECURITY, "security", "Sam Security");
  await page.goto("/dashboard");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Hello, Sam Security");
  await shot(page, "home");

  await page.getByRole("link", { name: "Posture", exact: true }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Security posture");
  const heatmap = page.locator("#heatmap");
  for (const name of ["Checkout", "Ledger", "API gateway", "Auth service", "Storefront", "Docs site"])
    await expect(heatmap.getByRole("link", { name, exact: true })).toBeVisible();
  await expect(page.locator("#trend").getByRole("img", { name: /^Open findings by severity/ })).toBeVisible();
  await shot(page, "posture");

  // Filter by tier on the server: only the critical-tier services remain.
  await page.getByLabel("Tier").selectOption("critical");
  await expect(page).toHaveURL(/tier=critical/);
  await expect(heatmap.getByRole("link", { name: "Checkout", exact: true })).toBeVisible();
  await expect(heatmap.getByRole("link", { name: "Ledger", exact: true })).toHaveCount(0);

  // A heatmap cell opens exactly the findings it counts.
  const cell = heatmap.getByRole("link", { name: /^Checkout, Dependencies: .*, (\d+) open findings$/ });
  const count = Number(/(\d+) open findings$/.exec((await cell.getAttribute("aria-label"))!)![1]);
  await cell.click();
  await expect(page).toHaveURL(/\/findings\?service=checkout&area=3/);
  if (count > 0) await expect(page.getByText(`${count} ${count === 1 ? "finding" : "findings"} · page 1`)).toBeVisible();
  await shot(page, "findings");

  await page.getByRole("link", { name: "Decisions", exact: true }).first().click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Gate decisions");
  await page
    .getByRole("link", { name: /^Decision dec_.*: block$/ })
    .first()
    .click();
  await expect(page.getByRole("heading", { name: "Checks" })).toBeVisible();
  await shot(page, "decision");
});

test("developer: sign in → service → remediation → request a waiver; another team's service does not exist", async ({ page }) => {
  await join(page, DEVELOPER, "developer", "Dana Developer", "payments");
  await page.context().clearCookies();

  await page.goto("/posture");
  await expect(page).toHaveURL(/\/sign-in/);
  await page.getByRole("textbox", { name: "Email" }).fill(DEVELOPER);
  await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL((u) => u.pathname === "/posture");
  // Only the payments team's services.
  await expect(page.getByText("2 services · the last 90 days")).toBeVisible();

  await page.getByRole("link", { name: "Services", exact: true }).first().click();
  await expect(page.getByRole("link", { name: "API gateway" })).toHaveCount(0);
  await page.getByRole("link", { name: "Checkout", exact: true }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Checkout");
  await expect(page.locator("#scorecard")).toContainText("Vulnerable dependencies and images");
  await expect(page.locator("#stages")).toContainText("Production");
  await expect(page.locator("#evidence")).toContainText("Trivy");
  await shot(page, "service");

  await page.getByRole("link", { name: "Remediation →" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("What to fix in Checkout");
  await expect(page.locator("#unblock")).toContainText("What would unblock production");
  await shot(page, "remediation");

  const first = page
    .getByRole("listitem")
    .filter({ has: page.getByRole("heading", { level: 2 }) })
    .first();
  await first.getByRole("button", { name: "Request waiver" }).first().click();
  const form = first.getByRole("form", { name: "Request a waiver" });
  await form.getByLabel(/^Reason/).fill("Not reachable: the vulnerable code path is behind an internal-only flag.");
  await form.getByLabel("Expires in").selectOption("30");
  await form.getByRole("checkbox", { name: "Production" }).check();
  await shot(page, "waiver-form");
  await form.getByRole("button", { name: "Request waiver" }).click();
  await expect(first.getByRole("status")).toContainText("pending approval by the security team");
  await expect(first.getByText(/waiver pending/).first()).toBeVisible();
  await shot(page, "waiver-requested");

  // Another team's service answers 404, like one that does not exist.
  const other = await page.goto("/services/api-gateway");
  expect(other?.status()).toBe(404);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Not found");

  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto("/services/checkout/remediation");
  await shot(page, "remediation-phone");
});

test("security approves the pending waiver from the service page", async ({ page }) => {
  await page.goto("/sign-in?next=/services/checkout");
  await page.getByRole("textbox", { name: "Email" }).fill(SECURITY);
  await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL((u) => u.pathname === "/services/checkout");
  const waivers = page.locator("#waivers");
  await expect(waivers).toContainText("pending");
  await expect(waivers).toContainText(DEVELOPER);
  await waivers.getByRole("button", { name: "Approve" }).first().click();
  await expect(waivers.getByText("active").first()).toBeVisible();
  await shot(page, "waiver-approved");
});

test("the production gate flips from block to allow once the blocking findings are waived, and the decision is recorded", async ({
  page,
  browser,
}) => {
  test.setTimeout(180_000);
  // The pipeline: a gate-only token of the payments team, used through the dependency-free client.
  const token = gatehouse("token", "create", "--team", "payments", "--scopes", "gate:evaluate", "--name", `e2e-${run}`)
    .trim()
    .split("\n")
    .at(-1)!;
  const askGate = (commit: string, artifact: string) => {
    const r = spawnSync(
      process.execPath,
      ["bin/gatehouse.mjs", "gate", "--service", "checkout", "--stage", "production", "--commit", commit, "--artifact", artifact],
      {
        env: { ...process.env, GATEHOUSE_URL: `http://localhost:${process.env.E2E_PORT}`, GATEHOUSE_TOKEN: token, NO_COLOR: "1" },
        encoding: "utf8",
        timeout: 60_000,
      },
    );
    const decision = /decision (dec_\S+):/.exec(r.stdout)?.[1];
    if (!decision) throw new Error(`no decision in:\n${r.stdout}\n${r.stderr}`);
    return { code: r.status, out: r.stdout, decision };
  };

  // Security finds the commit that production last refused.
  await page.goto("/sign-in?next=/decisions");
  await page.getByRole("textbox", { name: "Email" }).fill(SECURITY);
  await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL((u) => u.pathname === "/decisions");
  await page.goto("/decisions?service=checkout&stage=production&decision=block");
  await page
    .getByRole("link", { name: /^Decision dec_.*: block$/ })
    .first()
    .click();
  const request = page.locator("section").filter({ has: page.getByRole("heading", { name: "Request", exact: true }) });
  const commit = (await request.locator("dt:text-is('Commit') + dd").textContent())!.trim();
  const artifact = (await request.locator("dt:text-is('Artifact') + dd").textContent())!.trim();
  expect(commit).toMatch(/^[0-9a-f]{40}$/);

  // The pipeline asks: blocked (exit 1), and the answer names the blocking findings.
  const blocked = askGate(commit, artifact);
  expect(blocked.code, blocked.out).toBe(1);
  expect(blocked.out).toContain("BLOCK");

  // The developer opens that decision and requests a waiver for each finding behind a failing check.
  const dev = await browser.newPage();
  await dev.goto(`/sign-in?next=/decisions/${blocked.decision}`);
  await dev.getByRole("textbox", { name: "Email" }).fill(DEVELOPER);
  await dev.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await dev.getByRole("button", { name: "Sign in" }).click();
  await dev.waitForURL((u) => u.pathname === `/decisions/${blocked.decision}`);
  await expect(dev.getByRole("heading", { level: 1 })).toContainText("block");
  await dev.screenshot({ path: "test-results/screenshots/dashboard-gate-blocked.png", fullPage: true });
  const failing = dev.locator("li").filter({ has: dev.locator("span.uppercase", { hasText: /fail$/ }) });
  await expect(failing.getByRole("link", { name: /^fnd_/ }).first()).toBeVisible();
  const findingIds = new Set<string>();
  for (const link of await failing.getByRole("link", { name: /^fnd_/ }).all()) findingIds.add((await link.textContent())!.trim());
  expect(findingIds.size).toBeGreaterThan(0);
  let requested = 0;
  for (const id of findingIds) {
    await dev.goto(`/findings/${id}`);
    const section = dev.locator("#waivers");
    await expect(section.getByRole("heading", { name: "Waivers" })).toBeVisible();
    // One waiver by vulnerability can cover several findings: skip those already covered.
    if ((await section.getByRole("button", { name: "Request waiver" }).count()) === 0) continue;
    await section.getByRole("button", { name: "Request waiver" }).click();
    const form = section.getByRole("form", { name: "Request a waiver" });
    await form.getByLabel(/^Reason/).fill("Accepted for this release: compensating control in place, fix scheduled.");
    await form.getByLabel("Expires in").selectOption("14");
    await form.getByRole("checkbox", { name: "Production" }).check();
    await form.getByRole("button", { name: "Request waiver" }).click();
    // The page refreshes with the request listed as pending (the form goes: the finding is covered now).
    await expect(section.getByRole("listitem").filter({ hasText: `Waiver by ${DEVELOPER}` })).toContainText("pending");
    await expect(section.getByRole("button", { name: "Request waiver" })).toHaveCount(0);
    requested++;
  }
  expect(requested).toBeGreaterThan(0);
  await dev.close();

  // Security approves every pending waiver of the service: exactly those just requested.
  await page.goto("/services/checkout");
  const approve = page.locator("#waivers").getByRole("button", { name: "Approve" });
  await expect(approve).toHaveCount(requested);
  for (let left = requested; left > 0; left--) {
    await approve.first().click();
    await expect(approve).toHaveCount(left - 1);
  }

  // The same question now gets allow (exit 0), with the waivers applied, and the decision is on record.
  const allowed = askGate(commit, artifact);
  expect(allowed.code, allowed.out).toBe(0);
  expect(allowed.out).toContain("ALLOW");
  expect(allowed.out).toMatch(/\d+ waiver\(s\) applied/);
  await page.goto(`/decisions/${allowed.decision}`);
  await expect(page.getByRole("heading", { level: 1 })).toContainText("allow");
  await expect(page.getByText("Every blocking check passed.")).toBeVisible();
  await shot(page, "gate-allowed");
  await page.goto("/decisions?service=checkout&stage=production");
  await expect(page.getByRole("link", { name: `Decision ${allowed.decision}: allow` })).toBeVisible();
  await shot(page, "decisions-after-flip");
});
