// Security headers on real responses of the production server: pages, API, static files, errors.
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, tempDir, type RunningServer } from "@/tests/helpers/server";

let plain: RunningServer;
let https: RunningServer;

// A start may wait for a build (one at a time), so it gets a generous deadline.
beforeAll(async () => {
  [plain, https] = await Promise.all([
    startServer({ GATEHOUSE_DATA_DIR: path.join(tempDir(), "data") }, 600_000),
    startServer(
      { GATEHOUSE_DATA_DIR: path.join(tempDir(), "data"), GATEHOUSE_PUBLIC_URL: "https://gatehouse.example.com" },
      600_000,
    ),
  ]);
}, 700_000);

afterAll(async () => {
  await Promise.all([plain?.stop(), https?.stop()]);
});

function expectCommonHeaders(h: Headers) {
  expect(h.get("x-content-type-options")).toBe("nosniff");
  expect(h.get("referrer-policy")).toBe("strict-origin-when-cross-origin");
  expect(h.get("cross-origin-opener-policy")).toBe("same-origin");
  expect(h.get("permissions-policy")).toContain("camera=()");
  expect(h.get("x-frame-options")).toBe("DENY");
  expect(h.get("x-powered-by")).toBeNull();
  expect(h.get("content-security-policy")).toContain("frame-ancestors 'none'");
}

const directives = (csp: string) =>
  new Map(
    csp.split(";").map((d) => {
      const [name, ...values] = d.trim().split(/\s+/);
      return [name!, values] as const;
    }),
  );

describe("security headers on the production server", () => {
  it("gives a page a strict CSP with a fresh nonce that its scripts carry", async () => {
    const res = await fetch(`${plain.url}/`);
    expect(res.status).toBe(200);
    expectCommonHeaders(res.headers);
    const csp = res.headers.get("content-security-policy")!;
    const d = directives(csp);
    const nonce = /'nonce-([A-Za-z0-9+/=]+)'/.exec(csp)?.[1];
    expect(nonce).toBeDefined();
    expect(d.get("script-src")).toEqual(["'self'", `'nonce-${nonce}'`, "'strict-dynamic'"]);
    expect(d.get("style-src")).toEqual(["'self'", `'nonce-${nonce}'`]);
    expect(d.get("object-src")).toEqual(["'none'"]);
    expect(d.get("base-uri")).toEqual(["'none'"]);
    expect(d.get("form-action")).toEqual(["'self'"]);
    expect(d.get("frame-ancestors")).toEqual(["'none'"]);
    expect(csp).not.toMatch(/script-src[^;]*'unsafe-(inline|eval)'/);
    expect(csp).not.toContain("upgrade-insecure-requests");
    expect(res.headers.get("strict-transport-security")).toBeNull();

    const html = await res.text();
    const scripts = [...html.matchAll(/<script\b[^>]*>/g)].map((m) => m[0]);
    expect(scripts.length).toBeGreaterThan(0);
    for (const s of scripts) expect(s).toContain(`nonce="${nonce}"`);

    const again = await fetch(`${plain.url}/`);
    expect(again.headers.get("content-security-policy")).not.toBe(csp);
  });

  it("gives API answers, errors included, a policy that allows nothing", async () => {
    for (const [url, status] of [
      [`${plain.url}/api/health`, 200],
      [`${plain.url}/api/v1/openapi.json`, 200],
      [`${plain.url}/api/v1/scans?service=x`, 401],
      [`${plain.url}/api/v1/gate`, 401],
    ] as const) {
      const res = await fetch(url, { method: status === 401 ? "POST" : "GET" });
      expect(res.status, url).toBe(status);
      expectCommonHeaders(res.headers);
      expect(res.headers.get("content-security-policy")).toBe(
        "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
      );
      const body = await res.text();
      expect(body).not.toMatch(/\n\s+at |node_modules|select .* from/i);
    }
  });

  it("puts the headers on static assets and on unknown paths", async () => {
    const html = await (await fetch(`${plain.url}/`)).text();
    const asset = /(?:src|href)="(\/_next\/static\/[^"]+)"/.exec(html)?.[1];
    expect(asset).toBeDefined();
    const res = await fetch(`${plain.url}${asset}`);
    expect(res.status).toBe(200);
    expectCommonHeaders(res.headers);

    const missing = await fetch(`${plain.url}/no-such-page`);
    expect(missing.status).toBe(404);
    expectCommonHeaders(missing.headers);
  });

  it("sends HSTS and upgrade-insecure-requests only when the public URL is https", async () => {
    for (const p of ["/", "/api/health"]) {
      const res = await fetch(`${https.url}${p}`);
      expectCommonHeaders(res.headers);
      expect(res.headers.get("strict-transport-security")).toBe("max-age=63072000; includeSubDomains");
    }
    const page = await fetch(`${https.url}/`);
    expect(page.headers.get("content-security-policy")).toContain("upgrade-insecure-requests");
  });
});
