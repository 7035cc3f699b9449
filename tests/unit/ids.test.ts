import { describe, expect, it } from "vitest";
import { isId, newId } from "@/server/ids";

describe("newId", () => {
  it("has the kind's prefix and 26 base32 characters", () => {
    const id = newId("service");
    expect(id).toMatch(/^svc_[0-9a-z]{26}$/);
    expect(isId("service", id)).toBe(true);
    expect(isId("scan", id)).toBe(false);
  });

  it("sorts by creation time", () => {
    const a = newId("scan", 1_700_000_000_000);
    const b = newId("scan", 1_700_000_000_001);
    const c = newId("scan", 1_800_000_000_000);
    expect([c, b, a].sort()).toEqual([a, b, c]);
  });

  it("sorts in creation order within one millisecond", () => {
    const ids = Array.from({ length: 1000 }, () => newId("scan", 1_700_000_000_123));
    expect([...ids].sort()).toEqual(ids);
  });

  it("is unique", () => {
    const ids = new Set(Array.from({ length: 10_000 }, () => newId("finding", 1)));
    expect(ids.size).toBe(10_000);
  });
});
