import { describe, it, expect } from "vitest";
import { gitleaksFormat as fmt } from "@/server/ingest/formats/gitleaks";
import { ReportSchemaError, type Document, type ParsedReport, type RawFinding } from "@/server/ingest/types";
import { describeFormatContract, expectNoReportMetadata } from "@/tests/helpers/format-contract";
import { isMalformed, loadSample, manifest, sampleText, testContext } from "@/tests/helpers/samples";

const all = (r: ParsedReport): RawFinding[] => r.parts.flatMap((p) => p.findings);
const parseSample = (rel: string) => fmt.parse(loadSample(rel), testContext);
const json = (value: unknown): Document => ({ type: "json", value });

// Findings verified by reading each file: one per array element.
const EXPECTED: [string, number][] = [
  ["defectdojo__gitleaks__data_one.json", 1],
  ["defectdojo__gitleaks__gitleaks8_many.json", 4],
  ["defectdojo__gitleaks__issue4336.json", 1],
  ["defectdojo__gitleaks__no_findings.json", 0],
  ["defectdojo__gitleaks__redacted_data_many.json", 6],
  ["defectdojo__gitleaks__version_7.5.0.json", 8],
  ["gitleaks__baseline.json", 2],
  ["gitleaks__json_simple.json", 1],
  ["securecodebox__test-empty-report.json", 0],
  ["securecodebox__test-report.json", 4],
];

// `null` (what gitleaks writes when nothing is found) and `[]` are ambiguous: undetected, zero findings when named.
const AMBIGUOUS = new Set(["defectdojo__gitleaks__no_findings.json", "securecodebox__test-empty-report.json"]);

/** Every secret-bearing text of a gitleaks sample: none may appear in the parsed output. */
function rawSecrets(rel: string): string[] {
  const v: unknown = JSON.parse(sampleText(rel));
  const out: string[] = [];
  for (const o of Array.isArray(v) ? (v as Record<string, unknown>[]) : []) {
    for (const k of ["Secret", "Match", "Line", "offender", "line", "Message", "commitMessage"]) {
      const s = o[k];
      // "REDACTED" and asterisk masks are the tool's own redaction, not secrets
      if (typeof s === "string" && s.trim().length >= 4 && !/^(REDACTED|\*+)$/.test(s.trim())) out.push(s.trim());
    }
  }
  return out;
}

describeFormatContract(fmt, { folders: ["gitleaks"] });

