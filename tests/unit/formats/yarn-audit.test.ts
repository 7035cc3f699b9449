import { describe, it, expect } from "vitest";
import { yarnAuditFormat as fmt } from "@/server/ingest/formats/yarn-audit";
import { npmAuditFormat } from "@/server/ingest/formats/npm-audit";
import { decodeDocument } from "@/server/ingest/decode";
import { ReportSchemaError, type ParsedReport, type RawFinding } from "@/server/ingest/types";
import { describeFormatContract, expectNoReportMetadata } from "@/tests/helpers/format-contract";
import { isMalformed, loadSample, manifest, testContext } from "@/tests/helpers/samples";

const all = (r: ParsedReport): RawFinding[] => r.parts.flatMap((p) => p.findings);
const parseSample = (rel: string) => fmt.parse(loadSample(rel), testContext);
const dir = "yarn_audit";

// [file, findings, succeeded]. yarn 1 prints one auditAdvisory line per dependency path: one finding per
// advisory per installed version (the manifest counts lines). issue_6495 is old berry's npm-6-shaped JSON.
const EXPECTED: [string, number, boolean][] = [
  ["defectdojo__yarn_audit__empty_with_error.json", 0, false], // only warning/error/info lines
  ["defectdojo__yarn_audit__issue_6495_multi_cwe_fabricated.json", 3, true],
  ["defectdojo__yarn_audit__yarn_audit_many_vul.json", 3, true],
  ["defectdojo__yarn_audit__yarn_audit_multiple_cwes.json", 3, true], // 11 lines, 3 advisories
  ["defectdojo__yarn_audit__yarn_audit_multiple_cwes2.json", 3, true], // 5 lines, 2 advisories, ansi-regex on 2 versions
  ["defectdojo__yarn_audit__yarn_audit_one_vul.json", 1, true],
  ["defectdojo__yarn_audit__yarn_audit_zero_vul.json", 0, true],
];

// yarn berry `yarn npm audit --json` (no sample in the corpus; shape as documented in the README).
const BERRY = [
  '{"value":"minimist","children":{"ID":1179,"Issue":"Prototype Pollution","URL":"https://github.com/advisories/GHSA-vh95-rmgr-6w4m","Severity":"moderate","Vulnerable Versions":"<0.2.1 || >=1.0.0 <1.2.3","Tree Versions":["0.0.8","1.2.0"],"Dependents":["mkdirp@npm:0.5.1"]}}',
  '{"value":"request","children":{"ID":"request (deprecation)","Issue":"request has been deprecated","Severity":"moderate","Vulnerable Versions":"2.88.2","Tree Versions":["2.88.2"],"Dependents":["x@workspace:."]}}',
  '{"value":"ws","children":{"ID":1098392,"Issue":"ws affected by a DoS","URL":"https://github.com/advisories/GHSA-3h5v-q93c-6h6q","Severity":"high","Vulnerable Versions":">=8.0.0 <8.17.1","Tree Versions":["8.16.0"],"Dependents":["y@npm:1.0.0"]}}',
].join("\n");

describeFormatContract(fmt, {
  folders: ["yarn_audit"],
  // yarn 1 NDJSON filed under gitlab/ (flagged WRONG-FORMAT)
  alsoOwn: ["gitlab/defectdojo__gitlab_dast__empty_with_error.json"],
});

describe("yarn-audit samples", () => {
  const rows = manifest().filter((r) => r.format === dir && !isMalformed(r));

  it("covers every yarn_audit row of the manifest", () => {
    expect(rows.map((r) => r.file.replace(`${dir}/`, "")).sort()).toEqual(EXPECTED.map(([f]) => f).sort());
  });

  it.each(EXPECTED)("%s → %i findings", (file, count, succeeded) => {
    const doc = loadSample(`${dir}/${file}`);
    expect(fmt.detect(doc)).toBe(true);
    const r = fmt.parse(doc, testContext);
    expect(r.format).toBe("yarn-audit");
    expect(r.tool).toEqual({ name: "yarn audit" });
    expect(r.parts[0]!.succeeded).toBe(succeeded);
    expect(all(r)).toHaveLength(count);
    expect(all(r).every((f) => f.kind === "dependency" && f.package?.ecosystem === "npm")).toBe(true);
  });
});

