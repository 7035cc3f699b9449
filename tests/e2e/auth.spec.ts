// People and sign-in in a real browser: first-run setup through a one-time link, sign-in, sign-out (the
// session ends on the server, not just in the browser), password change, and the sign-in rate limit.
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { expect, test, type Page } from "@playwright/test";

const PASSWORD = "correct horse battery staple";
const NEW_PASSWORD = "a different passphrase entirely";
const run = randomBytes(3).toString("hex");
const ADMIN = `admin-${run}@example.com`;
const VIEWER = `viewer-${run}@example.com`;

/** The operator CLI, through the running e2e server (it holds the embedded database). */
function gatehouse(...args: string[]): string {
  return execFileSync(process.execPath, ["bin/gatehouse.mjs", ...args], {
    env: { ...process.env, GATEHOUSE_DATA_DIR: process.env.E2E_DATA_DIR, DATABASE_URL: "" },
    encoding: "utf8",
  });
}

const linkIn = (output: string) => {
  const m = /(http:\/\/\S+\/setup\?token=\S+)/.exec(output);
  if (!m) throw new Error(`no setup link in:\n${output}`);
  return m[1]!;
};

const shot = (page: Page, name: string) => page.screenshot({ path: `test-results/screenshots/auth-${name}.png`, fullPage: true });

async function signIn(page: Page, email: string, password: string) {
  await page.getByRole("textbox", { name: "Email" }).fill(email);
  await page.getByLabel("Password", { exact: true }).fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

test.describe.configure({ mode: "serial" });

test("first-run setup: a one-time link creates the admin and signs them in", async ({ page, context }) => {
  const link = linkIn(gatehouse("admin", "create", "--email", ADMIN));
  await page.goto(link);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Create an admin account");
  await expect(page.getByTestId("setup-email")).toHaveText(ADMIN);
  await shot(page, "setup");

  // Too short: refused, announced, and nothing is used up.
  await page.getByLabel("Your name").fill("Ada Admin");
  await page.getByLabel("Password", { exact: true }).fill("too short");
  await page.getByLabel("Repeat the password").fill("too short");
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByTestId("form-error")).toHaveText("Check the highlighted fields.");
  await expect(page.getByTestId("form-error")).toBeFocused();
  await expect(page.getByLabel("Password", { exact: true })).toHaveAttribute("aria-invalid", "true");
  await expect(page.getByText("Must be at least 12 characters.")).toBeVisible();
  await shot(page, "setup-error");

  await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await page.getByLabel("Repeat the password").fill(PASSWORD);
  await page.getByRole("button", { name: "Create account" }).click();
  await page.waitForURL((u) => !u.pathname.startsWith("/setup"));

  await page.goto("/account");
  await expect(page.getByTestId("account-email")).toHaveText(ADMIN);
  await expect(page.getByTestId("account-role")).toHaveText("admin");
  await shot(page, "account");

  // The session cookie: httpOnly, Secure (localhost counts as a secure origin), SameSite=Lax.
  const cookie = (await context.cookies()).find((c) => c.name.endsWith("authjs.session-token"));
  expect(cookie).toMatchObject({ httpOnly: true, secure: true, sameSite: "Lax" });

  // The link worked once.
  await page.goto(link);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("This link does not work");
  await expect(page.getByTestId("setup-problem")).toContainText("invalid, has expired or was already used");
});

test("sign-out ends the session on the server, and sign-in starts a new one", async ({ page, context, browser }) => {
  await page.goto("/sign-in?callbackUrl=/account");
  await signIn(page, ADMIN, PASSWORD);
  await page.waitForURL((u) => u.pathname === "/account");
  const stolen = (await context.cookies()).filter((c) => c.name.includes("authjs"));

  await page.goto("/sign-out");
  await shot(page, "sign-out");
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.waitForURL((u) => u.pathname === "/sign-in" && u.searchParams.has("signed_out"));
  await expect(page.getByTestId("form-notice")).toHaveText("You have signed out.");
  await shot(page, "signed-out");
  await page.goto("/account");
  await expect(page).toHaveURL(/\/sign-in\?callbackUrl=%2Faccount|\/sign-in\?callbackUrl=\/account/);

  // The old cookie, replayed from elsewhere, is worth nothing: its session row is revoked.
  const other = await browser.newContext();
  await other.addCookies(stolen);
  const replay = await other.newPage();
  await replay.goto("/account");
  await expect(replay).toHaveURL(/\/sign-in/);
  await other.close();

  await page.goto("/sign-in?callbackUrl=/account");
  await shot(page, "sign-in");
  await signIn(page, ADMIN, PASSWORD);
  await page.waitForURL((u) => u.pathname === "/account");
  await expect(page.getByTestId("account-email")).toHaveText(ADMIN);
});

