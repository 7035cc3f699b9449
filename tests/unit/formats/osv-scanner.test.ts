import { describe, it, expect } from "vitest";
import { osvScannerFormat as fmt } from "@/server/ingest/formats/osv-scanner";
import { decodeDocument, EmptyReportError } from "@/server/ingest/decode";
import { ReportSchemaError, type Document, type ParsedReport, type RawFinding } from "@/server/ingest/types";
import { describeFormatContract, expectNoReportMetadata } from "@/tests/helpers/format-contract";
import { isMalformed, loadSample, manifest, sampleText, testContext } from "@/tests/helpers/samples";

const all = (r: ParsedReport): RawFinding[] => r.parts.flatMap((p) => p.findings);
const parseSample = (rel: string) => fmt.parse(loadSample(rel), testContext);
const json = (value: unknown): Document => ({ type: "json", value });
const dir = "osv_scanner";
const snap = (name: string) => `osv-scanner__snap_TestCommand_${name}`;

// [file, findings, evidence]: one finding per alias group per package (groups[]), plus licence violations.
const EXPECTED: [string, number, string][] = [
  ["defectdojo__osv_scanner__many_findings.json", 37, "sca"], // 66 records in 37 groups
  ["osv-scanner__results-empty.json", 0, "sca"],
  ["osv-scanner__results-some.json", 1, "sca"],
  [snap("Filter_Show_all_Packages_with_empty_config_1.json"), 0, "sca"],
  [snap("Filter_bun_lock_with_short_commit_hash_skipped_show_all_1.json"), 0, "sca"],
  [snap("FlagDeprecatedPackages_package_deprecated_npm_json_1.json"), 0, "sca"],
  [snap("FlagDeprecatedPackages_package_deprecated_true_no_vuln_json_1.json"), 0, "sca"],
  // Snapshot lists 4 bare ids with "groups": 2 and no alias data: one finding per id.
  [snap("FlagDeprecatedPackages_package_deprecated_true_with_vuln_json_1.json"), 4, "sca"],
  [snap("Licenses_Licenses_in_summary_mode_json_1.json"), 0, "sca"],
  [snap("Licenses_No_license_violations_and_show_all_packages_in_json_1.json"), 0, "sca"],
  // One licence violation each (the manifest counts only vulnerabilities).
  [snap("Licenses_Some_packages_with_license_violations_and_show_all_packages_in_json_1.json"), 1, "sca"],
  [snap("Licenses_Some_packages_with_license_violations_in_json_1.json"), 1, "sca"],
  [snap("OCIImage_JSONFormat_scanning_insecure_chiseled_ubuntu_image_1.json"), 153, "sca,container"],
  [snap("OCIImage_JSONFormat_scanning_opensuse_leap_15_5_image_1.json"), 3, "sca,container"],
  [snap("json_output_1.json"), 0, "sca"],
  ["osv-scanner__test-vuln-results-a.json", 2, "sca"], // RUSTSEC + GHSA of regex are one group
  ["osv-scanner__test-vuln-results-b.json", 2, "sca"],
  ["osv-scanner__test-vuln-results-c.json", 1, "sca"], // the group names the GHSA alias of the GO record
];

describeFormatContract(fmt, { folders: ["osv_scanner"] });

describe("osv-scanner samples", () => {
  const rows = manifest().filter((r) => r.format === dir && !isMalformed(r));

  it("covers every osv_scanner row of the manifest", () => {
    expect(rows.map((r) => r.file.replace(`${dir}/`, "")).sort()).toEqual(EXPECTED.map(([f]) => f).sort());
  });

  it.each(EXPECTED)("%s → %i findings", (file, count, evidence) => {
    const doc = loadSample(`${dir}/${file}`);
    expect(fmt.detect(doc)).toBe(true);
    const r = fmt.parse(doc, testContext);
    expect(r.format).toBe("osv-scanner");
    expect(r.tool).toEqual({ name: "OSV-Scanner" }); // the JSON output carries no version
    expect(all(r)).toHaveLength(count);
    expect(r.evidence.join(",")).toBe(evidence);
  });

  it("refuses the empty file at decoding", () => {
    const bad = manifest().filter((r) => r.format === dir && isMalformed(r));
    expect(bad.map((r) => r.file)).toEqual(["osv_scanner/defectdojo__osv_scanner__no_findings.json"]);
    expect(() => decodeDocument(sampleText(bad[0]!.file))).toThrow(EmptyReportError);
  });
});

