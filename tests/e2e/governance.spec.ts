// Governance in a real browser: security edits the test stage's policy (an invalid draft shows its errors by path
// and saves nothing; a valid one becomes version N+1 and the diff shows the change), developers read it, and the
// waivers page lists, filters and approves. Creates its own users, team, service and waiver; never the demo.
import { randomBytes } from "node:crypto";
import { expect, test, type Page } from "@playwright/test";
import { PASSWORD, gatehouse, join, screenshots } from "./kit";

const run = randomBytes(3).toString("hex");
const SECURITY = `gov-sec-${run}@example.com`;
const DEVELOPER = `gov-dev-${run}@example.com`;
const TEAM = `gov-${run}`;
const SERVICE = `gov-svc-${run}`;
const CVE = `CVE-2026-${1000 + (parseInt(run, 16) % 9000)}`;

const shot = screenshots("governance");

async function signIn(page: Page, email: string, next: string) {
  await page.goto(`/sign-in?next=${encodeURIComponent(next)}`);
  await page.getByRole("textbox", { name: "Email" }).fill(email);
  await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL((u) => u.pathname === next.split("?")[0]);
}

/** The version in force, from the page heading's line "Version N in force". */
async function versionInForce(page: Page): Promise<number> {
  const text = await page
    .getByText(/^Version \d+ in force/)
    .first()
    .textContent();
  return Number(/^Version (\d+)/.exec(text ?? "")![1]);
}

/**
 * Console errors, uncaught exceptions and failed responses of the page (a CSP violation is a console error).
 * The browser's own favicon request (there is none) is the one "Failed to load resource" left out.
 */
function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error" && !m.text().startsWith("Failed to load resource")) errors.push(m.text());
  });
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("response", (r) => {
    if (r.status() >= 400) errors.push(`${r.status()} ${r.url()}`);
  });
  return errors;
}

test.describe.configure({ mode: "serial" });

test.beforeAll(() => {
  gatehouse("team", "create", TEAM, "--name", `Governance ${run}`);
  gatehouse("service", "create", SERVICE, "--team", TEAM, "--name", `Governance service ${run}`);
  gatehouse(
    "waiver",
    "create",
    "--service",
    SERVICE,
    "--match",
    `vulnerability:${CVE}`,
    "--reason",
    "Only reachable from the admin network; the fix ships with the next framework upgrade.",
    "--expires-in-days",
    "14",
    "--pending",
  );
});

