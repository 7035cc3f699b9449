import { describe, expect, it } from "vitest";
import { isSecretKey, stripSecrets } from "@/server/audit/strip-secrets";
import { tokenStatus } from "@/server/tokens/tokens";
import {
  DEVELOPER_TOKEN_SCOPES,
  ORG_TOKEN_SCOPES,
  orgScopeCeiling,
  scopeCeiling,
  scopesBeyond,
  TEAM_TOKEN_SCOPES,
  TOKEN_SCOPES,
} from "@/server/tokens/token-scopes";

describe("the scope ceiling of a person's role", () => {
  it("lets security and admin grant every team scope in any team, never policies:write on a team token", () => {
    expect(scopeCeiling("admin", false)).toEqual(TEAM_TOKEN_SCOPES);
    expect(scopeCeiling("security", true)).toEqual(TEAM_TOKEN_SCOPES);
    expect(TEAM_TOKEN_SCOPES).toEqual(TOKEN_SCOPES.filter((s) => s !== "policies:write"));
  });

  it("keeps organisation tokens to policies:write and read, made by security and admin only", () => {
    expect(ORG_TOKEN_SCOPES).toEqual(["policies:write", "read"]);
    expect(orgScopeCeiling("admin")).toEqual(ORG_TOKEN_SCOPES);
    expect(orgScopeCeiling("security")).toEqual(ORG_TOKEN_SCOPES);
    expect(orgScopeCeiling("developer")).toEqual([]);
    expect(orgScopeCeiling("viewer")).toEqual([]);
  });

  it("lets developers grant the pipeline scopes (waiver requests included) in their own teams only", () => {
    expect(scopeCeiling("developer", true)).toEqual(DEVELOPER_TOKEN_SCOPES);
    expect(scopeCeiling("developer", true)).toContain("waivers:write");
    expect(scopeCeiling("developer", true)).not.toContain("policies:write");
    expect(scopeCeiling("developer", false)).toEqual([]);
  });

  it("lets viewers grant read only, in their own teams", () => {
    expect(scopeCeiling("viewer", true)).toEqual(["read"]);
    expect(scopeCeiling("viewer", false)).toEqual([]);
  });

  it("names the scopes beyond a ceiling", () => {
    expect(scopesBeyond(["read", "policies:write"], DEVELOPER_TOKEN_SCOPES)).toEqual(["policies:write"]);
    expect(scopesBeyond(["read"], ["read"])).toEqual([]);
  });
});

describe("token status", () => {
  const now = new Date("2030-01-01T00:00:00Z");
  const later = new Date("2030-01-02T00:00:00Z");
  it("is revoked, expired, in its grace period after rotation, or active", () => {
    expect(tokenStatus({ revokedAt: now, expiresAt: later, replacedBy: null }, now)).toBe("revoked");
    expect(tokenStatus({ revokedAt: null, expiresAt: now, replacedBy: null }, now)).toBe("expired");
    expect(tokenStatus({ revokedAt: null, expiresAt: later, replacedBy: "tok_x" }, now)).toBe("grace");
    expect(tokenStatus({ revokedAt: null, expiresAt: later, replacedBy: null }, now)).toBe("active");
  });
});

describe("secrets in audit exports", () => {
  it("recognises secret-bearing keys in any naming style, and leaves ids and prefixes alone", () => {
    for (const k of ["hash", "passwordHash", "password_hash", "secret_hash", "token", "clientSecret", "apiKey", "password"])
      expect(isSecretKey(k), k).toBe(true);
    for (const k of ["tokenId", "displayPrefix", "passwordChangedAt", "hashAlgorithm", "secretsFound", "id", "scopes"])
      expect(isSecretKey(k), k).toBe(false);
  });

  it("drops them at any depth, arrays included", () => {
    expect(
      stripSecrets({ id: "tok_1", hash: "ab", nested: { password_hash: "x", keep: 1, list: [{ secret_hash: "y", n: 2 }] } }),
    ).toEqual({ id: "tok_1", nested: { keep: 1, list: [{ n: 2 }] } });
    expect(stripSecrets(null)).toBeNull();
    expect(stripSecrets("text")).toBe("text");
  });
});