describe("osv-scanner fields", () => {
  it("merges a group into one finding: CVE first, all other ids as aliases, fixed version of the matching package", () => {
    const fs = all(parseSample(`${dir}/osv-scanner__test-vuln-results-a.json`));
    const regex = fs.find((f) => f.package?.name === "regex")!;
    expect(regex).toMatchObject({
      kind: "dependency",
      ruleId: "GHSA-m5pq-gvj9-9vr8",
      vulnerabilityId: "CVE-2022-24713",
      severity: "high", // database_specific.severity of the GHSA record
      package: { purl: "pkg:cargo/regex@1.5.1", ecosystem: "cargo", version: "1.5.1", fixedVersions: ["1.5.5"] },
      location: { file: "/path/to/scorecard-check-osv-e2e/sub-rust-project/Cargo.lock" },
    });
    expect(regex.aliases.sort()).toEqual(["GHSA-m5pq-gvj9-9vr8", "RUSTSEC-2022-0013"]);
    const gogo = fs.find((f) => f.package?.name === "github.com/gogo/protobuf")!;
    expect(gogo).toMatchObject({
      ruleId: "GO-2021-0053",
      vulnerabilityId: "CVE-2021-3121",
      aliases: ["GO-2021-0053", "GHSA-c3h9-896r-86jm"],
      severity: "medium", // the GO record has neither severity nor CVSS
      severityDefaulted: true,
      package: { purl: "pkg:golang/github.com/gogo/protobuf@1.3.1", fixedVersions: ["1.3.2"] },
    });
  });

  it("computes the severity from the CVSS vector when the database gives none", () => {
    const fs = all(parseSample(`${dir}/defectdojo__osv_scanner__many_findings.json`));
    const rengine = fs.find((f) => f.ruleId === "CVE-2023-50094")!;
    expect(rengine).toMatchObject({
      severity: "high",
      cvss: { score: 8.8, vector: "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", version: "3.1" },
      package: { name: "https://github.com/yogeshojha/rengine", version: "f5f3c22f3ed5a6804a2a8d9ee9fa43044cfa24a6" },
    });
    const guzzle = fs.find((f) => f.ruleId === "GHSA-25mq-v84q-4j7r")!;
    expect(guzzle).toMatchObject({
      vulnerabilityId: "CVE-2022-31090",
      package: {
        purl: "pkg:composer/guzzlehttp/guzzle@6.3.3",
        ecosystem: "composer",
        name: "guzzlehttp/guzzle",
        version: "6.3.3",
        fixedVersions: ["6.5.8", "7.4.5"],
      },
    });
    const psr7 = fs.filter((f) => f.package?.name === "guzzlehttp/psr7");
    expect(psr7).toHaveLength(1); // two GHSA records, one group
    expect(psr7[0]!.aliases).toEqual(expect.arrayContaining(["GHSA-q7rv-6hp3-vh96", "GHSA-wxmh-65f7-jcvw", "CVE-2023-29197"]));
  });

  it("reports licence violations as license findings", () => {
    const [f] = all(parseSample(`${dir}/${snap("Licenses_Some_packages_with_license_violations_in_json_1.json")}`));
    expect(f).toMatchObject({
      kind: "license",
      ruleId: "license:Apache-2.0",
      severity: "medium",
      severityDefaulted: true,
      package: { purl: "pkg:npm/human-signals@5.0.0", name: "human-signals", version: "5.0.0" },
    });
  });

  it("reads image scans with OS packages", () => {
    const r = parseSample(`${dir}/${snap("OCIImage_JSONFormat_scanning_opensuse_leap_15_5_image_1.json")}`);
    expect(all(r)[0]).toMatchObject({
      ruleId: "SUSE-SU-2024:3926-1",
      package: { purl: "pkg:rpm/opensuse/curl@8.0.1-150400.5.50.1", ecosystem: "rpm", name: "curl" },
      location: { file: "/usr/lib/sysimage/rpm/Packages.db" },
    });
    expect(r.warnings).toHaveLength(1);
  });

  it("accepts empty documents when named, refuses a broken schema", () => {
    expect(fmt.detect(json({}))).toBe(false);
    expect(all(fmt.parse(json({}), testContext))).toHaveLength(0);
    expect(all(fmt.parse(json(null), testContext))).toHaveLength(0);
    expect(() => fmt.parse(json({ results: 42 }), testContext)).toThrow(ReportSchemaError);
    expect(() => fmt.parse(json({ results: [{ source: {}, packages: "x" }] }), testContext)).toThrow(/results\[0\]\.packages/);
  });
});

describe("osv-scanner report metadata", () => {
  it("records no report time, artifact digest or target in any sample", () => {
    // OSV-Scanner writes no report time; its sources are absolute lockfile paths listed only when they have findings.
    expectNoReportMetadata(fmt, "osv_scanner");
  });
});
