import { describe, expect, it } from "vitest";
import { ConfigError, parseEnv } from "@/server/env";

describe("parseEnv", () => {
  it("gives the documented defaults for an empty environment", () => {
    const e = parseEnv({});
    expect(e.PORT).toBe(3000);
    expect(e.GATEHOUSE_DATA_DIR).toBe(".data");
    expect(e.DATABASE_URL).toBeUndefined();
    expect(e.GATEHOUSE_MAX_UPLOAD_MB).toBe(100);
  });

  it("treats an empty DATABASE_URL as unset", () => {
    expect(parseEnv({ DATABASE_URL: "" }).DATABASE_URL).toBeUndefined();
  });

  it("names every bad variable in one message", () => {
    let err: unknown;
    try {
      parseEnv({ PORT: "eighty", DATABASE_URL: "mysql://db/x" });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const msg = (err as Error).message;
    expect(msg).toContain("PORT");
    expect(msg).toContain("DATABASE_URL");
    expect(msg).not.toContain("\n");
  });

  it("refuses an out-of-range port", () => {
    expect(() => parseEnv({ PORT: "70000" })).toThrow(/PORT/);
  });
});
