import { describe, it, expect } from "vitest";
import { trufflehog3Format as fmt } from "@/server/ingest/formats/trufflehog3";
import { ReportSchemaError, type Document, type ParsedReport, type RawFinding } from "@/server/ingest/types";
import { describeFormatContract, expectNoReportMetadata } from "@/tests/helpers/format-contract";
import { isMalformed, loadSample, manifest, sampleText, testContext } from "@/tests/helpers/samples";

const all = (r: ParsedReport): RawFinding[] => r.parts.flatMap((p) => p.findings);
const parseSample = (rel: string) => fmt.parse(loadSample(rel), testContext);
const json = (value: unknown): Document => ({ type: "json", value });

const EXPECTED: [string, number][] = [
  ["defectdojo__trufflehog3__issue_6999.json", 1],
  ["defectdojo__trufflehog3__many_vulns_current.json", 4],
  // manifest says 32 (records): each distinct string in a legacy record's stringsFound is its own secret
  ["defectdojo__trufflehog3__many_vulns_legacy.json", 74],
  ["defectdojo__trufflehog3__zero_vulns.json", 0],
];

// `[]` is ambiguous (gitleaks, hadolint, GitHub lists…): undetected, zero findings when named.
const AMBIGUOUS = new Set(["defectdojo__trufflehog3__zero_vulns.json"]);

/** Every secret-bearing value of a sample: secret, context lines, legacy strings. */
function rawSecrets(rel: string): string[] {
  const out: string[] = [];
  for (const o of JSON.parse(sampleText(rel)) as Record<string, unknown>[]) {
    if (typeof o.secret === "string") out.push(o.secret);
    if (o.context && typeof o.context === "object") out.push(...Object.values(o.context as Record<string, string>));
    if (Array.isArray(o.stringsFound)) out.push(...(o.stringsFound as string[]));
  }
  return out.map((s) => s.trim()).filter((s) => s.length >= 4);
}

describeFormatContract(fmt, { folders: ["trufflehog3"] });

describe("trufflehog3 samples", () => {
  const rows = manifest().filter((r) => r.format === "trufflehog3" && !isMalformed(r));

  it("covers every trufflehog3 row of the manifest", () => {
    expect(rows.map((r) => r.file.replace(/^trufflehog3\//, "")).sort()).toEqual(EXPECTED.map(([f]) => f).sort());
  });

  it.each(EXPECTED)("%s → %i findings, no secret in the output", (file, count) => {
    const doc = loadSample(`trufflehog3/${file}`);
    expect(fmt.detect(doc)).toBe(!AMBIGUOUS.has(file));
    const r = fmt.parse(doc, testContext);
    expect(r.format).toBe("trufflehog3");
    expect(r.tool).toEqual({ name: "trufflehog3" });
    expect(r.evidence).toEqual(["secrets"]);
    expect(all(r)).toHaveLength(count);
    const out = JSON.stringify(r);
    for (const s of rawSecrets(`trufflehog3/${file}`)) expect(out).not.toContain(s);
  });
});

describe("trufflehog3 fields", () => {
  it("maps a current issue with its rule severity, and keeps neither context nor the secret-derived id", () => {
    const fs = all(parseSample("trufflehog3/defectdojo__trufflehog3__many_vulns_current.json"));
    expect(fs.map((f) => f.severity)).toEqual(["high", "medium", "low", "medium"]);
    expect(fs[2]).toEqual({
      kind: "secret",
      ruleId: "high-entropy",
      title: "High Entropy",
      severity: "low",
      aliases: [],
      cwes: [],
      location: { file: "env-file.txt", startLine: 10 },
      secret: testContext.redact("44c45225cf94e58d0c86f0a31051eb7c52c8f78f"),
    });
    expect(fs[0]?.properties).toEqual({ commit: "9c3f4d641d14eba2740febccd902cde300218a8d", branch: "python-ab08dd9" });
    expect(JSON.stringify(fs)).not.toContain("6ac0ab3b-5f34-3d2a-886c-08424de77b23");
    // the same secret in the same file, found in two commits: same secret hash
    expect(fs[1]?.secret).toEqual(fs[3]?.secret);
  });

  it("maps a legacy record's strings to high, defaulted", () => {
    const fs = all(parseSample("trufflehog3/defectdojo__trufflehog3__many_vulns_legacy.json"));
    expect(fs[0]).toMatchObject({
      ruleId: "High entropy",
      severity: "high",
      severityDefaulted: true,
      location: { file: "fixtures/users.json" },
      properties: { commit: "3e2d1f58bf2ee974fb1195373d8526876fd6348b", branch: "origin/master" },
    });
  });
});

describe("trufflehog3 edge cases", () => {
  it("parses null, [] and {} to zero findings", () => {
    for (const v of [null, [], {}]) expect(all(fmt.parse(json(v), testContext))).toHaveLength(0);
  });

  it("defaults a missing rule severity to high", () => {
    const [f] = all(
      fmt.parse(json([{ rule: { id: "x", message: "X" }, path: "a", line: "1", secret: "s3cr3tvalue" }]), testContext),
    );
    expect(f).toMatchObject({ severity: "high", severityDefaulted: true });
  });

  it("rejects wrong types with the path", () => {
    expect(() => fmt.parse(json({ issues: [] }), testContext)).toThrow(ReportSchemaError);
    expect(() => fmt.parse(json([{ rule: "x", path: "a", secret: "abcdefgh", context: {} }]), testContext)).toThrowError(
      /^\[0\]\.rule:/,
    );
    expect(() => fmt.parse(json([{ reason: "r", path: "a", commitHash: "c", stringsFound: null }]), testContext)).toThrowError(
      /^\[0\]\.stringsFound:/,
    );
  });
});

describe("trufflehog3 report metadata", () => {
  it("records no report time, artifact digest or target in any sample", () => {
    // trufflehog3 writes only findings.
    expectNoReportMetadata(fmt, "trufflehog3");
  });
});
