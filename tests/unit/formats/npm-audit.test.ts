import { describe, it, expect } from "vitest";
import { fixedFromPatched, fixedFromVulnerable, npmAuditFormat as fmt } from "@/server/ingest/formats/npm-audit";
import { ReportSchemaError, type Document, type ParsedReport, type RawFinding } from "@/server/ingest/types";
import { describeFormatContract, expectNoReportMetadata } from "@/tests/helpers/format-contract";
import { isMalformed, loadSample, manifest, testContext } from "@/tests/helpers/samples";

const all = (r: ParsedReport): RawFinding[] => r.parts.flatMap((p) => p.findings);
const parseSample = (rel: string) => fmt.parse(loadSample(rel), testContext);
const json = (value: unknown): Document => ({ type: "json", value });
const dir = "npm_audit";

// [file, findings]. npm 6: one per advisory per installed version (findings[].version); npm 7+: one per
// advisory object in via[] (string entries point at other vulnerable packages; the manifest counts packages).
const EXPECTED: [string, number][] = [
  ["defectdojo__npm_audit_7_plus__issue_10801.json", 1],
  ["defectdojo__npm_audit_7_plus__multiple_cwes_fabricated.json", 1],
  ["defectdojo__npm_audit__cwe_null.json", 1],
  ["defectdojo__npm_audit__empty_with_error.json", 0], // failed scan
  ["defectdojo__npm_audit__issue_7897.json", 5],
  ["defectdojo__npm_audit__many_vuln.json", 5],
  ["defectdojo__npm_audit__many_vuln_npm7.json", 8], // 15 packages, 7 only reach an advisory through others
  ["defectdojo__npm_audit__many_vuln_with_groups.json", 5],
  ["defectdojo__npm_audit__many_vuln_with_groups_different_titles.json", 5],
  ["defectdojo__npm_audit__multiple_cwes.json", 44], // 41 advisories, 3 of them on two installed versions
  ["defectdojo__npm_audit__multiple_cwes2.json", 7], // 6 advisories, ansi-regex 3.0.0 and 4.1.0
  ["defectdojo__npm_audit__one_vuln.json", 1],
];

describeFormatContract(fmt, { folders: ["npm_audit"] });

describe("npm-audit samples", () => {
  const rows = manifest().filter((r) => r.format === dir && !isMalformed(r));

  it("covers every npm_audit row of the manifest", () => {
    expect(rows.map((r) => r.file.replace(`${dir}/`, "")).sort()).toEqual(EXPECTED.map(([f]) => f).sort());
  });

  it.each(EXPECTED)("%s → %i findings", (file, count) => {
    const doc = loadSample(`${dir}/${file}`);
    expect(fmt.detect(doc)).toBe(true);
    const r = fmt.parse(doc, testContext);
    expect(r.format).toBe("npm-audit");
    expect(r.tool).toEqual({ name: "npm audit" }); // npm writes no version into the report
    expect(all(r)).toHaveLength(count);
    expect(all(r).every((f) => f.kind === "dependency" && f.package?.ecosystem === "npm")).toBe(true);
  });
});

