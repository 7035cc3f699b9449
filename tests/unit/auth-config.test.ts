import { describe, expect, it } from "vitest";
import { safeNext } from "@/server/auth/forms";
import { externalProviders, sessionLimits } from "@/server/auth/settings";
import { describeWait } from "@/server/auth/sign-in";
import { ConfigError, parseEnv } from "@/server/env";

describe("sign-in configuration", () => {
  it("has safe defaults: 60 idle minutes, 12 hours at most, no external providers", () => {
    const e = parseEnv({});
    expect(sessionLimits(e)).toEqual({ idleMinutes: 60, maxHours: 12 });
    expect(e.GATEHOUSE_AUTH_SECRET).toBeUndefined();
    expect(externalProviders(e)).toEqual({ oidc: null, github: null });
  });

  it("turns OIDC and GitHub on only with all of their variables", () => {
    const e = parseEnv({
      GATEHOUSE_OIDC_ISSUER: "https://login.example.com/realms/acme",
      GATEHOUSE_OIDC_CLIENT_ID: "gatehouse",
      GATEHOUSE_OIDC_CLIENT_SECRET: "s",
      GATEHOUSE_GITHUB_CLIENT_ID: "gh",
      GATEHOUSE_GITHUB_CLIENT_SECRET: "ghs",
    });
    expect(externalProviders(e)).toEqual({
      oidc: { issuer: "https://login.example.com/realms/acme", clientId: "gatehouse", clientSecret: "s", name: "Single sign-on" },
      github: { clientId: "gh", clientSecret: "ghs" },
    });
    // Empty values count as unset.
    expect(
      externalProviders(parseEnv({ GATEHOUSE_GITHUB_CLIENT_ID: "", GATEHOUSE_GITHUB_CLIENT_SECRET: " " })).github,
    ).toBeNull();
  });

  it("refuses half a provider, a short secret and bad durations, never echoing a secret", () => {
    const bad = () =>
      parseEnv({
        GATEHOUSE_GITHUB_CLIENT_SECRET: "github-secret-value",
        GATEHOUSE_AUTH_SECRET: "too-short-secret-value",
        GATEHOUSE_SESSION_IDLE_MINUTES: "0",
      });
    expect(bad).toThrow(ConfigError);
    let message = "";
    try {
      bad();
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain("GATEHOUSE_AUTH_SECRET: must be at least 32 characters (got [redacted])");
    expect(message).toContain("GATEHOUSE_SESSION_IDLE_MINUTES");
    expect(message).not.toContain("too-short-secret-value");
    expect(() => parseEnv({ GATEHOUSE_OIDC_ISSUER: "https://idp.example.com" })).toThrow(
      /GATEHOUSE_OIDC_CLIENT_ID: is required when GATEHOUSE_OIDC_ISSUER is set/,
    );
    expect(() => parseEnv({ GATEHOUSE_GITHUB_CLIENT_SECRET: "x" })).toThrow(/GATEHOUSE_GITHUB_CLIENT_ID: is required/);
  });
});

describe("safeNext", () => {
  it("keeps paths on this site", () => {
    expect(safeNext("/services/checkout?tab=findings")).toBe("/services/checkout?tab=findings");
    expect(safeNext(undefined)).toBe("/");
  });

  it("refuses anything that could leave the site or loop back to sign-in", () => {
    for (const v of [
      "https://evil.example",
      "//evil.example",
      "/\\evil.example",
      "/\t/evil.example",
      "javascript:alert(1)",
      "",
      "/sign-in",
      "/setup?token=x",
    ])
      expect(safeNext(v)).toBe("/");
  });
});

describe("describeWait", () => {
  it("speaks in seconds under a minute, in whole minutes (rounded up) above", () => {
    expect(describeWait(1)).toBe("1 second");
    expect(describeWait(45)).toBe("45 seconds");
    expect(describeWait(60)).toBe("1 minute");
    expect(describeWait(61)).toBe("2 minutes");
    expect(describeWait(900)).toBe("15 minutes");
  });
});
