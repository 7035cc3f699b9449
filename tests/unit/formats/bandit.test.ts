import { describe, it, expect } from "vitest";
import { banditFormat as fmt } from "@/server/ingest/formats/bandit";
import { ReportSchemaError, type Document, type ParsedReport, type RawFinding } from "@/server/ingest/types";
import { describeFormatContract, type Metadata, metadataOf } from "@/tests/helpers/format-contract";
import { isMalformed, loadSample, manifest, testContext } from "@/tests/helpers/samples";

const all = (r: ParsedReport): RawFinding[] => r.parts.flatMap((p) => p.findings);
const parseSample = (rel: string) => fmt.parse(loadSample(rel), testContext);
const json = (value: unknown): Document => ({ type: "json", value });

// [file, findings (one per results[] entry), of which severity medium]
const EXPECTED: [string, number, number][] = [
  ["defectdojo__bandit__dd.json", 47, 36],
  ["defectdojo__bandit__dd2.json", 165, 142],
  ["defectdojo__bandit__many_vulns.json", 214, 155],
  ["defectdojo__bandit__no_vuln.json", 0, 0],
];

describeFormatContract(fmt, { folders: ["bandit"] });

describe("bandit samples", () => {
  const rows = manifest().filter((r) => r.format === "bandit" && !isMalformed(r));

  it("covers every bandit row of the manifest", () => {
    expect(rows.map((r) => r.file.replace(/^bandit\//, "")).sort()).toEqual(EXPECTED.map(([f]) => f).sort());
  });

  it.each(EXPECTED)("%s → %i findings", (file, count, medium) => {
    const doc = loadSample(`bandit/${file}`);
    expect(fmt.detect(doc)).toBe(true);
    const r = fmt.parse(doc, testContext);
    expect(r.format).toBe("bandit");
    // bandit's JSON carries no version
    expect(r.tool).toEqual({ name: "Bandit" });
    expect(r.evidence).toEqual(["sast"]);
    expect(r.warnings).toEqual([]);
    expect(all(r)).toHaveLength(count);
    expect(all(r).filter((f) => f.severity === "medium")).toHaveLength(medium);
    expect(all(r).filter((f) => f.severity !== "medium" && f.severity !== "low")).toHaveLength(0);
  });
});

describe("bandit fields", () => {
  it("maps a result with a line range and hashes the code without its line numbers", () => {
    const [f] = all(parseSample("bandit/defectdojo__bandit__dd2.json"));
    expect(f).toEqual({
      kind: "code",
      ruleId: "B110",
      title: "Try, Except, Pass detected.",
      severity: "low",
      aliases: [],
      cwes: [],
      location: {
        file: "dojo/benchmark/views.py",
        startLine: 27,
        endLine: 28,
        snippetHash: testContext.hash("Benchmark_Product.objects.bulk_create(requirements)\nexcept:\npass"),
      },
      references: ["https://bandit.readthedocs.io/en/latest/plugins/b110_try_except_pass.html"],
      properties: { confidence: "HIGH", testName: "try_except_pass" },
    });
    // the same code one line lower (the older many_vulns scan) keeps its snippet hash
    const [moved] = all(parseSample("bandit/defectdojo__bandit__many_vulns.json"));
    expect(moved?.location?.startLine).toBe(26);
    expect(moved?.location?.snippetHash).toBe(f?.location?.snippetHash);
    // and Windows separators are normalized
    expect(moved?.location?.file).toBe("dojo/benchmark/views.py");
  });

  it("reads issue_cwe (bandit ≥ 1.7.2) and reports errors as one warning", () => {
    const r = fmt.parse(
      json({
        errors: [{ filename: "broken.py", reason: "syntax error while parsing AST from file" }],
        generated_at: "2024-01-01T00:00:00Z",
        metrics: { _totals: {} },
        results: [
          {
            code: "4 import subprocess\n5 subprocess.call(cmd, shell=True)\n",
            col_offset: 0,
            end_col_offset: 33,
            filename: "./app/run.py",
            issue_confidence: "HIGH",
            issue_cwe: { id: 78, link: "https://cwe.mitre.org/data/definitions/78.html" },
            issue_severity: "HIGH",
            issue_text: "subprocess call with shell=True identified, security issue.",
            line_number: 5,
            line_range: [5],
            more_info: "https://bandit.readthedocs.io/en/1.7.5/plugins/b602_subprocess_popen_with_shell_equals_true.html",
            test_id: "B602",
            test_name: "subprocess_popen_with_shell_equals_true",
          },
        ],
      }),
      testContext,
    );
    expect(all(r)[0]).toMatchObject({
      ruleId: "B602",
      severity: "high",
      cwes: [78],
      location: { file: "app/run.py", startLine: 5 },
    });
    expect(all(r)[0]?.location?.endLine).toBeUndefined();
    expect(r.warnings).toEqual(["Bandit could not scan 1 file(s) (listed in its errors[])."]);
  });
});

describe("bandit edge cases", () => {
  it("parses null, [] and {} to zero findings", () => {
    for (const v of [null, [], {}]) expect(all(fmt.parse(json(v), testContext))).toHaveLength(0);
    expect(fmt.detect(json({}))).toBe(false);
  });

  it("rejects wrong types with the path", () => {
    expect(() => fmt.parse(json({ results: {}, metrics: {}, generated_at: "x" }), testContext)).toThrowError(/^results: /);
    expect(() => fmt.parse(json({ results: [], errors: "x" }), testContext)).toThrowError(/^errors: /);
    expect(() => fmt.parse(json({ results: [null] }), testContext)).toThrowError(/^results\[0\]: /);
    expect(() => fmt.parse(json([1]), testContext)).toThrow(ReportSchemaError);
  });
});

describe("bandit report metadata", () => {
  it.each<[string, Metadata]>([
    ["bandit/defectdojo__bandit__dd.json", { generatedAt: "2021-03-30T18:23:12.000Z" }],
    ["bandit/defectdojo__bandit__no_vuln.json", { generatedAt: "2020-12-30T10:02:42.000Z" }],
  ])("%s", (file, expected) => {
    expect(metadataOf(parseSample(file))).toEqual(expected);
  });

  it("names nothing without generated_at", () => {
    expect(metadataOf(fmt.parse({ type: "json", value: { results: [], errors: [], metrics: {} } }, testContext))).toEqual({});
  });
});
