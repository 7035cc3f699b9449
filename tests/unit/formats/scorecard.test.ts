import { describe, expect, it } from "vitest";
import { scorecardFormat } from "@/server/ingest/formats/scorecard";
import { ReportSchemaError, type Document, type ParsedReport } from "@/server/ingest/types";
import { describeFormatContract, type Metadata, metadataOf } from "@/tests/helpers/format-contract";
import { isMalformed, loadSample, manifest, testContext } from "@/tests/helpers/samples";

const json = (value: unknown): Document => ({ type: "json", value });
const all = (p: ParsedReport) => p.parts.flatMap((x) => x.findings);

// [file, findings]. All are Scorecard's own formatter goldens (version 1.2.3).
const SAMPLES: [string, number][] = [
  ["scorecard/scorecard__check1.json", 1],
  ["scorecard/scorecard__check1_annotations.json", 1],
  ["scorecard/scorecard__check2.json", 1],
  // 3 checks, the third scores -1 (inconclusive): not a finding
  ["scorecard/scorecard__check3.json", 2],
  ["scorecard/scorecard__check6.json", 1],
  // 2 probe results, only the "False" outcome is a finding
  ["scorecard/scorecard__probe1.json", 1],
  ["scorecard/scorecard__testdata__check1.json", 1],
  ["scorecard/scorecard__testdata__check2.json", 1],
  ["scorecard/scorecard__testdata__check3.json", 2],
  ["scorecard/scorecard__testdata__check6.json", 1],
];

describeFormatContract(scorecardFormat, { folders: ["scorecard"] });

describe("scorecard samples", () => {
  it("lists every scorecard sample of the manifest", () => {
    const rows = manifest().filter((r) => r.format === "scorecard" && !isMalformed(r));
    expect(rows.map((r) => r.file).sort()).toEqual(SAMPLES.map((s) => s[0]).sort());
  });

  it.each(SAMPLES)("%s", (file, findings) => {
    const doc = loadSample(file);
    expect(scorecardFormat.detect(doc)).toBe(true);
    const p = scorecardFormat.parse(doc, testContext);
    expect(p.tool).toEqual({ name: "scorecard", version: "1.2.3" });
    expect(all(p)).toHaveLength(findings);
    expect(p.evidence).toEqual(["posture"]);
  });

  it("maps a check in detail (unknown check name: defaulted severity)", () => {
    const f = all(scorecardFormat.parse(loadSample("scorecard/scorecard__check1.json"), testContext))[0]!;
    expect(f).toEqual({
      kind: "posture",
      ruleId: "Check-Name",
      title: "Check-Name: short description for Check-Name",
      description: "half score reason\nWarn: warn message: src/file1.cpp:5",
      severity: "medium",
      severityDefaulted: true,
      aliases: [],
      cwes: [],
      references: ["https://github.com/ossf/scorecard/blob/main/docs/checks.md#check-name"],
      properties: { score: 5, repo: "org/name" },
    });
  });

  it("reports inconclusive checks as warnings and annotated checks as suppressed", () => {
    const p = scorecardFormat.parse(loadSample("scorecard/scorecard__check3.json"), testContext);
    expect(all(p).map((f) => f.ruleId)).toEqual(["Check-Name", "Check-Name2"]);
    expect(p.warnings).toEqual(["Scorecard check Check-Name3 was inconclusive and is not reported."]);
    const annotated = all(scorecardFormat.parse(loadSample("scorecard/scorecard__check1_annotations.json"), testContext))[0]!;
    expect(annotated.suppressed).toBe(true);
    expect(annotated.properties?.annotation).toMatch(/^The files or code snippets are only used for test/);
  });

  it("maps the probe format", () => {
    const f = all(scorecardFormat.parse(loadSample("scorecard/scorecard__probe1.json"), testContext))[0]!;
    expect(f).toMatchObject({
      kind: "posture",
      ruleId: "check for Y",
      title: "did not find Y",
      severity: "medium",
      severityDefaulted: true,
      properties: { outcome: "False", repo: "foo" },
    });
  });
});

