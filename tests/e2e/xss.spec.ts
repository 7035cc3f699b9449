// Titles, paths and descriptions from reports are untrusted: a report whose fields carry script payloads is
// rendered as text, and nothing it carries executes.
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { expect, test } from "@playwright/test";

const run = randomBytes(3).toString("hex");
const PASSWORD = "correct horse battery staple";

function gatehouse(...args: string[]): string {
  return execFileSync(process.execPath, ["bin/gatehouse.mjs", ...args], {
    env: { ...process.env, GATEHOUSE_DATA_DIR: process.env.E2E_DATA_DIR, DATABASE_URL: "" },
    encoding: "utf8",
    timeout: 120_000,
  });
}

const PAYLOADS = {
  title: `<img src=x onerror="window.__xss='title'"><script>window.__xss='title-script'</script>`,
  file: `src/"><svg onload="window.__xss='file'">.ts`,
  description: `<iframe srcdoc="<script>parent.__xss='desc'</script>"></iframe>`,
  ruleId: `rule<script>window.__xss='rule'</script>`,
};

test("a report's script payloads render as text and never execute", async ({ page, request }) => {
  const team = `xss-${run}`;
  const service = `xss-svc-${run}`;
  gatehouse("team", "create", team);
  gatehouse("service", "create", service, "--team", team);
  const token = gatehouse("token", "create", "--team", team, "--scopes", "scans:write").trim().split("\n").at(-1)!;
  const report = {
    gatehouse: "1",
    tool: { name: "xss-scanner" },
    evidence: ["sast"],
    findings: [
      {
        kind: "code",
        ruleId: PAYLOADS.ruleId,
        title: PAYLOADS.title,
        description: PAYLOADS.description,
        severity: "critical",
        location: { file: PAYLOADS.file, startLine: 3, snippet: "x" },
      },
    ],
  };
  const commit = randomBytes(20).toString("hex");
  const up = await request.post(`/api/v1/scans?service=${service}&commit=${commit}`, {
    headers: { authorization: `Bearer ${token}` },
    data: JSON.stringify(report),
  });
  expect(up.status()).toBe(201);

  const dialogs: string[] = [];
  page.on("dialog", (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  const link = /(http:\/\/\S+\/setup\?token=\S+)/.exec(
    gatehouse("user", "invite", "--email", `xss-${run}@example.com`, "--role", "security"),
  )![1]!;
  await page.goto(link);
  await page.getByLabel("Your name").fill("Xavier Sanitize");
  await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await page.getByLabel("Repeat the password").fill(PASSWORD);
  await page.getByRole("button", { name: "Create account" }).click();
  await page.waitForURL((u) => !u.pathname.startsWith("/setup"));

  for (const path of [`/findings?service=${service}`, `/services/${service}`, `/services/${service}/remediation`]) {
    await page.goto(path);
    await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
    // The payload shows as text where the page lists findings (the service page shows only counts).
    if (!path.startsWith("/services/") || path.endsWith("/remediation")) {
      await expect(page.getByText(PAYLOADS.title).or(page.getByText(PAYLOADS.ruleId)).first()).toBeVisible();
    }
    expect(await page.evaluate(() => (window as unknown as { __xss?: string }).__xss)).toBeUndefined();
    // No element from the payload made it into the DOM.
    expect(await page.locator("img[src=x], svg[onload], iframe[srcdoc]").count()).toBe(0);
  }
  await page.goto(`/findings?service=${service}`);
  await page.getByRole("link", { name: PAYLOADS.title }).first().click();
  await expect(page.getByText(PAYLOADS.file).first()).toBeVisible();
  expect(await page.evaluate(() => (window as unknown as { __xss?: string }).__xss)).toBeUndefined();
  expect(dialogs).toEqual([]);
  await page.screenshot({ path: "test-results/screenshots/xss-finding.png", fullPage: true });
});
