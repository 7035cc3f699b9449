// What the e2e specs share: the operator CLI against the e2e server's data directory, invitations, screenshots.
import { execFileSync } from "node:child_process";
import type { Page } from "@playwright/test";

export const PASSWORD = "correct horse battery staple";

/** The operator CLI; it reaches the running e2e server through its loopback admin endpoint. */
export function gatehouse(...args: string[]): string {
  return execFileSync(process.execPath, ["bin/gatehouse.mjs", ...args], {
    env: { ...process.env, GATEHOUSE_DATA_DIR: process.env.E2E_DATA_DIR, DATABASE_URL: "" },
    encoding: "utf8",
    timeout: 120_000,
  });
}

export const linkIn = (output: string) => {
  const m = /(http:\/\/\S+\/setup\?token=\S+)/.exec(output);
  if (!m) throw new Error(`no setup link in:\n${output}`);
  return m[1]!;
};

/** Accepts an invitation made at the CLI: the new account is signed in at once. */
export async function join(page: Page, email: string, role: string, name: string, team?: string) {
  const link = linkIn(gatehouse("user", "invite", "--email", email, "--role", role, ...(team ? ["--team", team] : [])));
  await page.goto(link);
  await page.getByLabel("Your name").fill(name);
  await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await page.getByLabel("Repeat the password").fill(PASSWORD);
  await page.getByRole("button", { name: "Create account" }).click();
  await page.waitForURL((u) => !u.pathname.startsWith("/setup"));
}

/** Full-page screenshots under test-results/screenshots/<prefix>-<name>.png. */
export const screenshots = (prefix: string) => (page: Page, name: string) =>
  page.screenshot({ path: `test-results/screenshots/${prefix}-${name}.png`, fullPage: true });
