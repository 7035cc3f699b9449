// The kept form of a gate's findings (server/gate/kept-input.ts): read back exactly as written, and refused whole when
// it does not hold what its row says.
import { describe, expect, it } from "vitest";
import { decodeKeptFindings, encodeKeptFindings, scansKeyOf } from "@/server/gate/kept-input";
import type { GateFinding } from "@/server/gate/types";

const finding = (over: Partial<GateFinding> = {}): GateFinding => ({
  id: "fnd_01",
  fingerprint: "ab".repeat(32),
  mergedFingerprints: ["cd".repeat(32)],
  severity: "high",
  riskArea: 3,
  kind: "dependency",
  ruleId: "CVE-2021-23337",
  title: 'Command injection in "lodash" \\ template, with a line\nbreak and ✓',
  vulnerabilityId: "CVE-2021-23337",
  aliases: ["GHSA-35jh-r3h4-6jhm"],
  firstSeenAt: new Date("2026-11-20T12:34:56.789Z"),
  packageName: "lodash",
  packageVersion: "4.17.15",
  fixedVersions: ["4.17.21"],
  file: null,
  ...over,
});

describe("kept gate findings", () => {
  it("read back exactly as written, nulls, empty lists and the first-seen instant included", () => {
    const findings = [
      finding(),
      finding({
        id: "fnd_02",
        kind: "code",
        severity: "low",
        riskArea: 1,
        vulnerabilityId: null,
        aliases: [],
        mergedFingerprints: [],
        packageName: null,
        packageVersion: null,
        fixedVersions: [],
        file: "src/app.ts",
        firstSeenAt: new Date(0),
      }),
    ];
    expect(decodeKeptFindings(encodeKeptFindings(findings), 2)).toEqual(findings);
    expect(decodeKeptFindings(encodeKeptFindings([]), 0)).toEqual([]);
  });

  it("a finding without merged fingerprints is kept with an empty list", () => {
    const { mergedFingerprints: _, ...bare } = finding();
    expect(decodeKeptFindings(encodeKeptFindings([bare]), 1)![0]!.mergedFingerprints).toEqual([]);
  });

  it("refuses text that is not what the row says it holds", () => {
    const text = encodeKeptFindings([finding()]);
    expect(decodeKeptFindings(text, 2)).toBeNull();
    expect(decodeKeptFindings(text.slice(0, -3), 1)).toBeNull();
    expect(decodeKeptFindings('{"a":1}', 1)).toBeNull();
    expect(decodeKeptFindings('[["fnd_01"]]', 1)).toBeNull();
  });

  it("names a set of scans the same whatever their order", () => {
    expect(scansKeyOf(["scan_b", "scan_a", "scan_c"])).toBe("scan_a,scan_b,scan_c");
    expect(scansKeyOf(["scan_c", "scan_a", "scan_b"])).toBe(scansKeyOf(["scan_a", "scan_b", "scan_c"]));
  });
});
