import { describe, it, expect } from "vitest";
import { snykFormat as fmt } from "@/server/ingest/formats/snyk";
import { decodeDocument } from "@/server/ingest/decode";
import { ReportSchemaError, type Document, type ParsedReport, type RawFinding } from "@/server/ingest/types";
import { describeFormatContract, type Metadata, metadataOf } from "@/tests/helpers/format-contract";
import { isMalformed, loadSample, manifest, sampleText, testContext } from "@/tests/helpers/samples";

const all = (r: ParsedReport): RawFinding[] => r.parts.flatMap((p) => p.findings);
const parseSample = (rel: string) => fmt.parse(loadSample(rel), testContext);
const json = (value: unknown): Document => ({ type: "json", value });
const dir = "snyk";

// [file, findings, tool, evidence]. Findings: one per (package, version, issue id) per project, counted in
// the file (Snyk repeats an issue once per dependency path; the manifest counts the repetitions).
// Container findings include the image's applications[] vulnerabilities.
const EXPECTED: [string, number, string, string][] = [
  ["defectdojo__snyk__all-projects_many_vulns.json", 4, "Snyk Open Source", "sca"],
  ["defectdojo__snyk__all-projects_no_vulns.json", 0, "Snyk Open Source", "sca"],
  ["defectdojo__snyk__all-projects_one_vuln.json", 1, "Snyk Open Source", "sca"],
  ["defectdojo__snyk__all_projects_issue4277.json", 50, "Snyk Open Source", "sca"], // 13 + 37 (24 + 58 paths)
  ["defectdojo__snyk__single_project_None_cvss.json", 1, "Snyk Container", "sca,container"],
  ["defectdojo__snyk__single_project_many_vulns.json", 41, "Snyk Open Source", "sca"],
  ["defectdojo__snyk__single_project_one_vuln.json", 1, "Snyk Open Source", "sca"],
  ["defectdojo__snyk__single_project_one_vuln_with_ampersands.json", 1, "Snyk Open Source", "sca"],
  ["defectdojo__snyk__single_project_upgrade_libs.json", 52, "Snyk Open Source", "sca"], // 254 paths
  ["defectdojo__snyk__snykcontainer_issue_9270.json", 25, "Snyk Container", "sca,container"], // 13 OS + 12 application
  ["defectdojo__snyk__snykcontainer_issue_epss.json", 13, "Snyk Container", "sca,container"], // 1 OS + 12 application
  ["snyk-to-html__iac-test-report.json", 30, "Snyk IaC", "iac"],
  ["snyk-to-html__multi-test-report.json", 94, "Snyk Open Source", "sca"], // 43 + 51, licence issues included
  ["snyk-to-html__no-vulns.json", 0, "Snyk Open Source", "sca"],
  ["snyk-to-html__test-report-container-with-app-vulns.json", 2, "Snyk Container", "sca,container"],
  ["snyk-to-html__test-report-empty-descr.json", 1, "Snyk Open Source", "sca"],
  ["snyk-to-html__test-report-nuget-multi-project.json", 3, "Snyk Open Source", "sca"],
  ["snyk-to-html__test-report-remediation-missing-patch.json", 5, "Snyk Open Source", "sca"],
  ["snyk-to-html__test-report-unmanaged-cpp.json", 41, "Snyk Open Source", "sca"],
  ["snyk-to-html__test-report-with-no-remediation-and-no-fixed-in.json", 1, "Snyk Open Source", "sca"],
  ["snyk-to-html__test-report-with-no-remediation-with-one-fixed-in.json", 1, "Snyk Open Source", "sca"],
  ["snyk-to-html__test-report-with-pins-remediation.json", 1, "Snyk Open Source", "sca"],
  ["snyk-to-html__test-report.json", 26, "Snyk Open Source", "sca"], // 33 paths
];

describeFormatContract(fmt, { folders: ["snyk"] });

