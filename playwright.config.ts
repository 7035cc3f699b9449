// E2E: Debian's Chromium drives the production build (`npm start`) on a free port with a fresh data directory.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { defineConfig } from "@playwright/test";

// Worker processes inherit these, so they agree with the runner on the port and the directory.
process.env.E2E_PORT ??= execFileSync(process.execPath, [
  "-e",
  "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{process.stdout.write(String(s.address().port));s.close()})",
]).toString();
process.env.E2E_DATA_DIR ??= path.join(mkdtempSync(path.join(tmpdir(), "gatehouse-e2e-")), "data");

const chromium = process.env.CHROMIUM_PATH ?? ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find((p) => existsSync(p));
const baseURL = `http://localhost:${process.env.E2E_PORT}`;

export default defineConfig({
  testDir: "tests/e2e",
  outputDir: "test-results/e2e",
  fullyParallel: false,
  workers: 1,
  forbidOnly: true,
  reporter: [["list"]],
  timeout: 60_000,
  use: {
    baseURL,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    launchOptions: {
      executablePath: chromium,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    },
  },
  webServer: {
    command: "node scripts/start.mjs",
    url: `${baseURL}/api/health`,
    reuseExistingServer: false,
    timeout: 240_000,
    stdout: "ignore",
    stderr: "pipe",
    env: {
      PORT: process.env.E2E_PORT,
      GATEHOUSE_DATA_DIR: process.env.E2E_DATA_DIR,
      GATEHOUSE_LOG_LEVEL: "warn",
      NEXT_TELEMETRY_DISABLED: "1",
      // The notifications spec's receiver runs on this machine.
      GATEHOUSE_WEBHOOK_ALLOW_HOSTS: "127.0.0.1",
      // The e2e suite always runs on the embedded database; PostgreSQL is covered by the integration tier.
      DATABASE_URL: "",
    },
  },
});