describe("gitleaks samples", () => {
  const rows = manifest().filter((r) => r.format === "gitleaks" && !isMalformed(r));

  it("covers every gitleaks row of the manifest", () => {
    expect(rows.map((r) => r.file.replace(/^gitleaks\//, "")).sort()).toEqual(EXPECTED.map(([f]) => f).sort());
  });

  it.each(EXPECTED)("%s → %i findings, no secret in the output", (file, count) => {
    const doc = loadSample(`gitleaks/${file}`);
    expect(fmt.detect(doc)).toBe(!AMBIGUOUS.has(file));
    const r = fmt.parse(doc, testContext);
    expect(r.format).toBe("gitleaks");
    expect(r.tool).toEqual({ name: "gitleaks" });
    expect(r.evidence).toEqual(["secrets"]);
    expect(all(r)).toHaveLength(count);
    const out = JSON.stringify(r);
    for (const s of rawSecrets(`gitleaks/${file}`)) expect(out).not.toContain(s);
    for (const f of all(r)) {
      expect(f.kind).toBe("secret");
      expect(f.secret?.hash).toMatch(/^[0-9a-f]{64}$/);
      expect(f.toolFingerprint).toBeUndefined();
    }
  });
});

describe("gitleaks fields", () => {
  it("maps a v8 leak", () => {
    const fs = all(parseSample("gitleaks/securecodebox__test-report.json"));
    expect(fs[0]).toEqual({
      kind: "secret",
      ruleId: "generic-api-key",
      title: "Generic API Key",
      severity: "high",
      severityDefaulted: true,
      aliases: [],
      cwes: [],
      location: {
        file: "hooks/persistence-azure-monitor/hook/hook.test.js",
        startLine: 51,
      },
      secret: testContext.redact("aGVsbG8taS1hbS1hLXRlc3Qta2V5"),
      properties: {
        commit: "20202220306db37c13792bc672e57b0598ab680c",
        entropy: 4.138,
      },
    });
    expect(fs[1]?.properties?.tags).toBe("PrivateKey");
  });

  it("keeps a multi-line range and ignores the line-bearing Fingerprint", () => {
    const [f] = all(parseSample("gitleaks/gitleaks__json_simple.json"));
    expect(f?.location).toEqual({ file: "auth.py", startLine: 1, endLine: 2 });
    expect(f?.secret).toEqual(testContext.redact("a secret"));
  });

  it("maps a v7 leak with comma-separated tags", () => {
    const [f] = all(parseSample("gitleaks/defectdojo__gitleaks__issue4336.json"));
    expect(f).toMatchObject({
      ruleId: "Twitter Client ID",
      title: "Twitter Client ID",
      location: { file: "README.md", startLine: 23 },
      properties: { tags: "client, Twitter" },
    });
    expect(f?.secret).toEqual(testContext.redact("twitter.com/kramse/status/1073168529405472768"));
    // v6 and older have no lineNumber
    const [old] = all(parseSample("gitleaks/defectdojo__gitleaks__data_one.json"));
    expect(old?.location).toEqual({ file: "cert-key.pem" });
  });

  it("hashes the redacted line when gitleaks itself wrote REDACTED, so findings do not collide", () => {
    const fs = all(parseSample("gitleaks/defectdojo__gitleaks__redacted_data_many.json"));
    const hashes = new Set(fs.map((f) => f.secret?.hash));
    expect(hashes.size).toBe(6);
    expect(hashes.has(testContext.redact("REDACTED").hash)).toBe(false);
    for (const f of fs) {
      expect(f.secret?.preview).toBe("********");
      expect(f.properties?.redactedByTool).toBe(true);
    }
  });

  it("keeps the redacted-secret hash independent of the line number", () => {
    const leak = {
      line: '  key = "REDACTED"',
      lineNumber: 10,
      offender: "REDACTED",
      rule: "AWS Access Key",
      file: "a.yml",
      commit: "c1",
    };
    const a = all(fmt.parse(json([leak]), testContext))[0]!;
    const b = all(fmt.parse(json([{ ...leak, lineNumber: 42, commit: "c2" }]), testContext))[0]!;
    const other = all(fmt.parse(json([{ ...leak, file: "b.yml" }]), testContext))[0]!;
    expect(a.secret?.hash).toBe(b.secret?.hash);
    expect(a.secret?.hash).not.toBe(other.secret?.hash);
  });

  it("tells fully masked matches apart by line", () => {
    const fs = all(parseSample("gitleaks/gitleaks__baseline.json"));
    expect(fs[0]?.secret?.hash).not.toBe(fs[1]?.secret?.hash);
  });
});

describe("gitleaks edge cases", () => {
  it("parses null, [] and {} to zero findings", () => {
    for (const v of [null, [], {}]) expect(all(fmt.parse(json(v), testContext))).toHaveLength(0);
  });

  it("rejects documents that are not an array of leaks", () => {
    expect(() => fmt.parse(json({ leaks: [] }), testContext)).toThrow(ReportSchemaError);
    expect(() => fmt.parse(json([{ RuleID: "x", StartLine: 1 }, 42]), testContext)).toThrowError(/^\[1\]:/);
  });
});

describe("gitleaks report metadata", () => {
  it("records no report time, artifact digest or target in any sample", () => {
    // gitleaks writes only findings (their Date is the commit's).
    expectNoReportMetadata(fmt, "gitleaks");
  });
});
