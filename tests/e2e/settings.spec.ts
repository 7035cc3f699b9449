// Tokens, audit log and teams in a real browser, on this spec's own users and teams (no demo data):
// an admin creates a team and adds a member; security creates a token, sees its secret once, revokes it;
// the audit log lists those events; a developer gets no admin controls. Screenshots of every page.
import { randomBytes } from "node:crypto";
import { expect, test, type Browser, type Page } from "@playwright/test";
import { PASSWORD, gatehouse, join, screenshots } from "./kit";

const run = randomBytes(3).toString("hex");
const ADMIN = `admin-${run}@example.com`;
const SECURITY = `sec-${run}@example.com`;
const DEVELOPER = `dev-${run}@example.com`;
const CLI_TEAM = `ops-${run}`;
const CLI_SERVICE = `billing-${run}`;
const UI_TEAM = `platform-${run}`;

const shot = screenshots("settings");

async function signIn(page: Page, email: string, path: string) {
  await page.goto(path);
  await page.getByRole("textbox", { name: "Email" }).fill(email);
  await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL((u) => u.pathname === path);
}

async function fresh(browser: Browser) {
  const context = await browser.newContext();
  return { context, page: await context.newPage() };
}

test.describe.configure({ mode: "serial" });

test.beforeAll(async ({ browser }) => {
  gatehouse("team", "create", CLI_TEAM);
  gatehouse("service", "create", CLI_SERVICE, "--team", CLI_TEAM);
  // Accounts join through their invitation links (each in its own browser context).
  for (const [email, role, name, team] of [
    [ADMIN, "admin", "Ada Admin", undefined],
    [SECURITY, "security", "Sid Security", undefined],
    [DEVELOPER, "developer", "Dev Eloper", CLI_TEAM],
  ] as const) {
    const { context, page } = await fresh(browser);
    await join(page, email, role, name, team);
    await context.close();
  }
});

test("admin: creates a team, adds a member, sees the people", async ({ page }) => {
  await signIn(page, ADMIN, "/teams");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Teams & members");
  await expect(page.getByRole("link", { name: CLI_TEAM })).toBeVisible();

  const form = page.getByRole("form", { name: "Create a team" });
  await form.getByLabel(/^Slug/).fill(UI_TEAM);
  await form.getByLabel("Name").fill(`Platform ${run}`);
  await form.getByRole("button", { name: "Create team" }).click();
  await page.waitForURL(`**/teams/${UI_TEAM}`);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(`Platform ${run}`);
  await expect(page.getByText("Nobody is in this team yet.")).toBeVisible();

  const add = page.getByRole("form", { name: "Add a member" });
  await add.getByLabel("Email of an existing account").fill(DEVELOPER);
  await add.getByRole("button", { name: "Add member" }).click();
  const members = page.locator("#members");
  await expect(members.getByRole("row", { name: /Dev Eloper/ })).toContainText("developer");
  await shot(page, "team");

  await page.getByRole("link", { name: "← Teams" }).click();
  await expect(page.locator("#teams").getByText(`Platform ${run}`)).toBeVisible();
  await expect(page.locator("#people").getByRole("row", { name: new RegExp(SECURITY) })).toBeVisible();
  await shot(page, "teams-admin");
});