describe("scorecard real check names (no real-repository sample)", () => {
  const report = (checks: unknown[], findings?: unknown[]) =>
    json({
      date: "2024-05-01T00:00:00Z",
      repo: { name: "github.com/acme/api", commit: "0123456789abcdef0123456789abcdef01234567" },
      scorecard: { version: "v5.0.0", commit: "fedcba9876543210fedcba9876543210fedcba98" },
      score: 6.1,
      checks,
      ...(findings ? { findings } : {}),
    });
  const check = (name: string, score: number) => ({
    name,
    score,
    reason: `${name} reason`,
    details: null,
    documentation: { short: "s", url: "u" },
  });

  it("uses Scorecard's documented risk per check and skips 10/10", () => {
    const p = scorecardFormat.parse(
      report([
        check("Dangerous-Workflow", 0),
        check("Webhooks", 3),
        check("Token-Permissions", 0),
        check("Pinned-Dependencies", 4),
        check("License", 9),
        check("Code-Review", 10),
      ]),
      testContext,
    );
    expect(all(p).map((f) => [f.ruleId, f.severity, f.severityDefaulted ?? false])).toEqual([
      ["Dangerous-Workflow", "critical", false],
      ["Webhooks", "critical", false],
      ["Token-Permissions", "high", false],
      ["Pinned-Dependencies", "medium", false],
      ["License", "low", false],
    ]);
    expect(p.tool).toEqual({ name: "scorecard", version: "v5.0.0" });
  });

  it("reads probe outcomes: bad-when-true probes and v4 Negative", () => {
    const p = scorecardFormat.parse(
      json({
        date: "2024-05-01",
        repo: { name: "github.com/acme/api", commit: "x" },
        scorecard: { version: "v5.0.0", commit: "y" },
        findings: [
          {
            probe: "hasDangerousWorkflowScriptInjection",
            outcome: "True",
            message: "script injection",
            location: {
              type: 1,
              path: ".github/workflows/ci.yml",
              lineStart: 12,
              snippet: "run: echo ${{ github.event.issue.title }}",
            },
          },
          { probe: "hasDangerousWorkflowScriptInjection", outcome: "False", message: "none" },
          { probe: "branchesAreProtected", outcome: "False", message: "main is not protected" },
          { probe: "branchesAreProtected", outcome: "True", message: "release is protected" },
          { probe: "securityPolicyPresent", outcome: "Negative", message: "no SECURITY.md" },
          { probe: "fuzzed", outcome: "NotApplicable", message: "n/a" },
        ],
      }),
      testContext,
    );
    const findings = all(p);
    expect(findings.map((f) => f.ruleId)).toEqual([
      "hasDangerousWorkflowScriptInjection",
      "branchesAreProtected",
      "securityPolicyPresent",
    ]);
    expect(findings[0]!.location).toMatchObject({ file: ".github/workflows/ci.yml", startLine: 12 });
    expect(findings[0]!.location?.snippetHash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(p)).not.toContain("github.event.issue.title");
  });

  it("throws ReportSchemaError on a broken structure", () => {
    expect(() => scorecardFormat.parse(report(42 as unknown as unknown[]), testContext)).toThrow(ReportSchemaError);
    expect(() => scorecardFormat.parse(report([42]), testContext)).toThrow(ReportSchemaError);
    expect(scorecardFormat.detect(json({}))).toBe(false);
  });
});

describe("scorecard report metadata", () => {
  // Values read from each file: `date`, and repo.name as the target.
  it.each<[string, Metadata]>([
    ["scorecard/scorecard__check1.json", { generatedAt: "2023-03-02T16:30:43.000Z", target: "org/name" }],
    ["scorecard/scorecard__testdata__check1.json", { generatedAt: "2021-08-25T00:00:00.000Z", target: "org/name" }], // a day only
    ["scorecard/scorecard__probe1.json", { generatedAt: "2024-02-01T00:00:00.000Z", target: "foo" }],
  ])("%s", (file, expected) => {
    expect(metadataOf(scorecardFormat.parse(loadSample(file), testContext))).toEqual(expected);
  });

  it("names nothing when the report does not", () => {
    const r = scorecardFormat.parse(json({ repo: {}, scorecard: { version: "v5" }, checks: [] }), testContext);
    expect(metadataOf(r)).toEqual({});
  });
});