test("security edits the test policy: an invalid draft saves nothing, a valid one is version N+1 with its diff", async ({
  page,
}) => {
  const errors = watchErrors(page);
  await join(page, SECURITY, "security", "Sasha Security");
  await page.goto("/dashboard");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Policies", exact: true }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Gate policies");
  for (const name of ["Development", "Test", "Production"])
    await expect(page.getByRole("link", { name, exact: true })).toBeVisible();
  await shot(page, "policies");

  await page.getByRole("link", { name: "Test", exact: true }).click();
  await expect(page).toHaveURL(/\/policies\/test$/);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Test policy");
  await expect(page.locator("#rules")).toContainText("No leaked secrets");
  const before = await versionInForce(page);
  const editor = page.getByLabel(/^Policy document/);
  const original = await editor.inputValue();
  expect(original).toContain("rules:");
  await shot(page, "policy");

  // An invalid draft: each error by its path; saving it is refused and nothing changes.
  await editor.fill("rules:\n  maxFindings:\n    - severity: critical\n      max: -1\n  noSecrets:\n    mode: sometimes\n");
  await page.getByRole("button", { name: "Validate" }).click();
  const problems = page.getByRole("alert").filter({ hasText: "nothing was saved" });
  await expect(problems).toContainText("rules.maxFindings[0].max");
  await expect(problems).toContainText("rules.noSecrets.mode");
  await page.getByLabel("Why this change (required)").fill("This must not be saved");
  await page.getByRole("button", { name: "Save as new version" }).click();
  await expect(problems).toContainText("rules.noSecrets.mode");
  await shot(page, "policy-invalid");
  await page.reload();
  expect(await versionInForce(page)).toBe(before);
  await expect(page.locator("#history").getByRole("link", { name: `Version ${before + 1}` })).toHaveCount(0);

  // A valid edit (the description only, so the gate behaves as before) becomes version N+1.
  const description = `Test stage, reworded by the governance e2e run ${run}.`;
  const edited = /^description:.*$/m.test(original)
    ? original.replace(/^description:.*$/m, `description: ${description}`)
    : `description: ${description}\n${original}`;
  await page.getByLabel(/^Policy document/).fill(edited);
  await page.getByRole("button", { name: "Validate" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Valid policy" })).toBeVisible();
  await page.getByLabel("Why this change (required)").fill(`Reword the description (${run})`);
  await page.getByRole("button", { name: "Save as new version" }).click();
  await expect(page).toHaveURL(new RegExp(`/policies/test\\?from=${before}&to=${before + 1}#diff$`));
  await expect.poll(() => versionInForce(page)).toBe(before + 1);
  await expect(page.locator("#history")).toContainText(`Reword the description (${run})`);
  await expect(page.locator("#history")).toContainText(SECURITY);

  // The diff marks the change with signs, not only colour.
  const diff = page.locator("#diff");
  await expect(diff.getByTestId("diff-summary")).toContainText(`From version ${before} to version ${before + 1}`);
  const added = diff.locator('tr[data-kind="added"]');
  await expect(added).toHaveCount(1);
  await expect(added).toContainText("+");
  await expect(added).toContainText(description);
  if (/^description:.*$/m.test(original)) {
    const removed = diff.locator('tr[data-kind="removed"]');
    await expect(removed).toHaveCount(1);
    await expect(removed).toContainText("−");
    await expect(removed).toContainText(/^.*description:/);
  }
  await shot(page, "diff");

  // The JSON rendering of the same comparison.
  await page.goto(`/policies/test?from=${before}&to=${before + 1}&format=json`);
  await expect(page.locator("#diff").locator('tr[data-kind="added"]')).toContainText(`"description": "${description}"`);

  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto("/policies/test");
  await shot(page, "policy-phone");
  expect(errors).toEqual([]);
});

test("a developer reads the policy in force but has no editor", async ({ page }) => {
  await join(page, DEVELOPER, "developer", "Devi Developer", TEAM);
  await page.goto("/policies/test");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Test policy");
  await expect(page.locator("#rules")).toContainText("No leaked secrets");
  await expect(page.getByLabel(/^Policy document/)).toHaveCount(0);
  await expect(page.getByRole("button", { name: "Save as new version" })).toHaveCount(0);
  await expect(page.getByText("Only the security team changes policies")).toBeVisible();
  // An unknown stage is a 404 page.
  const missing = await page.goto("/policies/staging");
  expect(missing?.status()).toBe(404);
});

test("the waivers page lists, filters by status and service, and security approves", async ({ page }) => {
  const errors = watchErrors(page);
  await signIn(page, SECURITY, "/waivers");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Waivers");
  await page.getByRole("link", { name: /^Pending/ }).click();
  await expect(page).toHaveURL(/status=pending/);
  await page.getByLabel("Service").selectOption(SERVICE);
  await expect(page).toHaveURL(new RegExp(`service=${SERVICE}`));
  const item = page.getByTestId("waiver").filter({ hasText: CVE });
  await expect(item).toHaveCount(1);
  await expect(item).toContainText("pending");
  await expect(item).toContainText("Only reachable from the admin network");
  await expect(item).toContainText(/Expires in 1[34] days/);
  await expect(item).toContainText("awaiting approval by the security team");
  await shot(page, "waivers");

  await item.getByRole("button", { name: "Approve" }).click();
  await expect(page.getByTestId("waiver").filter({ hasText: CVE })).toHaveCount(0);
  await page.getByRole("link", { name: /^Active/ }).click();
  const active = page.getByTestId("waiver").filter({ hasText: CVE });
  await expect(active).toContainText("active");
  await expect(active).toContainText(`Approved by ${SECURITY}`);
  await expect(active.getByRole("button", { name: "Revoke" })).toBeVisible();

  // A reviewer's own request: Approve is disabled, and the page says why.
  const rule = `gov-rule-${run}`;
  // Sent from the page itself, as the dashboard does (the CSRF check wants a same-origin request).
  const requested = await page.evaluate(
    async (body) =>
      (
        await fetch("/api/trpc/remediation.requestWaiver", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(body),
        })
      ).status,
    {
      json: {
        service: SERVICE,
        match: { type: "rule", value: rule },
        reason: "Requested by the security reviewer, who must not approve it too.",
        expiresInDays: 7,
      },
    },
  );
  expect(requested).toBe(200);
  await page.goto(`/waivers?status=pending&service=${SERVICE}`);
  const own = page.getByTestId("waiver").filter({ hasText: rule });
  await expect(own).toContainText(`Requested by ${SECURITY}`);
  await expect(own.getByRole("button", { name: "Approve" })).toBeDisabled();
  await expect(own).toContainText("You requested this waiver; another member of the security team approves it.");
  await expect(own.getByRole("button", { name: "Reject" })).toBeEnabled();
  await shot(page, "waivers-own-request");

  // An empty tab tells the user what it would hold.
  await page.goto(`/waivers?status=expired&service=${SERVICE}`);
  await expect(page.getByText("No expired waivers match.")).toBeVisible();
  await shot(page, "waivers-empty");
  expect(errors).toEqual([]);

  // The developer of the service's team sees it, without review buttons.
  await page.context().clearCookies();
  await signIn(page, DEVELOPER, `/waivers?service=${SERVICE}`);
  const seen = page.getByTestId("waiver").filter({ hasText: CVE });
  await expect(seen).toContainText("active");
  await expect(seen.getByRole("button")).toHaveCount(0);
  await page.setViewportSize({ width: 390, height: 844 });
  await shot(page, "waivers-phone");
});
