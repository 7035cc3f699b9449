import { describe, expect, it } from "vitest";
import { relative } from "@/components/waivers/format";

describe("relative", () => {
  const now = new Date("2026-11-20T12:00:00Z");
  const at = (ms: number) => new Date(now.getTime() + ms).toISOString();
  const H = 3_600_000;

  it("says how far ahead an expiry is, rounded", () => {
    expect(relative(at(7 * 24 * H - 60_000), now)).toBe("in 7 days");
    expect(relative(at(36 * H - 1), now)).toBe("in 1 day");
    expect(relative(at(5 * H), now)).toBe("in 5 h");
    expect(relative(at(10 * 60_000), now)).toBe("in 10 min");
    expect(relative(at(1_000), now)).toBe("in 1 min");
  });

  it("says how long ago a past expiry was", () => {
    expect(relative(at(-3 * 24 * H), now)).toBe("3 days ago");
    expect(relative(at(0), now)).toBe("just now");
  });
});
