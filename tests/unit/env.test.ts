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

  it("caps the heap's growth between full collections at 50% unless told otherwise (0: V8's own)", () => {
    expect(parseEnv({}).GATEHOUSE_HEAP_GROWTH_PERCENT).toBe(50);
    expect(parseEnv({ GATEHOUSE_HEAP_GROWTH_PERCENT: "" }).GATEHOUSE_HEAP_GROWTH_PERCENT).toBe(50);
    expect(parseEnv({ GATEHOUSE_HEAP_GROWTH_PERCENT: "0" }).GATEHOUSE_HEAP_GROWTH_PERCENT).toBe(0);
    expect(() => parseEnv({ GATEHOUSE_HEAP_GROWTH_PERCENT: "-5" })).toThrow(/GATEHOUSE_HEAP_GROWTH_PERCENT/);
    expect(() => parseEnv({ GATEHOUSE_HEAP_GROWTH_PERCENT: "1.5" })).toThrow(/GATEHOUSE_HEAP_GROWTH_PERCENT/);
  });

  it("serves the gate on the main thread alone unless gate workers are asked for, and only with PostgreSQL", () => {
    expect(parseEnv({}).GATEHOUSE_GATE_WORKERS).toBe(0);
    expect(parseEnv({ GATEHOUSE_GATE_WORKERS: "" }).GATEHOUSE_GATE_WORKERS).toBe(0);
    const pg = "postgres://gatehouse@db.internal:5432/gatehouse";
    expect(parseEnv({ DATABASE_URL: pg, GATEHOUSE_GATE_WORKERS: "2" }).GATEHOUSE_GATE_WORKERS).toBe(2);
    expect(() => parseEnv({ GATEHOUSE_GATE_WORKERS: "2" })).toThrow(/GATEHOUSE_GATE_WORKERS: needs DATABASE_URL/);
    expect(() => parseEnv({ DATABASE_URL: pg, GATEHOUSE_GATE_WORKERS: "-1" })).toThrow(/GATEHOUSE_GATE_WORKERS/);
    expect(() => parseEnv({ DATABASE_URL: pg, GATEHOUSE_GATE_WORKERS: "1.5" })).toThrow(/GATEHOUSE_GATE_WORKERS/);
  });

  it("refuses an out-of-range port", () => {
    expect(() => parseEnv({ PORT: "70000" })).toThrow(/PORT/);
  });

  it("turns the audit webhook on only with both its URL and a long secret, and in clear only to this machine", () => {
    const secret = "s".repeat(32);
    expect(parseEnv({}).GATEHOUSE_AUDIT_WEBHOOK_URL).toBeUndefined();
    expect(() => parseEnv({ GATEHOUSE_AUDIT_WEBHOOK_URL: "https://siem.example.com/in" })).toThrow(
      /GATEHOUSE_AUDIT_WEBHOOK_SECRET/,
    );
    expect(() =>
      parseEnv({ GATEHOUSE_AUDIT_WEBHOOK_URL: "https://siem.example.com/in", GATEHOUSE_AUDIT_WEBHOOK_SECRET: "short" }),
    ).toThrow(/GATEHOUSE_AUDIT_WEBHOOK_SECRET: must be at least 32 characters/);
    expect(() =>
      parseEnv({ GATEHOUSE_AUDIT_WEBHOOK_URL: "http://siem.example.com/in", GATEHOUSE_AUDIT_WEBHOOK_SECRET: secret }),
    ).toThrow(/GATEHOUSE_AUDIT_WEBHOOK_URL: must use https/);
    const e = parseEnv({ GATEHOUSE_AUDIT_WEBHOOK_URL: "http://127.0.0.1:9000/in", GATEHOUSE_AUDIT_WEBHOOK_SECRET: secret });
    expect(e.GATEHOUSE_AUDIT_WEBHOOK_URL).toBe("http://127.0.0.1:9000/in");
    expect(e.GATEHOUSE_AUDIT_WEBHOOK_INTERVAL_S).toBe(10);
  });
});
