import { expect, test } from "@playwright/test";

test("the home page shows what Gatehouse is and its health", async ({ page, request }) => {
  const health = await (await request.get("/api/health")).json();
  expect(health).toMatchObject({ status: "ok", database: "pglite" });

  await page.goto("/");
  await expect(page.getByRole("heading", { level: 1 })).toContainText("decision layer");
  await expect(page.getByTestId("health-status")).toHaveText("Operational");
  await expect(page.getByTestId("health-database")).toHaveText("pglite (embedded)");
  await expect(page.getByTestId("health-migrations")).toHaveText(health.migrations);
  await expect(page.getByTestId("health-version")).toHaveText(health.version);
  await page.screenshot({ path: "test-results/screenshots/home.png", fullPage: true });
});
