import { describe, expect, it } from "vitest";
import { decodeDocument } from "@/server/ingest/decode";
import { sarifFormat } from "@/server/ingest/formats/sarif";
import { ReportSchemaError, type Document, type ParsedReport, type RawFinding } from "@/server/ingest/types";
import { isMalformed, loadSample, manifest, sampleText, testContext } from "@/tests/helpers/samples";
import { describeFormatContract, type Metadata, metadataOf } from "@/tests/helpers/format-contract";

const parse = (rel: string): ParsedReport => sarifFormat.parse(loadSample(`sarif/${rel}`), testContext);
const all = (p: ParsedReport): RawFinding[] => p.parts.flatMap((x) => x.findings);
const json = (value: unknown): Document => ({ type: "json", value });
const parseJson = (value: unknown): ParsedReport => sarifFormat.parse(json(value), testContext);

// [file, findings, tool name, tool version, runs]. Counts were checked against the files: one finding per result,
// minus kind/level "pass" and "notApplicable" results.
const SAMPLES: ReadonlyArray<readonly [string, number, string, string | undefined, number]> = [
  ["austimkelly-trivy-test-ghas__updated_report.sarif", 21, "Trivy", "0.49.1", 1],
  ["checkov__results.sarif", 12, "unknown", undefined, 1], // a run without a tool object
  ["codeql-action__empty-sarif.sarif", 0, "LGTM.com", "1.24.0-SNAPSHOT", 1],
  ["codeql-action__fingerprinting.expected.sarif", 2, "CodeQL command-line toolchain", "2.0.0", 1],
  ["codeql-action__fingerprinting.input.sarif", 2, "CodeQL command-line toolchain", "2.0.0", 1],
  ["codeql-action__fingerprinting2.expected.sarif", 1, "CodeQL command-line toolchain", "2.0.0+202002031536", 1],
  ["codeql-action__fingerprinting2.input.sarif", 1, "CodeQL command-line toolchain", "2.0.0+202002031536", 1],
  ["codeql-action__tool-names.sarif", 0, "CodeQL command-line toolchain", undefined, 5], // runs without results
  ["codeql-action__valid-sarif-diff-filtered.sarif", 2, "LGTM.com", "1.24.0-SNAPSHOT", 2],
  ["codeql-action__valid-sarif.sarif", 3, "LGTM.com", "1.24.0-SNAPSHOT", 2],
  ["codeql-action__with-invalid-uri.sarif", 1, "LGTM.com", "1.24.0-SNAPSHOT", 1],
  ["defectdojo__cppcheck__cppcheck_many_vuln.sarif", 7, "Cppcheck", "2.17.1", 1],
  ["defectdojo__cppcheck__cppcheck_one_vuln.sarif", 1, "Cppcheck", "2.17.1", 1],
  ["defectdojo__devskim__devskim_many_vuln.sarif", 7, "devskim", "1.0.90+fb2d676ce4", 1],
  ["defectdojo__devskim__devskim_no_vuln.sarif", 0, "devskim", "1.0.90+fb2d676ce4", 1],
  ["defectdojo__flawfinder__flawfinder_no_vuln.sarif", 0, "Flawfinder", "2.0.20", 1],
  ["defectdojo__flawfinder__flawfinder_one_vuln.sarif", 1, "Flawfinder", "2.0.20", 1],
  ["defectdojo__govulncheck__issue_15033_sarif.json", 3, "govulncheck", "v1.3.0", 1],
  ["defectdojo__mayhem__mayhem_api_many_vulns.sarif", 20, "mAPI", "2.31.2", 1],
  ["defectdojo__mayhem__mayhem_api_no_vulns.sarif", 0, "mAPI", "2.31.2", 1],
  ["defectdojo__mayhem__mayhem_api_one_vuln.sarif", 1, "mAPI", "2.31.2", 1],
  ["defectdojo__mayhem__mayhem_code_many_vulns.sarif", 8, "Mayhem Code Security", "2.12.0", 1],
  ["defectdojo__mayhem__mayhem_code_no_vulns.sarif", 0, "Mayhem Code Security", "2.12.0", 1],
  ["defectdojo__mayhem__mayhem_code_one_vuln.sarif", 1, "Mayhem Code Security", "2.12.0", 1],
  ["defectdojo__sarif__DefectDojo_django-DefectDojo__2020-12-11_13_42_10__export.sarif", 510, "LGTM.com", "1.26.0-SNAPSHOT", 2],
  ["defectdojo__sarif__appendix_k.sarif", 1, "CodeScanner", "2.1", 1],
  ["defectdojo__sarif__appendix_k1.sarif", 0, "CodeScanner", undefined, 1],
  ["defectdojo__sarif__appendix_k1_double.sarif", 0, "CodeScanner", undefined, 2],
  ["defectdojo__sarif__appendix_k2.sarif", 1, "CodeScanner", undefined, 1],
  ["defectdojo__sarif__appendix_k3.sarif", 1, "BinaryScanner", undefined, 1],
  ["defectdojo__sarif__appendix_k4.sarif", 1, "CodeScanner", "2.1", 1],
  ["defectdojo__sarif__bash-report-fabricated-no-internal-dupes-subset.sarif", 4, "Shell Script Analysis", "1.0.0-scan", 1],
  ["defectdojo__sarif__bash-report-fabricated-no-internal-dupes.sarif", 5, "Shell Script Analysis", "1.0.0-scan", 1],
  ["defectdojo__sarif__bash-report-subset-same-hash-code-same-unique-id.sarif", 4, "Shell Script Analysis", "1.0.0-scan", 1],
  ["defectdojo__sarif__blackduck_nested_fingerprints.sarif", 5, "Example-Application", undefined, 1],
  ["defectdojo__sarif__cxf-3.4.6.sarif", 22, "Grype", "0.34.7", 1],
  ["defectdojo__sarif__dependency_check.sarif", 13, "dependency-check", "6.1.2", 1],
  ["defectdojo__sarif__dockle_0_3_15.sarif", 4, "Dockle", undefined, 1],
  // 54 results, one of them kind:"pass" (not a finding); the manifest counts 54.
  ["defectdojo__sarif__flawfinder.sarif", 53, "Flawfinder", "2.0.19", 1],
  ["defectdojo__sarif__gitleaks_7.5.0.sarif", 8, "Gitleaks", "v7.4.0", 1],
  ["defectdojo__sarif__issue_10191.json", 77, "Semgrep OSS", "1.69.0", 1],
  ["defectdojo__sarif__mobsfscan.json", 9, "mobsfscan", "0.0.8", 1],
  ["defectdojo__sarif__njsscan.sarif", 2, "nodejsscan", "0.2.3", 1],
  ["defectdojo__sarif__no_runs.sarif", 0, "unknown", undefined, 0],
  ["defectdojo__sarif__semgrepowasp-benchmark-sample.sarif", 1768, "semgrep", "0.17.0", 1],
  ["defectdojo__sarif__spotbugs.sarif", 56, "SpotBugs", "4.4.0", 1],
  ["defectdojo__sarif__suppression_test.sarif", 5, "CodeScanner", undefined, 1],
  ["defectdojo__snyk_code__single_project_many_vulns.json", 206, "SnykCode", "1.0.0", 1],
  ["defectdojo__snyk_code__snykcode_issue_9270.json", 39, "SnykCode", "1.0.0", 1],
  ["dependency-track__expected-all.sarif.json", 5, "OWASP Dependency-Track", undefined, 1], // version "{{VERSION}}" dropped
  ["dockle__CIS-DI-0010.sarif", 1, "Dockle", undefined, 1],
  ["dockle__DKL-DI-0006.sarif", 1, "Dockle", undefined, 1],
  ["elizabethbarrord-eslint-demo__eslint-results.sarif", 822, "ESLint", "8.49.0", 1],
  ["gitleaks__baseline.sarif", 0, "unknown", undefined, 0],
  ["gitleaks__sarif_simple.sarif", 1, "gitleaks", "v8.0.0", 1],
  ["glennadjrussell-sarif-results__code.snyk.sarif", 16, "SnykCode", "1.0.0", 1],
  ["glennadjrussell-sarif-results__code.snyk.sarif.zero", 0, "Snyk Open Source", undefined, 1],
  ["glennadjrussell-sarif-results__container.snyk.sarif", 2, "Snyk Container", undefined, 2],
  ["grype__TestSarifPresenter_image.golden", 2, "grype", "0.0.0-dev", 1],
  ["jduimovich-collect-sarif-files__fib-go.sarif", 4, "Snyk Infrastructure as Code", undefined, 1],
  ["osv-scanner__snap_TestCommand_Empty_sarif_output_1.sarif", 0, "osv-scanner", "2.5.0", 1],
  ["osv-scanner__snap_TestCommand_Sarif_with_vulns_1.sarif", 1, "osv-scanner", "2.5.0", 1],
  ["sarif-sdk__ArrayDataTypes.xml.sarif", 1, "Clang Analyzer", undefined, 1],
  ["sarif-sdk__ClangAnalyzer_issueLog1_raw.xml.sarif", 4, "Clang Analyzer", undefined, 1],
  ["sarif-sdk__Corrupted_Native_x86_VS2013_Default.exe.sarif", 0, "BinSkim", "1.5.0.0", 1], // 2.0.0 with a BOM
  ["sarif-sdk__DivByZero.xml.sarif", 1, "Clang Analyzer", undefined, 1],
  ["sarif-sdk__FileNumberCoverage.xml.sarif", 2, "Clang Analyzer", undefined, 1],
  ["sarif-sdk__OneResultBasic.fpr.sarif", 1, "Micro Focus Fortify Static Code Analyzer", undefined, 1],
  ["sarif-sdk__OneResultWithTwoTraces.fpr.sarif", 1, "Micro Focus Fortify Static Code Analyzer", undefined, 1],
  ["sarif-sdk__PyLint.sarif", 936, "Pylint", undefined, 1], // SARIF 2.0.0
  ["sarif-sdk__Pylint-01.json.sarif", 72, "Pylint", undefined, 1],
  ["sarif-sdk__ScanWithFailureLevelMatrices.fpr.sarif", 452, "Micro Focus Fortify Static Code Analyzer", undefined, 1],
  ["sarif-sdk__Simple.csv.sarif", 1, "Semmle QL", undefined, 1],
  ["sarif-sdk__SomeErrors.txt.sarif", 7, "MSBuild", undefined, 1],
  ["sarif-sdk__TwoResultsWithNodeRefs.fpr.sarif", 2, "Micro Focus Fortify Static Code Analyzer", undefined, 1],
  ["sarif-spec__minimal-recommended-with-source-info.json", 1, "CodeScanner", undefined, 1], // SARIF 2.2
  ["sarif-spec__minimal-valid.json", 0, "CodeScanner", undefined, 1],
  ["scorecard__check-remediation.sarif", 1, "Scorecard", "1.2.3", 1],
  ["scorecard__check1_annotations.sarif", 0, "Scorecard", "1.2.3", 1],
  ["scorecard__check2.sarif", 1, "Scorecard", "1.2.3", 1],
  ["scorecard__check3.sarif", 2, "Scorecard", "1.2.3", 1],
  ["scorecard__check6.sarif", 1, "Scorecard", "1.2.3", 1],
  ["scorecard__check7.sarif", 1, "Scorecard", "1.2.3", 1],
  ["scorecard__check8.sarif", 6, "Scorecard", "1.2.3", 3],
  ["semgrep__autofix---sarif__results.out", 11, "semgrep", undefined, 1], // version "placeholder" dropped
  ["semgrep__results.out", 1, "Semgrep OSS", undefined, 1],
  ["semgrep__test_sarif_output_rule_board__results.sarif", 3, "Semgrep OSS", undefined, 1],
  ["semgrep__test_sarif_output_with_dataflow_traces__results.sarif", 1, "Semgrep OSS", undefined, 1],
  ["semgrep__test_sarif_output_with_nosemgrep_and_error__results.sarif", 1, "Semgrep OSS", undefined, 1],
  ["semgrep__test_sarif_output_with_source__results.sarif", 2, "Semgrep OSS", undefined, 1],
  ["snyk-to-html__test-code-altoroj.json", 20, "SnykCode", "1.0.0", 1],
  ["snyk-to-html__test-code-consistent-ignores.json", 2, "SnykCode", "1.0.0", 1],
  ["snyk-to-html__test-code-openrefine.json", 27, "SnykCode", "1.0.0", 1],
  ["trivy-sarif-demo__results.sarif", 429, "Anchore Container Vulnerability Report", "0.7.3", 1],
];

