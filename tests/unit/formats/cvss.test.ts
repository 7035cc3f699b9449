import { describe, it, expect } from "vitest";
import { cvss3BaseScore, cvssVersionOf, roundUp } from "@/server/ingest/formats/cvss";

describe("CVSS v3 base score", () => {
  // Vectors and scores as NVD publishes them (the same pairs appear in the samples).
  it.each([
    ["CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8],
    ["CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", 10],
    ["CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:H/I:H/A:H", 9.9],
    ["CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:N/A:H", 5.9],
    ["CVSS:3.1/AV:N/AC:H/PR:H/UI:N/S:U/C:H/I:H/A:H", 6.6],
    ["CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", 7.8],
    ["CVSS:3.0/AV:L/AC:L/PR:L/UI:N/S:C/C:N/I:H/A:N", 6.5],
    ["CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:L/I:L/A:N", 4.8],
    ["CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:L/A:N", 5.3],
    ["CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N", 0],
    ["CVSS:3.1/AV:L/AC:L/PR:H/UI:N/S:C/C:H/I:N/A:N", 6.0],
  ])("%s → %d", (vector, score) => {
    expect(cvss3BaseScore(vector)?.score).toBe(score);
  });

  it("keeps the version of the prefix and accepts temporal metrics and unprefixed v3 vectors", () => {
    expect(cvss3BaseScore("CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H")).toEqual({
      score: 7.5,
      version: "3.0",
      vector: "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H",
    });
    expect(cvss3BaseScore("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:L/A:L/E:F/RL:O/RC:R")?.score).toBe(8.6);
    expect(cvss3BaseScore("AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N")).toMatchObject({ score: 7.5, version: undefined });
  });

  it("refuses v2, v4 and broken vectors", () => {
    expect(cvss3BaseScore("AV:N/AC:M/Au:N/C:C/I:C/A:C")).toBeUndefined();
    expect(cvss3BaseScore("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N")).toBeUndefined();
    expect(cvss3BaseScore("CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H")).toBeUndefined();
    expect(cvss3BaseScore("CVSS:3.1/AV:N")).toBeUndefined();
    expect(cvss3BaseScore(42)).toBeUndefined();
  });

  it("rounds up to one decimal without floating-point noise", () => {
    expect(roundUp(4.02)).toBe(4.1);
    expect(roundUp(4.0)).toBe(4);
    expect(roundUp(4.000001)).toBe(4);
  });

  it("names versions from a method or a vector prefix", () => {
    expect(cvssVersionOf("CVSSv31")).toBe("3.1");
    expect(cvssVersionOf("CVSSv3")).toBe("3.0");
    expect(cvssVersionOf("CVSSv2")).toBe("2.0");
    expect(cvssVersionOf("CVSSv4")).toBe("4.0");
    expect(cvssVersionOf("CVSSv3", "CVSS:3.1/AV:N")).toBe("3.1");
    expect(cvssVersionOf("OWASP")).toBeUndefined();
  });
});