describe("snyk samples", () => {
  const rows = manifest().filter((r) => r.format === dir && !isMalformed(r));

  it("covers every snyk row of the manifest", () => {
    expect(rows.map((r) => r.file.replace(`${dir}/`, "")).sort()).toEqual(EXPECTED.map(([f]) => f).sort());
  });

  it.each(EXPECTED)("%s → %i findings", (file, count, tool, evidence) => {
    const doc = loadSample(`${dir}/${file}`);
    expect(fmt.detect(doc)).toBe(true);
    const r = fmt.parse(doc, testContext);
    expect(r.format).toBe("snyk");
    expect(r.tool).toEqual({ name: tool }); // the Snyk CLI JSON carries no CLI version
    expect(r.parts).toHaveLength(1);
    expect(all(r)).toHaveLength(count);
    expect(r.evidence.join(",")).toBe(evidence);
  });

  it("refuses the CLI text saved as .json at decoding", () => {
    const bad = manifest().filter((r) => r.format === dir && isMalformed(r));
    expect(bad.map((r) => r.file)).toEqual(["snyk/snyk-to-html__invalid-input.json"]);
    expect(() => decodeDocument(sampleText(bad[0]!.file))).toThrow(/Malformed JSON/);
  });
});

describe("snyk fields", () => {
  it("maps an Open Source issue: CVE first, Snyk id as alias, fixed versions, upgrade path, CWE", () => {
    const fs = all(parseSample(`${dir}/snyk-to-html__multi-test-report.json`));
    expect(fs[0]).toMatchObject({
      kind: "dependency",
      ruleId: "SNYK-JAVA-COMMONSCOLLECTIONS-30078",
      title: "Arbitrary Code Execution in commons-collections:commons-collections@3.2.1",
      severity: "high",
      vulnerabilityId: "CVE-2015-7501",
      aliases: ["SNYK-JAVA-COMMONSCOLLECTIONS-30078"],
      cwes: [502],
      cvss: { score: 7.3, vector: "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:L/A:L", version: "3.0" },
      package: {
        purl: "pkg:maven/commons-collections/commons-collections@3.2.1",
        ecosystem: "maven",
        name: "commons-collections:commons-collections",
        version: "3.2.1",
      },
    });
    // One finding per package version even though the same issue repeats per dependency path.
    const keys = fs.map((f) => `${f.ruleId}|${f.package?.name}|${f.package?.version}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it("turns licence issues into license findings", () => {
    const fs = all(parseSample(`${dir}/snyk-to-html__multi-test-report.json`)).filter((f) => f.kind === "license");
    expect(fs).toHaveLength(3 + 2); // 3 distinct in the Maven project, 2 in the npm one
    expect(fs[0]).toMatchObject({
      ruleId: "snyk:lic:maven:org.aspectj:aspectjweaver:EPL-1.0",
      vulnerabilityId: undefined,
      aliases: [],
      package: { name: "org.aspectj:aspectjweaver", version: "1.8.2" },
      properties: { license: "EPL-1.0" },
    });
    expect(all(parseSample(`${dir}/snyk-to-html__test-report-empty-descr.json`))[0]!.kind).toBe("license");
  });

  it("maps a container issue to the image, with distro purl and nearest fixed version", () => {
    const [f] = all(parseSample(`${dir}/defectdojo__snyk__single_project_None_cvss.json`));
    expect(f).toMatchObject({
      ruleId: "SNYK-SLES153-PERMISSIONS-2648113",
      vulnerabilityId: "SNYK-SLES153-PERMISSIONS-2648113", // no CVE, no GHSA
      aliases: ["SUSE-SU-2022:0141-1"],
      severity: "low",
      package: { purl: "pkg:rpm/sles/permissions@20181225-23.6.1", ecosystem: "rpm", fixedVersions: ["20181225-23.12.1"] },
      location: { image: "a_container-engine-tls" },
      remediation: "Upgrade to permissions@20181225-23.12.1",
    });
    expect(f!.cvss).toBeUndefined(); // cvssScore and CVSSv3 are null
    const app = all(parseSample(`${dir}/defectdojo__snyk__snykcontainer_issue_9270.json`)).find(
      (x) => x.ruleId === "SNYK-JS-EXPRESSJWT-575022",
    )!;
    expect(app).toMatchObject({
      package: { ecosystem: "npm", name: "express-jwt", fixedVersions: ["6.0.0"] },
      location: { image: "sarim04/juiceshop", file: "/juice-shop/package.json" },
    });
  });

  it("maps IaC issues with file, line and resource", () => {
    const fs = all(parseSample(`${dir}/snyk-to-html__iac-test-report.json`));
    expect(fs.every((f) => f.kind === "iac")).toBe(true);
    expect(fs[0]).toMatchObject({
      ruleId: "SNYK-CC-TF-136",
      title: "Redshift cluster logging disabled",
      severity: "low",
      location: { file: "http-triggered_function.json", resource: "resource.aws_redshift_cluster[denied2].logging" },
      remediation: "Set `logging.enable` attribute to `true`",
    });
    expect(fs[0]!.location!.startLine).toBeUndefined(); // lineNumber -1
    expect(fs[1]!.location!.startLine).toBe(16);
  });

  it("reads unmanaged C/C++ results (version from the name)", () => {
    const [f] = all(parseSample(`${dir}/snyk-to-html__test-report-unmanaged-cpp.json`));
    expect(f).toMatchObject({
      ruleId: "SNYK-UNMANAGED-CPIO-2319543",
      vulnerabilityId: "CVE-2010-4226",
      package: { purl: "pkg:generic/cpio@2.12", name: "cpio", version: "2.12" },
    });
  });

  it("keeps ignored issues as suppressed, accepts empty input when named, refuses a broken schema", () => {
    const r = fmt.parse(
      json({
        ok: true,
        dependencyCount: 1,
        packageManager: "npm",
        vulnerabilities: [],
        filtered: {
          ignore: [{ id: "SNYK-JS-X-1", packageName: "x", version: "1.0.0", severity: "high", identifiers: { CVE: [] } }],
        },
      }),
      testContext,
    );
    expect(all(r)).toMatchObject([{ ruleId: "SNYK-JS-X-1", suppressed: true, severity: "high" }]);
    expect(fmt.detect(json([]))).toBe(false);
    expect(all(fmt.parse(json([]), testContext))).toHaveLength(0);
    expect(() => fmt.parse(json({ ok: false, dependencyCount: 1, vulnerabilities: {} }), testContext)).toThrow(ReportSchemaError);
    expect(() => fmt.parse(json([1]), testContext)).toThrow(ReportSchemaError);
  });
});

describe("snyk report metadata", () => {
  // Snyk writes no report time or digest; the target is the project name (the image repository for containers).
  it.each<[string, Metadata]>([
    ["defectdojo__snyk__single_project_many_vulns.json", { target: "com.test:myframework" }],
    ["defectdojo__snyk__single_project_upgrade_libs.json", { target: "acme-review" }],
    ["defectdojo__snyk__snykcontainer_issue_9270.json", { target: "sarim04/juiceshop" }],
    ["snyk-to-html__test-report-container-with-app-vulns.json", { target: "vulnerable" }],
    ["snyk-to-html__test-report-nuget-multi-project.json", { target: "DotNetMultiProject" }], // all one project
    ["snyk-to-html__iac-test-report.json", { target: "snyk-iac-arm" }],
    // --all-projects over several projects: no single target
    ["defectdojo__snyk__all-projects_many_vulns.json", {}],
    ["snyk-to-html__test-report.json", {}],
  ])("%s", (file, expected) => {
    expect(metadataOf(parseSample(`${dir}/${file}`))).toEqual(expected);
  });
});
