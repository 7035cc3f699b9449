// The kept form of a gate's findings (server/gate/kept-input.ts): read back exactly as written, and refused whole when
// it does not hold what its row says.
import { describe, expect, it } from "vitest";
import { CHUNK, decodeKeptFindings, decodeKeptParts, encodeKeptFindings, PART, scansKeyOf } from "@/server/gate/kept-input";
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
    // The split form: cut anywhere, or holding one field too many or too few, it is refused.
    const two = encodeKeptFindings([finding(), finding({ id: "fnd_02", file: "src/a-long-file-name.ts" })]);
    for (let cut = 1; cut < 40; cut++) expect(decodeKeptFindings(two.slice(0, -cut), 2)).toBeNull();
    expect(decodeKeptFindings(two.replace("\u0001end", "\u0001x\u0001end"), 2)).toBeNull();
    expect(decodeKeptFindings(two, 1)).toBeNull();
    expect(decodeKeptFindings(two, 3)).toBeNull();
  });

  it("is kept split by control characters, and as JSON when a text holds one of them; both read back the same", () => {
    const plain = [finding(), finding({ id: "fnd_02", aliases: ["GHSA-1", "", "GHSA-2"], fixedVersions: [""] })];
    const split = encodeKeptFindings([plain[0]!]);
    expect(split.startsWith("k3\u0001")).toBe(true);
    expect(decodeKeptFindings(split, 1)).toEqual([plain[0]]);
    // A list of one empty string, and texts holding a separator, are kept as JSON and still read back exactly.
    expect(encodeKeptFindings(plain).startsWith("[")).toBe(true);
    expect(decodeKeptFindings(encodeKeptFindings(plain), 2)).toEqual(plain);
    for (const title of ["a\u0001b", "x\u0002", "\u0003", "y\u0004z"]) {
      const odd = [finding({ title }), finding({ id: "fnd_03", aliases: [`CVE-1${title}`] })];
      const text = encodeKeptFindings(odd);
      expect(text.startsWith("[")).toBe(true);
      expect(decodeKeptFindings(text, 2)).toEqual(odd);
    }
  });

  it("is kept in parts of CHUNK findings, read back from the parts as from the whole text", () => {
    const many = Array.from({ length: 2 * CHUNK + 7 }, (_, i) =>
      finding({ id: `fnd_${String(i).padStart(4, "0")}`, aliases: i % 2 ? ["GHSA-1"] : [], file: i % 3 ? null : `src/${i}.ts` }),
    );
    const text = encodeKeptFindings(many);
    const parts = text.split(PART);
    expect(parts.map((p) => p.split("\u0001").length)).toEqual([1 + CHUNK * 15, CHUNK * 15, 7 * 15 + 1]);
    expect(decodeKeptParts(parts, many.length)).toEqual(many);
    expect(decodeKeptFindings(text, many.length)).toEqual(many);
    // A part missing, or the parts out of order, is refused.
    expect(decodeKeptParts([parts[0]!, parts[2]!], many.length)).toBeNull();
    expect(decodeKeptParts([parts[1]!, parts[0]!, parts[2]!], many.length)).toBeNull();
    // Exactly CHUNK findings: one part; none: one part too.
    expect(encodeKeptFindings(many.slice(0, CHUNK)).split(PART)).toHaveLength(1);
    expect(decodeKeptParts(encodeKeptFindings([]).split(PART), 0)).toEqual([]);
  });

  it("reads rows kept in one part by an earlier version (k2)", () => {
    const two = [finding(), finding({ id: "fnd_02", aliases: ["GHSA-1", "GHSA-2"], vulnerabilityId: null })];
    const k2 = `k2${encodeKeptFindings(two).slice(2)}`;
    expect(decodeKeptFindings(k2, 2)).toEqual(two);
    expect(decodeKeptParts([k2], 2)).toEqual(two);
    expect(decodeKeptFindings(k2.slice(0, -1), 2)).toBeNull();
  });

  it("reads rows kept as JSON by an earlier version", () => {
    const f = finding();
    const row = [
      f.id,
      f.fingerprint,
      f.mergedFingerprints,
      f.severity,
      f.riskArea,
      f.kind,
      f.ruleId,
      f.title,
      f.vulnerabilityId,
      f.aliases,
      f.firstSeenAt.getTime(),
      f.packageName,
      f.packageVersion,
      f.fixedVersions,
      f.file,
    ];
    expect(decodeKeptFindings(JSON.stringify([row]), 1)).toEqual([f]);
  });

  it("findings first seen at one instant share one Date, and each keeps its own value", () => {
    const at = new Date("2026-12-01T00:00:00.000Z");
    const decoded = decodeKeptFindings(
      encodeKeptFindings([finding({ firstSeenAt: at }), finding({ id: "fnd_02", firstSeenAt: at }), finding({ id: "fnd_03" })]),
      3,
    )!;
    expect(decoded.map((f) => f.firstSeenAt.toISOString())).toEqual([
      at.toISOString(),
      at.toISOString(),
      "2026-11-20T12:34:56.789Z",
    ]);
    expect(decoded[0]!.firstSeenAt).toBe(decoded[1]!.firstSeenAt);
  });

  it("names a set of scans the same whatever their order", () => {
    expect(scansKeyOf(["scan_b", "scan_a", "scan_c"])).toBe("scan_a,scan_b,scan_c");
    expect(scansKeyOf(["scan_c", "scan_a", "scan_b"])).toBe(scansKeyOf(["scan_a", "scan_b", "scan_c"]));
  });
});