test("admin: invites a person (the link once), changes their role, disables them", async ({ page, browser }) => {
  const email = `vic-${run}@example.com`;
  await signIn(page, ADMIN, "/teams");
  const invite = page.getByRole("form", { name: "Invite a person" });
  await invite.getByLabel("Email").fill(email);
  await invite.getByLabel("Role").selectOption("viewer");
  await invite.getByLabel("Team").selectOption(CLI_TEAM);
  await invite.getByRole("button", { name: "Create invitation link" }).click();
  const link = (await page.getByTestId("secret").textContent())!;
  expect(link).toMatch(/\/setup\?token=gsl_/);
  await page.reload();
  await expect(page.getByTestId("secret")).toHaveCount(0);

  const { context, page: guest } = await fresh(browser);
  await guest.goto(link);
  await guest.getByLabel("Your name").fill("Vic Viewer");
  await guest.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await guest.getByLabel("Repeat the password").fill(PASSWORD);
  await guest.getByRole("button", { name: "Create account" }).click();
  await guest.waitForURL((u) => !u.pathname.startsWith("/setup"));
  await context.close();

  await page.reload();
  const row = page.locator("#people").getByRole("row", { name: new RegExp(email) });
  await expect(row).toContainText(CLI_TEAM);
  await row.getByRole("combobox", { name: `Role of ${email}` }).selectOption("developer");
  await row.getByRole("button", { name: "Change role" }).click();
  await expect(row.getByRole("cell").nth(1)).toHaveText("developer", { ignoreCase: true });
  await row.getByRole("button", { name: "Disable" }).click();
  await row.getByRole("button", { name: "Disable account" }).click();
  await expect(row).toContainText("disabled");
  await shot(page, "people");
});

test("security: creates a token, sees the secret once, revokes it", async ({ page }) => {
  await signIn(page, SECURITY, "/tokens");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Machine tokens");
  // Security staff are not admins: no admin controls on the teams page.
  await page.getByRole("link", { name: "Teams", exact: true }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Teams & members");
  await expect(page.getByRole("form", { name: "Create a team" })).toHaveCount(0);
  await expect(page.locator("#people")).toHaveCount(0);
  await page.getByRole("link", { name: "Tokens", exact: true }).click();

  const name = `ci-${run}`;
  await page.getByRole("button", { name: "New token" }).click();
  const form = page.getByRole("form", { name: "Create a token" });
  await form.getByLabel("Name", { exact: true }).fill(name);
  await form.getByLabel("Team", { exact: true }).selectOption(CLI_TEAM);
  await form.getByRole("checkbox", { name: /scans:write/ }).check();
  await form.getByRole("checkbox", { name: /gate:evaluate/ }).check();
  await form.getByRole("radio", { name: "Only some services" }).check();
  await form.getByRole("checkbox", { name: CLI_SERVICE }).check();
  await form.getByRole("button", { name: "Create token" }).click();

  const secret = page.getByTestId("secret");
  await expect(secret).toHaveText(/^gth_\S+$/);
  const token = (await secret.textContent())!;
  await expect(page.getByText("it is shown only this once")).toBeVisible();
  const row = page.getByRole("row", { name: new RegExp(name) });
  await expect(row).toContainText("active");
  await expect(row).toContainText(CLI_SERVICE);
  await expect(row).toContainText(token.slice(0, 10));
  await shot(page, "token-created");

  // The secret shown is a working token: the pipeline API knows it (404: no such scan, not 401).
  const check = await page.request.get("/api/v1/scans/scan_00000000000000000000000000", {
    headers: { authorization: `Bearer ${token}` },
  });
  expect(check.status()).toBe(404);

  await page.reload();
  await expect(page.getByTestId("secret")).toHaveCount(0);
  expect(await page.content()).not.toContain(token);

  await row.getByRole("button", { name: "Revoke" }).click();
  await row.getByRole("button", { name: "Revoke now" }).click();
  await expect(row).toContainText("revoked");
  await expect(row.getByRole("button", { name: "Revoke" })).toHaveCount(0);
  await shot(page, "token-revoked");
  const after = await page.request.get("/api/v1/scans/scan_00000000000000000000000000", {
    headers: { authorization: `Bearer ${token}` },
  });
  expect(after.status()).toBe(401);
});

test("security: the audit log lists those events, filters on the server, exports with the session", async ({ page }) => {
  await signIn(page, SECURITY, "/audit");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Audit log");

  await page.getByLabel("Actor").fill(ADMIN);
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(page).toHaveURL(/actor=/);
  const rows = page.locator("tbody tr");
  await expect(rows.filter({ hasText: "team.create" })).toHaveCount(1);
  await expect(rows.filter({ hasText: "team.member_add" })).toHaveCount(1);

  await page.getByLabel("Actor").fill(SECURITY);
  await page.getByLabel("Action").fill("token.");
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(page).toHaveURL(/action=token/);
  await expect(rows).toHaveCount(2);
  await expect(rows.nth(0)).toContainText("token.revoke");
  await expect(rows.nth(1)).toContainText("token.create");
  await rows.nth(1).getByText("Before / after").click();
  const after = rows.nth(1).locator("pre").nth(1);
  await expect(after).toContainText(`"name": "ci-${run}"`);
  await expect(after).not.toContainText('"hash"');
  await shot(page, "audit");

  const exportHref = await page.getByRole("link", { name: /Export NDJSON/ }).getAttribute("href");
  expect(exportHref).toMatch(/^\/api\/v1\/audit\?since=\d{4}-\d{2}-\d{2}/);
  const res = await page.request.get(exportHref!);
  expect(res.status()).toBe(200);
  expect(res.headers()["content-type"]).toContain("application/x-ndjson");
  const actions = (await res.text())
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as { action: string; actorLabel: string });
  expect(actions.some((e) => e.action === "token.revoke" && e.actorLabel === SECURITY)).toBe(true);
});