describe("yarn-audit fields", () => {
  it("merges yarn 1 advisory lines into one finding per advisory per installed version", () => {
    const fs = all(parseSample(`${dir}/defectdojo__yarn_audit__yarn_audit_multiple_cwes2.json`));
    expect(fs.map((f) => `${f.ruleId}@${f.package?.version}`).sort()).toEqual([
      "1028226@4.1.0",
      "1064843@3.0.0",
      "1064843@4.1.0",
    ]);
    expect(fs.find((f) => f.ruleId === "1064843")).toMatchObject({
      vulnerabilityId: "CVE-2021-3807",
      aliases: ["GHSA-93q8-gq69-wqmw", "1064843"],
      severity: "medium",
      cwes: [918, 1333],
      package: { purl: "pkg:npm/ansi-regex@3.0.0", name: "ansi-regex", fixedVersions: ["5.0.1"] },
    });
  });

  it("claims old berry's npm-6-shaped document (no runId) and leaves npm's to npm-audit", () => {
    const doc = loadSample(`${dir}/defectdojo__yarn_audit__issue_6495_multi_cwe_fabricated.json`);
    expect(npmAuditFormat.detect(doc)).toBe(false);
    const [ini] = all(fmt.parse(doc, testContext));
    expect(ini).toMatchObject({
      ruleId: "1068298",
      vulnerabilityId: "CVE-2020-7788",
      severity: "high",
      cwes: [915, 1321],
      package: { purl: "pkg:npm/ini@1.3.5", version: "1.3.5", fixedVersions: ["1.3.6"] },
    });
    expect(fmt.detect(loadSample("npm_audit/defectdojo__npm_audit__one_vuln.json"))).toBe(false);
  });

  it("reports yarn's error-only output as a failed scan, also when filed under gitlab/", () => {
    for (const rel of [
      `${dir}/defectdojo__yarn_audit__empty_with_error.json`,
      "gitlab/defectdojo__gitlab_dast__empty_with_error.json",
    ]) {
      const doc = loadSample(rel);
      expect(fmt.detect(doc)).toBe(true);
      const r = fmt.parse(doc, testContext);
      expect(r.parts[0]).toMatchObject({ succeeded: false, findings: [] });
      expect(r.parts[0]!.failureReason).toMatch(/tunneling socket could not be established/);
      expect(r.evidence).toEqual([]);
    }
  });

  it("reads yarn berry NDJSON: one finding per tree version, GHSA from the URL, deprecations skipped", () => {
    const doc = decodeDocument(BERRY);
    expect(doc.type).toBe("ndjson");
    expect(fmt.detect(doc)).toBe(true);
    const r = fmt.parse(doc, testContext);
    const fs = all(r);
    expect(fs.map((f) => `${f.package?.name}@${f.package?.version}`)).toEqual(["minimist@0.0.8", "minimist@1.2.0", "ws@8.16.0"]);
    expect(fs[0]).toMatchObject({
      ruleId: "1179",
      vulnerabilityId: "GHSA-vh95-rmgr-6w4m",
      aliases: ["1179"],
      title: "Prototype Pollution in minimist@0.0.8",
      severity: "medium",
      package: { purl: "pkg:npm/minimist@0.0.8", fixedVersions: ["0.2.1", "1.2.3"] },
    });
    expect(r.warnings[0]).toMatch(/1 deprecation/);
    // A single-line output decodes as plain JSON.
    const one = decodeDocument(BERRY.split("\n")[2]!);
    expect(one.type).toBe("json");
    expect(fmt.detect(one)).toBe(true);
    expect(all(fmt.parse(one, testContext))).toHaveLength(1);
  });

  it("refuses foreign lines when named, and does not claim a single generic yarn line", () => {
    expect(() => fmt.parse(decodeDocument('{"type":"info","data":"x"}\n{"foo":1}'), testContext)).toThrow(ReportSchemaError);
    expect(fmt.detect(decodeDocument('{"type":"info","data":"x"}'))).toBe(false); // one generic yarn line
    expect(all(fmt.parse({ type: "json", value: [] }, testContext))).toHaveLength(0);
  });
});

describe("yarn-audit report metadata", () => {
  it("records no report time, artifact digest or target in any sample", () => {
    // yarn audit writes no report time and scans the project it runs in.
    expectNoReportMetadata(fmt, "yarn_audit");
  });
});