describe("npm-audit fields", () => {
  it("maps an npm 6 advisory: CVE first, GHSA and npm id as aliases, patched version, CWE list", () => {
    const fs = all(parseSample(`${dir}/defectdojo__npm_audit__multiple_cwes2.json`));
    const [v3, v4] = fs.filter((f) => f.ruleId === "1064843");
    expect(v3).toMatchObject({
      kind: "dependency",
      title: "Inefficient Regular Expression Complexity in chalk/ansi-regex in ansi-regex@3.0.0",
      severity: "medium", // moderate
      vulnerabilityId: "CVE-2021-3807",
      aliases: ["GHSA-93q8-gq69-wqmw", "1064843"],
      cwes: [918, 1333],
      cvss: { score: 7.5, vector: "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", version: "3.0" },
      package: {
        purl: "pkg:npm/ansi-regex@3.0.0",
        ecosystem: "npm",
        name: "ansi-regex",
        version: "3.0.0",
        fixedVersions: ["5.0.1"],
      },
      remediation: "Upgrade to version 5.0.1 or later",
      references: ["https://github.com/advisories/GHSA-93q8-gq69-wqmw"],
    });
    expect(v4!.package!.version).toBe("4.1.0");
  });

  it("reads old npm 6 advisories without GHSA and with a null CWE", () => {
    const [f] = all(parseSample(`${dir}/defectdojo__npm_audit__cwe_null.json`));
    expect(f).toMatchObject({
      ruleId: "146",
      vulnerabilityId: "CVE-2017-16042",
      aliases: ["146"],
      severity: "critical",
      cwes: [],
      package: { name: "growl", version: "1.9.2", fixedVersions: ["1.10.2"] },
    });
    expect(f!.cvss).toBeUndefined();
  });

  it("maps npm 7+ via[] objects: GHSA from the url, range, fix from the range, fixAvailable", () => {
    const [f] = all(parseSample(`${dir}/defectdojo__npm_audit_7_plus__issue_10801.json`));
    expect(f).toMatchObject({
      ruleId: "1088948",
      title: "Got allows a redirect to a UNIX socket in got",
      vulnerabilityId: "GHSA-pfrx-2q88-qq97",
      aliases: ["1088948"],
      severity: "medium",
      cvss: { score: 5.3, vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:L/A:N", version: "3.1" },
      package: { purl: "pkg:npm/got", name: "got", fixedVersions: ["11.8.5"] },
      properties: { vulnerableRange: "<11.8.5" },
      remediation: "Update nodemon to 3.1.4 (major version change)",
    });
    expect(f!.package!.version).toBeUndefined(); // npm 7+ does not report the installed version
    const old = all(parseSample(`${dir}/defectdojo__npm_audit__many_vuln_npm7.json`));
    expect(old.find((x) => x.package?.name === "acorn")).toMatchObject({
      vulnerabilityId: "1488", // npmjs.com advisory url: the npm id is all there is
      package: { fixedVersions: ["5.7.4", "6.4.1", "7.1.1"] },
    });
    expect(old.some((x) => x.package?.name === "gulp")).toBe(false); // via: ["gulp-cli"] only
  });

  it("reports npm's error output as a failed scan", () => {
    const r = parseSample(`${dir}/defectdojo__npm_audit__empty_with_error.json`);
    expect(r.parts).toHaveLength(1);
    expect(r.parts[0]).toMatchObject({ succeeded: false, findings: [] });
    expect(r.parts[0]!.failureReason).toMatch(/^ENOAUDIT: Your configured registry/);
    expect(r.evidence).toEqual([]);
    const e405 = json({
      message: "405 Method Not Allowed - POST https://registry.example.com/-/npm/v1/security/advisories/bulk",
      error: {
        code: "E405",
        summary: "405 Method Not Allowed - POST https://registry.example.com/-/npm/v1/security/advisories/bulk",
        detail: "",
      },
    });
    expect(fmt.detect(e405)).toBe(true);
    expect(fmt.parse(e405, testContext).parts[0]).toMatchObject({
      succeeded: false,
      failureReason: expect.stringMatching(/^E405: 405 Method Not Allowed/),
    });
    const e405b = json({ message: "405 Method Not Allowed - POST https://r.example/-/npm/v1/security/audits/quick", error: {} });
    expect(fmt.detect(e405b)).toBe(true);
    expect(fmt.parse(e405b, testContext).parts[0]!.failureReason).toMatch(/^405 Method Not Allowed/);
  });

  it("derives fixed versions from npm ranges", () => {
    expect(fixedFromPatched(">=1.3.6")).toEqual(["1.3.6"]);
    expect(fixedFromPatched(">= 4.17.19 || >=5.0.0")).toEqual(["4.17.19", "5.0.0"]);
    expect(fixedFromPatched("<0.0.0")).toEqual([]);
    expect(fixedFromVulnerable(">=5.5.0 <5.7.4 || >=6.0.0 <6.4.1")).toEqual(["5.7.4", "6.4.1"]);
    expect(fixedFromVulnerable("<=13.1.1")).toEqual([]);
    expect(fixedFromVulnerable("*")).toEqual([]);
  });

  it("leaves yarn's runId-less npm 6 document to yarn-audit, accepts empties when named, refuses a broken schema", () => {
    const yarn = loadSample("yarn_audit/defectdojo__yarn_audit__issue_6495_multi_cwe_fabricated.json");
    expect(fmt.detect(yarn)).toBe(false);
    expect(all(fmt.parse(yarn, testContext))).toHaveLength(3); // parses all the same when named
    expect(fmt.detect(json({}))).toBe(false);
    expect(fmt.detect(json({ error: "boom" }))).toBe(false);
    expect(all(fmt.parse(json({}), testContext))).toHaveLength(0);
    expect(all(fmt.parse(json(null), testContext))).toHaveLength(0);
    expect(() => fmt.parse(json({ auditReportVersion: 2, vulnerabilities: [] }), testContext)).toThrow(ReportSchemaError);
    expect(() => fmt.parse(json({ advisories: [], actions: [] }), testContext)).toThrow(ReportSchemaError);
  });
});

describe("npm-audit report metadata", () => {
  it("records no report time, artifact digest or target in any sample", () => {
    // npm audit writes no report time and scans the project it runs in.
    expectNoReportMetadata(fmt, "npm_audit");
  });
});