test("security: policies:write only on an organisation token, never on a team's", async ({ page }) => {
  await signIn(page, SECURITY, "/tokens");
  await page.getByRole("button", { name: "New token" }).click();
  const form = page.getByRole("form", { name: "Create a token" });
  await form.getByLabel("Team", { exact: true }).selectOption(CLI_TEAM);
  await expect(form.getByRole("checkbox", { name: /policies:write/ })).toBeDisabled();
  await form.getByLabel("Team", { exact: true }).selectOption({ label: "Organisation-wide (stage policies)" });
  await expect(form.getByRole("radio", { name: "Only some services" })).toHaveCount(0);
  await expect(form.getByRole("checkbox", { name: /scans:write/ })).toBeDisabled();
  const name = `policy-bot-${run}`;
  await form.getByLabel("Name", { exact: true }).fill(name);
  await form.getByRole("checkbox", { name: /policies:write/ }).check();
  await form.getByRole("button", { name: "Create token" }).click();
  const secret = page.getByTestId("secret");
  await expect(secret).toHaveText(/^gth_\S+$/);
  const token = (await secret.textContent())!;
  const row = page.getByRole("row", { name: new RegExp(name) });
  await expect(row).toContainText("Organisation-wide");
  await expect(row).toContainText("stage policies");
  await shot(page, "org-token");
  // It reads the policies (policies:write implies that), and holds nothing for any team's data.
  const headers = { authorization: `Bearer ${token}` };
  expect((await page.request.get("/api/v1/policies/test", { headers })).status()).toBe(200);
  expect((await page.request.get(`/api/v1/waivers?service=${CLI_SERVICE}`, { headers })).status()).toBe(403);
});
test("developer: sees their team, no admin controls, and no audit log", async ({ page }) => {
  await signIn(page, DEVELOPER, "/teams");
  await expect(page.getByRole("link", { name: CLI_TEAM })).toBeVisible();
  await expect(page.getByRole("link", { name: `Platform ${run}` })).toBeVisible();
  await expect(page.getByRole("form", { name: "Create a team" })).toHaveCount(0);
  await page.getByRole("link", { name: `Platform ${run}` }).click();
  await expect(page.getByRole("button", { name: "Remove" })).toHaveCount(0);
  await expect(page.getByRole("form", { name: "Add a member" })).toHaveCount(0);

  // The server refuses what the page does not offer.
  const res = await page.request.post("/api/trpc/teams.create", {
    data: { json: { slug: `sneaky-${run}` } },
    headers: { origin: new URL(page.url()).origin },
  });
  expect(res.status()).toBe(403);

  // The nav does not offer the audit log; going there anyway gets the notice, and the data stays on the server.
  await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Audit" })).toHaveCount(0);
  await page.goto("/audit");
  await expect(page.getByText("The audit log is for the security team and administrators.")).toBeVisible();

  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto("/tokens");
  await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Teams" })).toBeAttached();
  // Wide tables scroll inside their card; the page itself does not scroll sideways.
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  await shot(page, "tokens-phone");
});
