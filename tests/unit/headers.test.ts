import { describe, expect, it } from "vitest";
import { checkSameOrigin } from "@/server/security/csrf";
import { contentSecurityPolicy, generateNonce, isHttpsUrl, nonceFromCsp, securityHeaders } from "@/server/security/headers";

const directives = (csp: string) => new Map(csp.split("; ").map((d) => [d.split(" ")[0]!, d.split(" ").slice(1)] as const));

describe("content security policy", () => {
  it("allows scripts only by nonce (and what they load), never inline or eval in production", () => {
    const d = directives(contentSecurityPolicy({ nonce: "abc123==", dev: false, https: false }));
    expect(d.get("script-src")).toEqual(["'self'", "'nonce-abc123=='", "'strict-dynamic'"]);
    expect(d.get("style-src")).toEqual(["'self'", "'nonce-abc123=='"]);
    expect(d.get("style-src-attr")).toEqual(["'unsafe-inline'"]);
    expect(d.get("object-src")).toEqual(["'none'"]);
    expect(d.get("base-uri")).toEqual(["'none'"]);
    expect(d.get("frame-ancestors")).toEqual(["'none'"]);
    expect(d.get("form-action")).toEqual(["'self'"]);
    expect(d.has("upgrade-insecure-requests")).toBe(false);
  });

  it("relaxes only what next dev needs, and upgrades requests behind https", () => {
    const dev = directives(contentSecurityPolicy({ nonce: "n", dev: true, https: false }));
    expect(dev.get("script-src")).toContain("'unsafe-eval'");
    expect(dev.get("script-src")).not.toContain("'unsafe-inline'");
    expect(directives(contentSecurityPolicy({ nonce: "n", dev: false, https: true })).has("upgrade-insecure-requests")).toBe(
      true,
    );
  });

  it("gives API answers a policy that allows nothing", () => {
    expect(contentSecurityPolicy({ nonce: "n", dev: false, https: false, api: true })).toBe(
      "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
    );
  });

  it("makes a fresh 128-bit nonce each time and reads it back from the header", () => {
    const a = generateNonce();
    expect(Buffer.from(a, "base64")).toHaveLength(16);
    expect(generateNonce()).not.toBe(a);
    expect(nonceFromCsp(contentSecurityPolicy({ nonce: a, dev: false, https: false }))).toBe(a);
    expect(nonceFromCsp(null)).toBeUndefined();
  });
});

describe("security headers", () => {
  it("sends HSTS only when the public URL is https", () => {
    expect(securityHeaders({ nonce: "n", dev: false, https: false })["strict-transport-security"]).toBeUndefined();
    expect(securityHeaders({ nonce: "n", dev: false, https: true })["strict-transport-security"]).toMatch(/^max-age=\d{8}/);
    expect(isHttpsUrl("https://gatehouse.example.com")).toBe(true);
    expect(isHttpsUrl("http://localhost:3000")).toBe(false);
    expect(isHttpsUrl(undefined)).toBe(false);
  });

  it("always sends nosniff, a referrer policy, a permissions policy and COOP", () => {
    const h = securityHeaders({ nonce: "n", dev: false, https: false });
    expect(h).toMatchObject({
      "x-content-type-options": "nosniff",
      "referrer-policy": "strict-origin-when-cross-origin",
      "cross-origin-opener-policy": "same-origin",
      "x-frame-options": "DENY",
    });
    expect(h["permissions-policy"]).toContain("camera=()");
  });
});

describe("CSRF: checkSameOrigin", () => {
  const req = (method: string, headers: Record<string, string>, url = "http://localhost:3000/api/trpc/x") => ({
    method,
    url,
    headers: new Headers({ host: "localhost:3000", ...headers }),
  });

  it("lets safe methods through whatever their origin", () => {
    expect(checkSameOrigin(req("GET", { "sec-fetch-site": "cross-site" })).ok).toBe(true);
    expect(checkSameOrigin(req("HEAD", {})).ok).toBe(true);
  });

  it("trusts Sec-Fetch-Site when the browser sends it", () => {
    expect(checkSameOrigin(req("POST", { "sec-fetch-site": "same-origin" })).ok).toBe(true);
    for (const site of ["cross-site", "same-site", "none"]) {
      expect(checkSameOrigin(req("POST", { "sec-fetch-site": site, origin: "http://localhost:3000" })).ok).toBe(false);
    }
  });

  it("otherwise compares Origin with the host the request was sent to, or the public URL", () => {
    expect(checkSameOrigin(req("POST", { origin: "http://localhost:3000" })).ok).toBe(true);
    // TLS ends at a proxy: the browser says https, the server sees http, the host is the same.
    expect(checkSameOrigin(req("PUT", { origin: "https://localhost:3000" })).ok).toBe(true);
    expect(
      checkSameOrigin(
        req("PATCH", { origin: "https://gatehouse.example.com", host: "10.0.0.5:3000" }, "http://10.0.0.5:3000/x"),
        "https://gatehouse.example.com",
      ).ok,
    ).toBe(true);
    expect(checkSameOrigin(req("DELETE", { origin: "https://evil.example" })).ok).toBe(false);
    expect(checkSameOrigin(req("POST", { origin: "http://localhost:3000.evil.example" })).ok).toBe(false);
    expect(checkSameOrigin(req("POST", { origin: "null" })).ok).toBe(false);
    expect(checkSameOrigin(req("POST", { origin: "not a url" })).ok).toBe(false);
  });

  it("refuses a mutation that carries neither header", () => {
    expect(checkSameOrigin(req("POST", {}))).toEqual({ ok: false, reason: "no Origin header" });
  });
});