test("changing the password signs out every other session and keeps this one", async ({ page, browser }) => {
  const elsewhere = await browser.newContext();
  const other = await elsewhere.newPage();
  await other.goto("/sign-in?callbackUrl=/account");
  await signIn(other, ADMIN, PASSWORD);
  await other.waitForURL((u) => u.pathname === "/account");

  await page.goto("/sign-in?callbackUrl=/account");
  await signIn(page, ADMIN, PASSWORD);
  await page.waitForURL((u) => u.pathname === "/account");
  await page.getByLabel("Current password").fill("not my password at all");
  await page.getByLabel("New password", { exact: true }).fill(NEW_PASSWORD);
  await page.getByLabel("Repeat the new password").fill(NEW_PASSWORD);
  await page.getByRole("button", { name: "Change password" }).click();
  await expect(page.getByText("The current password is not right.")).toBeVisible();
  await expect(page.getByTestId("form-error")).toBeFocused();

  await page.getByLabel("Current password").fill(PASSWORD);
  await page.getByLabel("New password", { exact: true }).fill(NEW_PASSWORD);
  await page.getByLabel("Repeat the new password").fill(NEW_PASSWORD);
  await page.getByRole("button", { name: "Change password" }).click();
  await page.waitForURL((u) => u.pathname === "/account" && u.searchParams.has("password_changed"));
  await expect(page.getByTestId("form-notice")).toContainText("Your password has changed");
  await shot(page, "password-changed");

  await other.reload();
  await expect(other).toHaveURL(/\/sign-in/);
  await elsewhere.close();
});

test("a wrong password is refused, and the sixth attempt is rate-limited with the wait", async ({ page, request }) => {
  const link = linkIn(gatehouse("user", "invite", "--email", VIEWER, "--role", "viewer"));
  await page.goto(link);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Join Gatehouse");
  await page.getByLabel("Your name").fill("Vic Viewer");
  await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await page.getByLabel("Repeat the password").fill(PASSWORD);
  await page.getByRole("button", { name: "Create account" }).click();
  await page.waitForURL((u) => !u.pathname.startsWith("/setup"));
  await page.context().clearCookies();

  await page.goto("/sign-in");
  for (let i = 1; i <= 5; i++) {
    await signIn(page, VIEWER, `wrong password number ${i}`);
    await expect(page.getByTestId("form-error")).toHaveText("The email or password is not right.");
    await expect(page.getByTestId("form-error")).toBeFocused();
  }
  await expect(page.getByRole("textbox", { name: "Email" })).toHaveValue(VIEWER);
  await shot(page, "wrong-password");
  // Now even the right password waits for the window to pass.
  await signIn(page, VIEWER, PASSWORD);
  await expect(page.getByTestId("form-error")).toHaveText("Too many sign-in attempts. Try again in 15 minutes.");
  await expect(page).toHaveURL(/\/sign-in/);
  await shot(page, "rate-limited");

  // Auth.js's own endpoint answers the same, with Retry-After in seconds.
  const { csrfToken } = (await (await request.get("/api/auth/csrf")).json()) as { csrfToken: string };
  const res = await request.post("/api/auth/callback/credentials", {
    form: { email: VIEWER, password: PASSWORD, csrfToken },
    maxRedirects: 0,
  });
  expect(res.status()).toBe(302);
  expect(res.headers()["location"]).toMatch(/\/sign-in\?error=CredentialsSignin&code=rate_limited_\d+$/);
  const retryAfter = Number(res.headers()["retry-after"]);
  expect(retryAfter).toBeGreaterThan(800);
  expect(retryAfter).toBeLessThanOrEqual(900);
});
