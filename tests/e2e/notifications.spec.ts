// Settings → Notifications and the stage panel in a real browser: a developer subscribes their team's webhook
// (the whsec_ secret shown once), sends a test that a real local receiver gets and verifies; an allowed artifact
// runs in production, a critical arrives for it, the receiver is told, and the service page says "Out of policy
// since …" with the failing check; the posture counts it. Screenshots of each.
import { createHmac } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { randomBytes } from "node:crypto";
import { expect, test, type Page } from "@playwright/test";
import { PASSWORD, gatehouse, join, screenshots } from "./kit";

const run = randomBytes(3).toString("hex");
const TEAM = `alerts-${run}`;
const SERVICE = `storefront-${run}`;
const DEVELOPER = `oncall-${run}@example.com`;
const ARTIFACT = `sha256:${"f".repeat(64)}`;
const COMMIT = createHmac("sha1", run).update("commit").digest("hex");
const shot = screenshots("notifications");

type Hit = { headers: IncomingHttpHeaders; body: string };
const hits: Hit[] = [];
let receiver: Server;
let hookUrl = "";
let token = "";
let secret = "";

test.describe.configure({ mode: "serial" });

test.beforeAll(async ({ browser }) => {
  receiver = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      hits.push({ headers: req.headers, body });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", () => r()));
  hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/gatehouse`;
  gatehouse("team", "create", TEAM, "--name", `Alerts ${run}`);
  gatehouse("service", "create", SERVICE, "--team", TEAM, "--name", `Storefront ${run}`);
  token = gatehouse("token", "create", "--team", TEAM, "--scopes", "scans:write,gate:evaluate,deployments:write,read")
    .trim()
    .split("\n")
    .at(-1)!;
  const context = await browser.newContext();
  await join(await context.newPage(), DEVELOPER, "developer", "Ona Call", TEAM);
  await context.close();
});

test.afterAll(() => new Promise<void>((r) => receiver.close(() => r())));

/** The receiver's own Standard Webhooks check, from the specification. */
function verified(h: Hit): boolean {
  const key = Buffer.from(secret.replace(/^whsec_/, ""), "base64");
  const mac = createHmac("sha256", key)
    .update(`${h.headers["webhook-id"]}.${h.headers["webhook-timestamp"]}.${h.body}`)
    .digest("base64");
  return String(h.headers["webhook-signature"]).split(" ").includes(`v1,${mac}`);
}

async function signIn(page: Page, path: string) {
  await page.goto(path);
  await page.getByRole("textbox", { name: "Email" }).fill(DEVELOPER);
  await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL((u) => u.pathname === path);
}

const api = async (method: string, path: string, body: string) => {
  const res = await fetch(`http://localhost:${process.env.E2E_PORT}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body,
  });
  expect(res.status, `${method} ${path}: ${await res.clone().text()}`).toBeLessThan(300);
  return (await res.json()) as Record<string, unknown>;
};

const report = (findings: unknown[]) =>
  JSON.stringify({
    gatehouse: "1",
    tool: { name: "trivy", version: "0.60.0" },
    evidence: ["sast", "sca", "secrets", "container", "posture"],
    findings,
  });

test("a developer subscribes their team's webhook, sees the secret once and sends a test", async ({ page }) => {
  await signIn(page, "/settings/notifications");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Notifications");
  await expect(page.getByText("Nobody is told anything yet.")).toBeVisible();
  const form = page.getByRole("form", { name: "Add a subscription" });
  await form.getByLabel("Whose events").selectOption(TEAM);
  await form.getByLabel("URL").fill(hookUrl);
  for (const ev of ["stage.out_of_policy", "stage.back_in_policy", "gate.bypass"])
    await form.getByRole("checkbox", { name: new RegExp(`^${ev.replace(".", "\\.")}`) }).check();
  await form.getByRole("button", { name: "Subscribe" }).click();
  secret = (await page.getByTestId("secret").textContent()) ?? "";
  expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
  const item = page.locator("[data-subscription-id]");
  await expect(item).toHaveCount(1);
  await expect(item).toContainText("stage.out_of_policy");
  await shot(page, "subscribed");

  await item.getByRole("button", { name: "Send a test" }).click();
  await expect(item.getByRole("status")).toHaveText("Test delivered (HTTP 204).");
  const test = hits.find((h) => h.body.includes("notification.test"))!;
  expect(verified(test)).toBe(true);
  // After a reload the secret is gone for good; the delivery is listed.
  await page.reload();
  await expect(page.getByTestId("secret")).toHaveCount(0);
  await page.locator("[data-subscription-id] summary").click();
  await expect(page.locator("[data-subscription-id] table")).toContainText("notification.test");
  await expect(page.locator("body")).not.toContainText(secret);
  await shot(page, "test-sent");
});

test("what runs in production turns out of policy: the receiver is told and the stage panel says since when", async ({
  page,
}) => {
  const scan = (findings: unknown[]) =>
    api("POST", `/api/v1/scans?service=${SERVICE}&commit=${COMMIT}&artifact=${encodeURIComponent(ARTIFACT)}`, report(findings));
  await scan([]);
  for (const stage of ["test", "production"]) {
    const d = await api("POST", "/api/v1/gate", JSON.stringify({ service: SERVICE, stage, commit: COMMIT, artifact: ARTIFACT }));
    expect(d.decision, JSON.stringify(d.checks)).toBe("allow");
    await api("POST", "/api/v1/deployments", JSON.stringify({ service: SERVICE, stage, commit: COMMIT, artifact: ARTIFACT }));
  }
  await signIn(page, `/services/${SERVICE}`);
  await expect(page.locator("#stages [data-stage-status=in_policy]").first()).toBeVisible();
  await shot(page, "stage-in-policy");

  await scan([
    {
      kind: "dependency",
      ruleId: "CVE-2026-31337",
      title: "Remote code execution in libpng",
      severity: "critical",
      vulnerabilityId: "CVE-2026-31337",
      package: { ecosystem: "deb", name: "libpng", version: "1.6.0", fixedVersions: ["1.6.43"] },
    },
  ]);
  // One delivery per event: the two stages' may arrive one after the other.
  await expect
    .poll(() => hits.filter((h) => h.body.includes('"stage.out_of_policy"')).length, { timeout: 30_000 })
    .toBeGreaterThanOrEqual(2);
  const told = hits.filter((h) => h.body.includes('"stage.out_of_policy"'));
  expect(told.every(verified)).toBe(true);
  expect(told.map((h) => JSON.parse(h.body).data.stage).sort()).toEqual(["production", "test"]);

  await page.reload();
  const out = page.locator("#stages [data-stage-status=out_of_policy]");
  await expect(out).toHaveCount(2);
  await expect(out.first()).toContainText("Out of policy since");
  await expect(out.first()).toContainText("At most 0 critical findings");
  await expect(out.first()).toContainText("Fix: Upgrade libpng 1.6.0 → 1.6.43");
  await page.locator("#stages").scrollIntoViewIfNeeded();
  await shot(page, "stage-out-of-policy");

  await page.goto(`/posture?team=${TEAM}`);
  const running = page.locator("#running");
  await expect(running.locator("[data-stage=production]")).toContainText("1 out of policy");
  await expect(running.getByRole("link", { name: `Storefront ${run}` }).first()).toBeVisible();
  await shot(page, "posture-running");

  await page.goto("/settings/notifications");
  await expect(page.locator("[data-subscription-id] table")).toContainText("stage.out_of_policy");
  await shot(page, "deliveries");
});
