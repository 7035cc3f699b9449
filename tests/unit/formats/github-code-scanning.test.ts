import { describe, it, expect } from "vitest";
import { githubCodeScanningFormat as fmt } from "@/server/ingest/formats/github-code-scanning";
import { ReportSchemaError, type Document, type ParsedReport, type RawFinding } from "@/server/ingest/types";
import { describeFormatContract, expectNoReportMetadata } from "@/tests/helpers/format-contract";
import { isMalformed, loadSample, manifest, testContext } from "@/tests/helpers/samples";

const all = (r: ParsedReport): RawFinding[] => r.parts.flatMap((p) => p.findings);
const parseSample = (rel: string) => fmt.parse(loadSample(rel), testContext);
const json = (value: unknown): Document => ({ type: "json", value });
const dir = "github_code_scanning";

// [file, findings verified by reading the file, tool name, tool version]
const EXPECTED: [string, number, string, string | undefined][] = [
  ["defectdojo__github_sast__github_sast_many_vul.json", 2, "CodeQL", "2.16.2"],
  ["defectdojo__github_sast__github_sast_one_vul.json", 1, "CodeQL", "2.16.2"],
  ["defectdojo__github_sast__github_sast_zero_vul.json", 0, "GitHub code scanning", undefined], // `[]`
  ["octokit-webhooks__closed-by-user.payload.json", 1, "Anchore Container Vulnerability Report (T0)", undefined],
  ["octokit-webhooks__created.payload.json", 1, "CodeQL", undefined],
  // manifest says 1: the alert's state is "fixed", which is not a finding
  ["octokit-webhooks__fixed.payload.json", 0, "CodeQL", undefined],
  ["octokit-webhooks__reopened.payload.json", 1, "Rubocop", undefined],
  ["octokit-webhooks__reopened.with-organization.payload.json", 1, "Rubocop", undefined],
];

describeFormatContract(fmt, { folders: ["github_code_scanning"] });

describe("github-code-scanning samples", () => {
  const rows = manifest().filter((r) => r.format === dir && !isMalformed(r));

  it("covers every github_code_scanning row of the manifest", () => {
    expect(rows.map((r) => r.file.replace(`${dir}/`, "")).sort()).toEqual(EXPECTED.map(([f]) => f).sort());
  });

  it.each(EXPECTED)("%s → %i findings", (file, count, name, version) => {
    const doc = loadSample(`${dir}/${file}`);
    expect(fmt.detect(doc)).toBe(file !== "defectdojo__github_sast__github_sast_zero_vul.json");
    const r = fmt.parse(doc, testContext);
    expect(r.format).toBe("github-code-scanning");
    expect(r.tool.name).toBe(name);
    expect(r.tool.version).toBe(version);
    expect(all(r)).toHaveLength(count);
  });
});

describe("github-code-scanning fields", () => {
  it("maps a CodeQL REST alert", () => {
    const r = parseSample(`${dir}/defectdojo__github_sast__github_sast_one_vul.json`);
    expect(r.evidence).toEqual(["sast"]);
    expect(r.parts[0]!.category).toBe("/language:python");
    expect(all(r)[0]).toMatchObject({
      kind: "code",
      ruleId: "py/clear-text-storage-sensitive-data",
      title: "Clear-text storage of sensitive information",
      description: "This expression stores sensitive data (secret) as clear text.",
      severity: "high", // security_severity_level
      cwes: [312, 315, 359],
      location: { file: "src/file.py", startLine: 42, endLine: 42 },
      toolFingerprint: "code-scanning-alert-35",
    });
    expect(all(r)[0]!.suppressed).toBeUndefined(); // "None" strings are not dates
  });

  it("uses the SARIF level when there is no security severity", () => {
    const f = all(parseSample(`${dir}/octokit-webhooks__reopened.payload.json`))[0]!;
    expect(f).toMatchObject({ kind: "code", ruleId: "Style/FrozenStringLiteralComment", severity: "low" }); // note
    const created = all(parseSample(`${dir}/octokit-webhooks__created.payload.json`))[0]!;
    expect(created).toMatchObject({ ruleId: "java/sql-injection", severity: "high" }); // error
  });

  it("maps a dismissed container-vulnerability alert as a suppressed dependency finding", () => {
    const r = parseSample(`${dir}/octokit-webhooks__closed-by-user.payload.json`);
    expect(r.evidence).toEqual(["sca"]);
    expect(r.parts[0]!.category).toBe("alert/10");
    expect(all(r)[0]).toMatchObject({
      kind: "dependency",
      vulnerabilityId: "CVE-2020-27218",
      severity: "medium", // "Severity=Medium" in the rule text beats the SARIF level
      package: { name: "http2-hpack", version: "9.4.27.v20200227" },
      suppressed: true,
      properties: { state: "dismissed", dismissedReason: "false positive" },
    });
  });

  it("turns a fixed webhook into an empty part scoped to its alert", () => {
    const r = parseSample(`${dir}/octokit-webhooks__fixed.payload.json`);
    expect(r.parts).toHaveLength(1);
    expect(r.parts[0]).toMatchObject({ category: "alert/10", findings: [] });
    expect(r.warnings).toEqual(["1 fixed alert skipped."]);
    expect(r.evidence).toEqual(["sast"]);
  });
});

describe("github-code-scanning schema and detection", () => {
  it("accepts an empty list when named explicitly", () => {
    const r = fmt.parse(json([]), testContext);
    expect(all(r)).toHaveLength(0);
    expect(r.evidence).toEqual([]);
  });

  it("refuses documents that break the schema", () => {
    expect(() => fmt.parse(json({}), testContext)).toThrow(ReportSchemaError);
    expect(() => fmt.parse(json(["x"]), testContext)).toThrow(ReportSchemaError);
  });
});

describe("github-code-scanning report metadata", () => {
  it("records no report time, artifact digest or target in any sample", () => {
    // alert exports carry alert times, not a scan time, and name no artifact.
    expectNoReportMetadata(fmt, "github_code_scanning");
  });
});