// Valid JSON, invalid SARIF: "results": 42.
const INVALID = "codeql-action__invalid-sarif.sarif";

describeFormatContract(sarifFormat, { folders: ["sarif"], maxBytes: 1_000_000 });

describe("sarif: every sample", () => {
  it("covers every usable SARIF row of the manifest", () => {
    const rows = manifest().filter((r) => r.format === "sarif" && !isMalformed(r));
    const listed = new Set([...SAMPLES.map((s) => s[0]), INVALID]);
    expect(rows.map((r) => r.file.replace(/^sarif\//, "")).filter((f) => !listed.has(f))).toEqual([]);
  });

  it.each(SAMPLES)("%s → %i findings", (file, count, tool, version, runs) => {
    const doc = loadSample(`sarif/${file}`);
    expect(sarifFormat.detect(doc)).toBe(true);
    const p = sarifFormat.parse(doc, testContext);
    expect(p.format).toBe("sarif");
    expect(all(p)).toHaveLength(count);
    expect(p.tool.name).toBe(tool);
    expect(p.tool.version).toBe(version);
    expect(p.parts).toHaveLength(runs);
    for (const f of all(p)) {
      expect(f.ruleId).not.toBe("");
      expect(f.title).not.toBe("");
    }
  });

  it("refuses the manifest's malformed rows (BinSkim 2.0.0 with trailing commas)", () => {
    const bad = manifest().filter((r) => r.format === "sarif" && isMalformed(r));
    expect(bad.length).toBe(3);
    for (const r of bad) expect(() => decodeDocument(sampleText(r.file))).toThrow();
  });

  it('refuses "results": 42 with a schema error', () => {
    const doc = loadSample(`sarif/${INVALID}`);
    expect(sarifFormat.detect(doc)).toBe(true);
    expect(() => sarifFormat.parse(doc, testContext)).toThrow(ReportSchemaError);
    expect(() => sarifFormat.parse(doc, testContext)).toThrow("runs[0].results");
  });
});

describe("sarif: dependency scanners", () => {
  it("Trivy: package, installed and fixed versions from the message, severity from the tool's own word", () => {
    const p = parse("austimkelly-trivy-test-ghas__updated_report.sarif");
    expect(p.evidence).toEqual(expect.arrayContaining(["sca", "container"]));
    const f = all(p).find((x) => x.ruleId === "CVE-2018-7750")!;
    expect(f).toMatchObject({
      kind: "dependency",
      vulnerabilityId: "CVE-2018-7750",
      severity: "critical", // level "error", but "Severity: CRITICAL"
      package: {
        name: "paramiko",
        version: "2.0.0",
        fixedVersions: ["2.0.8", "2.1.5", "2.2.3", "2.3.2", "2.4.1", "1.18.5", "1.17.6"],
      },
      location: { file: "pyproject.toml", startLine: 30, image: "test_tag" }, // lines rewritten by the post-processing script
    });
    expect(f.cvss?.score).toBeGreaterThan(0);
    const kernel = all(p).find((x) => x.ruleId === "CVE-2024-26597")!;
    expect(kernel.package).toEqual({
      name: "linux-libc-dev",
      version: "5.15.0-97.107",
      fixedVersions: [],
    });
    expect(kernel.severity).toBe("high");
  });

  it("Grype: package from the rule help, severity word over security-severity", () => {
    const golden = all(parse("grype__TestSarifPresenter_image.golden"));
    expect(golden[0]).toMatchObject({
      ruleId: "CVE-1999-0001-package-1",
      vulnerabilityId: "CVE-1999-0001",
      severity: "low", // "Severity: low" although security-severity is 8.2
      package: {
        name: "package-1",
        version: "1.1.1",
        ecosystem: "rpm",
        fixedVersions: ["1.2.1", "2.1.3", "3.4.0"],
      },
      cvss: { score: 8.2 },
    });
    const cxf = all(parse("defectdojo__sarif__cxf-3.4.6.sarif"));
    expect(cxf[0]).toMatchObject({
      vulnerabilityId: "CVE-2008-0732",
      package: {
        name: "geronimo-j2ee-management_1.1_spec",
        version: "1.0.1",
        ecosystem: "maven",
        fixedVersions: [],
      },
      location: { file: "lib/geronimo-j2ee-management_1.1_spec-1.0.1.jar" },
    });
  });

  it("Anchore: rules found by id although every result says ruleIndex 0; external suppressions count", () => {
    const p = parse("trivy-sarif-demo__results.sarif");
    const fs = all(p);
    expect(fs.every((f) => f.suppressed)).toBe(true);
    expect(fs.filter((f) => f.severity === "medium")).toHaveLength(83);
    expect(fs.filter((f) => f.severity === "low")).toHaveLength(346); // Low + Negligible
    const bin = fs.find((f) => f.ruleId.includes("CVE-2016-2226"))!;
    expect(bin).toMatchObject({
      vulnerabilityId: "CVE-2016-2226",
      package: {
        name: "binutils",
        version: "2.26.1-1ubuntu1~16.04.8",
        ecosystem: "deb",
      },
    });
    expect(p.evidence).toEqual(expect.arrayContaining(["sca", "container"]));
  });

  it("osv-scanner: CVE first, GHSA alias, fixed version from the help table", () => {
    const [f] = all(parse("osv-scanner__snap_TestCommand_Sarif_with_vulns_1.sarif"));
    expect(f).toMatchObject({
      kind: "dependency",
      vulnerabilityId: "CVE-2021-23424",
      aliases: ["GHSA-whgm-jr23-g3j9"],
      package: {
        name: "ansi-html",
        version: "0.0.1",
        fixedVersions: ["0.0.8"],
      },
    });
  });

  it("govulncheck: CVE from the tags, GO id as alias, DB time", () => {
    const p = parse("defectdojo__govulncheck__issue_15033_sarif.json");
    const f = all(p).find((x) => x.ruleId === "GO-2026-4864")!;
    expect(f).toMatchObject({
      vulnerabilityId: "CVE-2026-32282",
      aliases: ["GO-2026-4864"],
      location: { file: "go.mod" },
    });
    expect(p.scannerDbBuiltAt).toBe("2026-06-16T23:55:18.000Z");
  });

  it("Snyk Container: one part per run, CVE from the rule, vendor id as alias, severity from the title", () => {
    const p = parse("glennadjrussell-sarif-results__container.snyk.sarif");
    expect(p.evidence).toEqual(expect.arrayContaining(["sca", "container"]));
    expect(p.parts[0]!.findings[0]).toMatchObject({
      vulnerabilityId: "CVE-2023-5363",
      aliases: ["SNYK-ALPINE318-OPENSSL-6032386"],
      severity: "high",
      package: { name: "openssl/libcrypto3", version: "3.1.3-r0" },
    });
    expect(p.parts[1]!.findings[0]).toMatchObject({
      vulnerabilityId: "CVE-2022-29526",
      cwes: [266],
      package: { fixedVersions: ["0.1.0"] },
    });
  });

  it("Dependency-Check: the tool's severity beats level error, file:////src paths", () => {
    const fs = all(parse("defectdojo__sarif__dependency_check.sarif"));
    const f = fs[0]!;
    expect(f).toMatchObject({
      kind: "dependency",
      severity: "low",
      properties: { source: "RETIREJS" },
    });
    expect(f.location?.file).toBe(
      "/src/.venv/lib/python3.9/site-packages/tastypie_swagger/static/tastypie_swagger/js/lib/handlebars-1.0.0.js",
    );
  });

  it("Dependency-Track and Black Duck: package from purl and result properties", () => {
    const [dt] = all(parse("dependency-track__expected-all.sarif.json"));
    expect(dt).toMatchObject({
      kind: "dependency",
      cwes: [80],
      package: {
        purl: "pkg:maven/org.acme/component1@1.1.4?type=jar",
        name: "org.acme:component1",
        version: "1.1.4",
        ecosystem: "maven",
      },
    });
    const [bd] = all(parse("defectdojo__sarif__blackduck_nested_fingerprints.sarif"));
    expect(bd).toMatchObject({
      kind: "dependency",
      vulnerabilityId: "CVE-2020-11022",
      aliases: ["BDSA-2020-1001"],
      cwes: [79],
      severity: "medium",
      package: {
        name: "example-frontend-lib",
        version: "1.0.0",
        ecosystem: "npm",
        purl: "pkg:npm/example-frontend-lib@1.0.0",
      },
      toolFingerprint: `csvRowSha256:${"a".repeat(64)}`,
    });
  });
});

describe("sarif: code scanners and SARIF mechanics", () => {
  it("CodeQL: partialFingerprints without the column fingerprint, rule level", () => {
    const [f] = all(parse("codeql-action__valid-sarif.sarif"));
    expect(f).toMatchObject({
      kind: "code",
      ruleId: "js/unused-local-variable",
      title: "Unused variable, import, function or class",
      description: "Unused variable foo.",
      severity: "low", // defaultConfiguration.level "note"
      toolFingerprint: "primaryLocationLineHash:39fa2ee980eb94b0:1",
      location: { file: "main.js", startLine: 2 },
    });
    expect(f!.severityDefaulted).toBeUndefined();
  });

  it("spec appendix K: message from messageStrings, relative uriBaseId chain, accepted suppression, fix", () => {
    const [f] = all(parse("defectdojo__sarif__appendix_k.sarif"));
    expect(f).toMatchObject({
      ruleId: "C2001",
      severity: "high",
      suppressed: true,
      description: 'Variable "ptr" was used without being initialized. It was declared [here](0).',
      location: { file: "src/collections/list.h", startLine: 15, endLine: 15 },
      remediation: "Initialize the variable to null",
    });
    expect(f!.location?.snippetHash).toBe(testContext.hash("add_core(ptr, offset, val); return;"));
    const [k2] = all(parse("defectdojo__sarif__appendix_k2.sarif"));
    expect(k2).toMatchObject({
      description: 'Variable "count" was used without being initialized.',
      severity: "medium",
      severityDefaulted: true,
    });
    const [k3] = all(parse("defectdojo__sarif__appendix_k3.sarif"));
    expect(k3!.location).toEqual({ resource: "Example.Worker.DoWork" });
  });

  it("suppressions: external and inSource count, an empty list does not", () => {
    const fs = all(parse("defectdojo__sarif__suppression_test.sarif"));
    expect(fs.map((f) => [f.ruleId, f.suppressed === true])).toEqual([
      ["TST0001", true],
      ["TST0002", true],
      ["TST0003", true],
      ["TST0004", false],
      ["TST0005", false],
    ]);
    expect(fs[0]!.location?.file).toBe("C:/code/file1.c");
    const semgrep = all(parse("semgrep__autofix---sarif__results.out"));
    expect(semgrep.filter((f) => f.suppressed)).toHaveLength(5);
  });

  it("Flawfinder: CWE from rule relationships, pass results skipped with a warning", () => {
    const p = parse("defectdojo__sarif__flawfinder.sarif");
    expect(p.warnings.join("\n")).toMatch(/skipped 1 pass/);
    const [f] = all(p);
    expect(f).toMatchObject({
      ruleId: "FF1048",
      cwes: [327],
      severity: "high",
      location: { file: "src/tree/param.cc", startLine: 29 },
    });
    expect(f!.toolFingerprint).toMatch(/^contextHash\/v1:/);
  });

  it("SpotBugs: a failed invocation marks the part unsuccessful", () => {
    const p = parse("defectdojo__sarif__spotbugs.sarif");
    expect(p.parts[0]!.succeeded).toBe(false);
    expect(p.parts[0]!.failureReason).toMatch(/^Classes needed for analysis were missing/);
    expect(all(p)[0]).toMatchObject({
      description: "Hard coded reference to an absolute pathname in Boot.main(String[]).",
      severity: "low",
    });
  });

  it("Fortify: artifact index locations, CWE taxonomy by guid, category from automationDetails.id", () => {
    const p = parse("sarif-sdk__OneResultBasic.fpr.sarif");
    expect(p.parts[0]).toMatchObject({
      category: "The_Build_ID",
      succeeded: true,
    });
    expect(all(p)[0]).toMatchObject({
      cwes: [22, 73],
      severity: "low",
      location: { file: "Helpers/InvoiceHelper.cs", startLine: 57 },
    });
    const big = all(parse("sarif-sdk__ScanWithFailureLevelMatrices.fpr.sarif"));
    // absent level: DefaultSeverity 3.0 → medium (129) and 2.0 → low (37); the rest carry a level
    expect(big.filter((f) => f.severity === "medium")).toHaveLength(129);
    expect(big.every((f) => !f.location?.file?.startsWith("/"))).toBe(true);
  });

  it("ShiftLeft: absolute paths made relative to the working directory; tool severity over level", () => {
    const [f] = all(parse("defectdojo__sarif__bash-report-fabricated-no-internal-dupes.sarif"));
    expect(f).toMatchObject({
      location: { file: "docker/setEnv.sh", startLine: 134 },
      severity: "low",
      toolFingerprint: "scanFileHash:f196dfe70ba8d8dace|scanPrimaryLocationHash:47f57f9669991906",
    });
  });

  it("Snyk Code: CWE from rule properties, identity fingerprint, ignores as suppressions", () => {
    const fs = all(parse("snyk-to-html__test-code-consistent-ignores.json"));
    expect(fs[0]).toMatchObject({
      ruleId: "go/PT",
      title: "Path Traversal",
      cwes: [23],
      severity: "medium",
    });
    expect(fs[0]!.toolFingerprint).toContain("identity:d6a92302-1515-479e-b119-2768df2d0261");
    expect(fs.filter((f) => f.suppressed)).toHaveLength(1);
    const alto = all(parse("snyk-to-html__test-code-altoroj.json"));
    expect(alto[0]).toMatchObject({
      ruleId: "javascript/CodeInjection",
      title: "Code Injection",
      cwes: [94],
    });
  });

  it("Semgrep: word security-severity and CWE tags", () => {
    const fs = all(parse("defectdojo__sarif__issue_10191.json"));
    expect(fs[0]).toMatchObject({
      kind: "code",
      cwes: [22],
      location: { file: "Gruntfile.js", startLine: 75, endLine: 75 },
    });
    expect(fs.filter((f) => f.severity === "critical").length).toBeGreaterThan(0);
  });
});

describe("sarif: other kinds", () => {
  it("Scorecard: posture, one part per run, category without the run-specific suffix", () => {
    const p = parse("scorecard__check8.sarif");
    expect(p.evidence).toEqual(["posture"]);
    expect(p.parts.map((x) => x.category)).toEqual(["supply-chain/local", "supply-chain/local-scm", "supply-chain/online-scm"]);
    expect(p.parts[0]!.findings[0]).toMatchObject({
      kind: "posture",
      severity: "high",
      location: { file: "src/file1.cpp", startLine: 5 },
    });
    expect(p.parts[1]!.findings[0]!.severity).toBe("low"); // security-severity 1.0 beats defaultConfiguration.level "error"
  });

  it("Checkov without a tool object: IaC from the rule ids", () => {
    const p = parse("checkov__results.sarif");
    expect(p.evidence).toEqual(["iac"]);
    expect(all(p)[0]).toMatchObject({
      kind: "iac",
      ruleId: "CKV_OPENAPI_4",
      severity: "high",
      location: {
        file: "v2/swagger_empty_paths.yaml",
        startLine: 2,
        endLine: 16,
      },
    });
  });

  it("Snyk IaC, Dockle, Mayhem for API", () => {
    const iac = all(parse("jduimovich-collect-sarif-files__fib-go.sarif"));
    expect(iac[0]).toMatchObject({
      kind: "iac",
      severity: "medium",
      location: {
        file: "services/fib-go/deploy/deployment.yaml",
        startLine: 18,
      },
    });
    const dockle = parse("defectdojo__sarif__dockle_0_3_15.sarif");
    expect(dockle.evidence).toEqual(["config"]);
    expect(all(dockle)[0]).toMatchObject({
      kind: "config",
      ruleId: "CIS-DI-0010",
      severity: "high",
    });
    expect(all(dockle)[0]!.location).toBeUndefined();
    const [api] = all(parse("defectdojo__mayhem__mayhem_api_one_vuln.sarif"));
    expect(api).toMatchObject({
      kind: "dast",
      cwes: [287, 1390, 1391, 1392],
      location: { method: "GET", url: "/info" },
    });
    expect(api!.location?.file).toBeUndefined(); // "unknown-file"
  });
});

describe("sarif: secrets", () => {
  const rawSecrets = (file: string): string[] => {
    const log = JSON.parse(sampleText(`sarif/${file}`)) as {
      runs: { results: Record<string, unknown>[] }[];
    };
    const out: string[] = [];
    for (const r of log.runs.flatMap((x) => x.results)) {
      const props = r.properties as Record<string, string> | undefined;
      if (props?.offender) out.push(props.offender);
      const locs = r.locations as {
        physicalLocation?: { region?: { snippet?: { text?: string } } };
      }[];
      const snippet = locs[0]?.physicalLocation?.region?.snippet?.text;
      if (snippet) out.push(snippet.trim());
    }
    return out;
  };

  it("gitleaks 7: offender redacted, rule from the message, no snippet or message echoed", () => {
    const file = "defectdojo__sarif__gitleaks_7.5.0.sarif";
    const p = parse(file);
    const out = JSON.stringify(p);
    const secrets = rawSecrets(file);
    expect(secrets).toContain("AKIAIOSFODNN7EXAMPLE");
    for (const s of secrets) expect(out).not.toContain(s);
    const [f] = all(p);
    expect(f).toMatchObject({
      kind: "secret",
      ruleId: "AWS Access Key",
      title: "AWS Access Key",
      severity: "medium",
      severityDefaulted: true,
      secret: testContext.redact("AKIAIOSFODNN7EXAMPLE"),
      properties: { commit: "6d127980966808f7413935678e079dcd7fedf9c2" },
      location: { startLine: 13 },
    });
    expect(f!.location?.snippetHash).toBeUndefined();
    expect(p.evidence).toEqual(["secrets"]);
  });

  it("gitleaks 8: the snippet is the secret; personal data is not a fingerprint", () => {
    const file = "gitleaks__sarif_simple.sarif";
    const p = parse(file);
    const out = JSON.stringify(p);
    for (const s of rawSecrets(file)) expect(out).not.toContain(s);
    expect(out).not.toContain("johndoe@gmail.com");
    expect(all(p)[0]).toMatchObject({
      kind: "secret",
      ruleId: "test-rule",
      secret: testContext.redact("a secret"),
      toolFingerprint: "commitSha:0000000000000000",
    });
  });
});

describe("sarif: versions 1.0.0 and 2.0.0, extensions, schema errors", () => {
  it("SARIF 2.0.0 (BinSkim) once its trailing commas are removed: rules keyed by id, pass/notApplicable skipped", () => {
    const text = sampleText("sarif/sarif-sdk__MixedMode_x86_VS2015_Default.exe.sarif").replace(/,(\s*[}\]])/g, "$1");
    const p = sarifFormat.parse(decodeDocument(text), testContext);
    expect(p.tool).toEqual({ name: "BinSkim", version: "1.5.0.0" });
    const fs = all(p);
    expect(fs).toHaveLength(1); // 24 results: 15 pass, 8 notApplicable, 1 error
    expect(fs[0]).toMatchObject({
      kind: "code",
      ruleId: "BA2015",
      title: "Binaries should be marked as high entropy Address Space Layout Randomization (ASLR) compatible.",
      severity: "high",
      location: {
        file: "Z:/src/Test.FunctionalTests.BinSkim.Driver/BaselineTestData/MixedMode_x86_VS2015_Default.exe",
      },
    });
    expect(fs[0]!.description).toMatch(/^'MixedMode_x86_VS2015_Default.exe' /);
    expect(p.warnings.join("\n")).toMatch(/skipped 23 pass\/notApplicable/);
  });

  it("SARIF 2.0.0 (Pylint): fileLocation and string originalUriBaseIds", () => {
    const [f] = all(parse("sarif-sdk__PyLint.sarif"));
    expect(f).toMatchObject({
      ruleId: "E0012(bad-option-value)",
      severity: "high",
      location: { file: "src/pylint/setup.py", startLine: 3 },
    });
  });

  it("SARIF 1.0.0 (Roslyn): tool.name, string messages, resultFile, rules keyed by id", () => {
    const p = parseJson({
      $schema: "http://json.schemastore.org/sarif-1.0.0",
      version: "1.0.0",
      runs: [
        {
          tool: {
            name: "Microsoft (R) Visual C# Compiler",
            version: "3.0.19.16303",
            semanticVersion: "3.0.0",
          },
          results: [
            {
              ruleId: "CS0168",
              level: "warning",
              message: "The variable 'e' is declared but never used",
              locations: [
                {
                  resultFile: {
                    uri: "file:///C:/src/app/Program.cs",
                    region: {
                      startLine: 14,
                      startColumn: 30,
                      endLine: 14,
                      endColumn: 31,
                    },
                  },
                },
              ],
              properties: { warningLevel: 3 },
            },
            {
              ruleId: "CA1822",
              level: "note",
              message: "Member can be static",
              suppressionStates: ["suppressedInSource"],
            },
          ],
          rules: {
            CS0168: {
              id: "CS0168",
              shortDescription: "Variable is declared but never used",
              defaultLevel: "warning",
            },
          },
        },
      ],
    });
    expect(sarifFormat.detect(json({ version: "1.0.0", runs: [] }))).toBe(true);
    expect(p.tool).toEqual({
      name: "Microsoft (R) Visual C# Compiler",
      version: "3.0.19.16303",
    });
    expect(p.evidence).toEqual(["sast"]);
    const [a, b] = all(p);
    expect(a).toMatchObject({
      kind: "code",
      ruleId: "CS0168",
      title: "Variable is declared but never used",
      description: "The variable 'e' is declared but never used",
      severity: "medium",
      location: { file: "C:/src/app/Program.cs", startLine: 14, endLine: 14 },
    });
    expect(b).toMatchObject({
      ruleId: "CA1822",
      severity: "low",
      suppressed: true,
    });
  });

  it("CodeQL extension rules via toolComponent.index; baselineState absent; underReview suppressions", () => {
    const p = parseJson({
      version: "2.1.0",
      runs: [
        {
          tool: {
            driver: { name: "CodeQL", semanticVersion: "2.15.0", rules: [] },
            extensions: [
              {
                name: "codeql/javascript-queries",
                rules: [
                  {
                    id: "js/xss",
                    shortDescription: {
                      text: "Client-side cross-site scripting",
                    },
                    defaultConfiguration: { level: "error" },
                    properties: {
                      tags: ["security", "external/cwe/cwe-079", "external/cwe/cwe-116"],
                      "security-severity": "6.1",
                    },
                  },
                ],
              },
            ],
          },
          automationDetails: { id: "/language:javascript/" },
          results: [
            {
              ruleId: "js/xss",
              rule: { id: "js/xss", index: 0, toolComponent: { index: 0 } },
              message: { text: "XSS" },
              locations: [],
            },
            {
              ruleId: "js/xss",
              rule: { id: "js/xss", index: 0, toolComponent: { index: 0 } },
              message: { text: "gone" },
              baselineState: "absent",
            },
            {
              ruleId: "js/xss",
              message: { text: "review" },
              suppressions: [{ kind: "external", status: "underReview" }],
            },
          ],
        },
      ],
    });
    expect(p.parts[0]!.category).toBe("/language:javascript");
    const fs = all(p);
    expect(fs).toHaveLength(2);
    expect(fs[0]).toMatchObject({
      ruleId: "js/xss",
      title: "Client-side cross-site scripting",
      cwes: [79, 116],
      severity: "medium",
    });
    expect(fs[1]!.suppressed).toBeUndefined();
    expect(p.warnings.join("\n")).toMatch(/baselineState "absent"/);
  });

  it("Trivy SARIF mixing vulnerabilities and misconfigurations: kind per rule", () => {
    const p = parseJson({
      version: "2.1.0",
      runs: [
        {
          tool: {
            driver: {
              name: "Trivy",
              version: "0.50.0",
              rules: [
                {
                  id: "DS002",
                  properties: {
                    tags: ["misconfiguration", "security", "HIGH"],
                    "security-severity": "8.0",
                  },
                },
                {
                  id: "CVE-2023-0286",
                  properties: {
                    tags: ["vulnerability", "security", "HIGH"],
                    "security-severity": "7.4",
                  },
                },
              ],
            },
          },
          properties: {
            imageName: "alpine:3.18",
            repoDigests: [`alpine@sha256:${"b".repeat(64)}`],
          },
          results: [
            {
              ruleId: "DS002",
              ruleIndex: 0,
              level: "error",
              message: {
                text: "Artifact: Dockerfile\nType: dockerfile\nVulnerability DS002\nSeverity: HIGH\nMessage: root",
              },
              locations: [
                {
                  physicalLocation: {
                    artifactLocation: { uri: "Dockerfile" },
                    region: { startLine: 1 },
                  },
                },
              ],
            },
            {
              ruleId: "CVE-2023-0286",
              ruleIndex: 1,
              level: "error",
              message: {
                text: "Package: libssl3\nInstalled Version: 3.1.0-r0\nVulnerability CVE-2023-0286\nSeverity: HIGH\nFixed Version: 3.1.0-r1\nLink: x",
              },
            },
          ],
        },
      ],
    });
    const [iac, dep] = all(p);
    expect(iac).toMatchObject({
      kind: "iac",
      ruleId: "DS002",
      severity: "high",
    });
    expect(dep).toMatchObject({
      kind: "dependency",
      package: {
        name: "libssl3",
        version: "3.1.0-r0",
        fixedVersions: ["3.1.0-r1"],
      },
      location: { image: "alpine:3.18" },
    });
    expect(p.evidence).toEqual(expect.arrayContaining(["sca", "iac", "container"]));
    expect(p.artifactDigest).toBe(`sha256:${"b".repeat(64)}`);
  });

  it("schema errors: runs not an array, a run that is not an object, a result that is not an object", () => {
    expect(() => parseJson({ version: "2.1.0", runs: {} })).toThrow(ReportSchemaError);
    expect(() => parseJson({ version: "2.1.0", runs: {} })).toThrow("runs:");
    expect(() => parseJson({ version: "2.1.0", runs: [42] })).toThrow("runs[0]:");
    expect(() =>
      parseJson({
        version: "2.1.0",
        runs: [{ tool: { driver: { name: "x" } }, results: ["x"] }],
      }),
    ).toThrow("runs[0].results[0]");
    expect(() => parseJson("sarif")).toThrow(ReportSchemaError);
  });

  it("empty documents: not detected, but parse to zero findings", () => {
    for (const v of [null, [], {}]) {
      expect(sarifFormat.detect(json(v))).toBe(false);
      expect(all(parseJson(v))).toHaveLength(0);
    }
    expect(sarifFormat.detect(json({ runs: [] }))).toBe(false); // neither version nor $schema
    expect(
      sarifFormat.detect(
        json({
          $schema: "https://json.schemastore.org/sarif-2.1.0.json",
          runs: [],
        }),
      ),
    ).toBe(true);
    expect(
      sarifFormat.detect({
        type: "ndjson",
        values: [{ version: "2.1.0", runs: [] }, {}],
      }),
    ).toBe(false);
  });
});

describe("sarif: report metadata", () => {
  // Values read from each file's runs[].invocations[] (endTimeUtc, else startTimeUtc).
  it.each<[string, Metadata]>([
    ["defectdojo__sarif__appendix_k.sarif", { generatedAt: "2016-07-16T14:19:01.000Z" }],
    ["defectdojo__sarif__njsscan.sarif", { generatedAt: "2021-03-23T00:10:48.000Z" }],
    ["defectdojo__sarif__bash-report-fabricated-no-internal-dupes.sarif", { generatedAt: "2021-03-08T15:39:40.000Z" }],
    ["sarif-sdk__OneResultBasic.fpr.sarif", { generatedAt: "2018-01-01T12:00:00.000Z" }], // start time only
    ["sarif-sdk__ScanWithFailureLevelMatrices.fpr.sarif", { generatedAt: "2019-06-06T08:53:15.000Z" }],
    // no invocation times (an invocation without them, or none at all), and Trivy's empty repoDigests
    ["defectdojo__sarif__spotbugs.sarif", {}],
    ["semgrep__results.out", {}],
    ["austimkelly-trivy-test-ghas__updated_report.sarif", {}],
  ])("%s", (file, expected) => {
    expect(metadataOf(parse(file))).toEqual(expected);
  });

  it("takes the newest run, and Trivy's image digests from run.properties", () => {
    const digest = "sha256:" + "0f".repeat(32);
    const imageId = "sha256:" + "1e".repeat(32);
    const r = parseJson({
      version: "2.1.0",
      runs: [
        {
          tool: { driver: { name: "a" } },
          invocations: [{ startTimeUtc: "2024-05-01T10:00:00Z", endTimeUtc: "2024-05-01T10:05:00Z" }],
        },
        { tool: { driver: { name: "b" } }, invocations: [{ startTimeUtc: "2024-05-01T11:00:00+02:00" }] },
        {
          tool: { driver: { name: "Trivy" } },
          invocations: [{ endTimeUtc: "not a date" }],
          properties: { imageName: "ghcr.io/acme/app:1", repoDigests: [`ghcr.io/acme/app@${digest}`], imageID: imageId },
        },
      ],
    });
    // 10:05Z beats 11:00+02:00 (09:00Z); no target for SARIF
    expect(metadataOf(r)).toEqual({ generatedAt: "2024-05-01T10:05:00.000Z", artifactDigests: [digest, imageId] });
  });
});
