import { describe, it, expect } from "vitest";
import { gitlabFormat as fmt } from "@/server/ingest/formats/gitlab";
import { ReportSchemaError, type Document, type ParsedReport, type RawFinding } from "@/server/ingest/types";
import { describeFormatContract, type Metadata, metadataOf } from "@/tests/helpers/format-contract";
import { isMalformed, isWrongFormat, loadSample, manifest, sampleText, testContext } from "@/tests/helpers/samples";

const all = (r: ParsedReport): RawFinding[] => r.parts.flatMap((p) => p.findings);
const parseSample = (rel: string) => fmt.parse(loadSample(rel), testContext);
const json = (value: unknown): Document => ({ type: "json", value });
const dir = "gitlab";

// [file, vulnerabilities[] verified by reading the file, main tool name, version]. Reports without `scan`
// take the tool from the vulnerabilities' scanner, or "GitLab" when there is none.
const EXPECTED: [string, number, string, string | undefined][] = [
  ["defectdojo__gitlab_api_fuzzing__gitlab_api_fuzzing_0_vuln.json", 0, "libfuzzer", "f248ff98"],
  ["defectdojo__gitlab_api_fuzzing__gitlab_api_fuzzing_1_vuln_v14.json", 1, "libfuzzer", "f248ff98"],
  ["defectdojo__gitlab_api_fuzzing__gitlab_api_fuzzing_1_vuln_v15.json", 1, "libfuzzer", "f248ff98"],
  ["defectdojo__gitlab_container_scan__gl-container-scanning-report-0-vuln.json", 0, "Trivy", "0.16.0"],
  ["defectdojo__gitlab_container_scan__gl-container-scanning-report-1-vuln_v14.json", 1, "Trivy", "0.16.0"],
  ["defectdojo__gitlab_container_scan__gl-container-scanning-report-1-vuln_v15.json", 1, "Trivy", "0.16.0"],
  ["defectdojo__gitlab_container_scan__gl-container-scanning-report-5-vuln_v14.json", 5, "Trivy", "0.16.0"],
  ["defectdojo__gitlab_container_scan__gl-container-scanning-report-multiple-cwe-fabricated_v15.json", 1, "Trivy", "1.0.0"],
  ["defectdojo__gitlab_container_scan__issue6639_v14.json", 98, "trivy", undefined],
  ["defectdojo__gitlab_container_scan__issue6639_v15.json", 98, "GitLab", undefined],
  ["defectdojo__gitlab_dast__gitlab_dast_many_vul_v14.json", 10, "OWASP Zed Attack Proxy (ZAP)", "D-2020-08-26"],
  ["defectdojo__gitlab_dast__gitlab_dast_many_vul_v15.json", 10, "OWASP Zed Attack Proxy (ZAP)", "D-2020-08-26"],
  ["defectdojo__gitlab_dast__gitlab_dast_multiple_cwe_fabricated_v15.json", 1, "ZAProxy", "1.0.0"],
  ["defectdojo__gitlab_dast__gitlab_dast_one_vul_v15.json", 1, "GitLab", undefined],
  ["defectdojo__gitlab_dep_scan__gl-dependency-scanning-report-0-vuln.json", 0, "Gemnasium", "2.24.1"],
  ["defectdojo__gitlab_dep_scan__gl-dependency-scanning-report-1-vuln_v14.json", 1, "Gemnasium", "2.24.1"],
  ["defectdojo__gitlab_dep_scan__gl-dependency-scanning-report-1-vuln_v15.json", 1, "Gemnasium", "2.24.1"],
  ["defectdojo__gitlab_dep_scan__gl-dependency-scanning-report-2-vuln-missing-component_v14.json", 2, "Gemnasium", "2.24.1"],
  ["defectdojo__gitlab_dep_scan__gl-dependency-scanning-report-2-vuln-missing-component_v15.json", 2, "Gemnasium", "2.24.1"],
  ["defectdojo__gitlab_dep_scan__gl-dependency-scanning-report-many-vuln_v14.json", 6, "Gemnasium", "2.24.1"],
  ["defectdojo__gitlab_dep_scan__gl-dependency-scanning-report-multiple-cwe-fabricated_v15.json", 1, "Gemnasium", "2.24.1"],
  ["defectdojo__gitlab_sast__gl-sast-report-0-vuln.json", 0, "GitLab", undefined],
  ["defectdojo__gitlab_sast__gl-sast-report-1-vuln_v15.json", 1, "GitLab", undefined],
  ["defectdojo__gitlab_sast__gl-sast-report-confidence_v14.json", 8, "njsscan", "0.1.9"],
  ["defectdojo__gitlab_sast__gl-sast-report-cwe_v14.json", 3, "Find Security Bugs", "4.2.0"],
  ["defectdojo__gitlab_sast__gl-sast-report-many-vuln_v14.json", 467, "TruffleHog", undefined],
  ["defectdojo__gitlab_sast__gl-sast-report_issue4344_v14.json", 1, "Security Code Scan", "3.5.3"],
  ["defectdojo__gitlab_sast__gl-sast-report_issue4344_v15.json", 1, "Security Code Scan", "3.5.3"],
  ["defectdojo__gitlab_secret_detection_report__gitlab_secret_detection_report_0_vuln.json", 0, "Gitleaks", "v7.5.0"],
  ["defectdojo__gitlab_secret_detection_report__gitlab_secret_detection_report_3_vuln_v14.json", 3, "Gitleaks", "v7.5.0"],
  ["defectdojo__gitlab_secret_detection_report__gitlab_secret_detection_report_3_vuln_v15.json", 3, "Gitleaks", "v7.5.0"],
  ["semgrep__--gitlab-secrets__results.out", 1, "Semgrep", undefined],
  ["semgrep__results.out", 1, "Semgrep", undefined],
  ["trivy__alpine-310.gitlab.golden", 4, "Trivy", "dev"],
  ["trivy__npm.gitlab.golden", 1, "Trivy", "dev"],
];

describeFormatContract(fmt, { folders: ["gitlab"] });

describe("gitlab samples", () => {
  const rows = manifest().filter((r) => r.format === dir && !isMalformed(r) && !isWrongFormat(r));

  it("covers every gitlab row of the manifest", () => {
    expect(rows.map((r) => r.file.replace(`${dir}/`, "")).sort()).toEqual(EXPECTED.map(([f]) => f).sort());
  });

  it.each(EXPECTED)("%s → %i findings", (file, count, name, version) => {
    const doc = loadSample(`${dir}/${file}`);
    expect(fmt.detect(doc)).toBe(true);
    const r = fmt.parse(doc, testContext);
    expect(r.format).toBe("gitlab");
    expect(r.tool.name).toBe(name);
    expect(r.tool.version).toBe(version);
    expect(all(r)).toHaveLength(count);
  });

  it("refuses the yarn NDJSON log filed under gitlab_dast", () => {
    const doc = loadSample(`${dir}/defectdojo__gitlab_dast__empty_with_error.json`);
    expect(fmt.detect(doc)).toBe(false);
    expect(() => fmt.parse(doc, testContext)).toThrow(ReportSchemaError);
  });
});

describe("gitlab kinds and fields", () => {
  it("maps gemnasium dependency scanning", () => {
    const r = parseSample(`${dir}/defectdojo__gitlab_dep_scan__gl-dependency-scanning-report-many-vuln_v14.json`);
    expect(r.evidence).toEqual(["sca"]);
    expect(all(r)[0]).toMatchObject({
      kind: "dependency",
      ruleId: "CVE-2020-29652",
      vulnerabilityId: "CVE-2020-29652",
      aliases: ["ffb814a0-404c-11eb-b378-0242ac130002"],
      severity: "high",
      package: {
        purl: "pkg:golang/golang.org/x/crypto@v0.0.0-20190219172222-a4c6cb3142f2",
        ecosystem: "golang",
        name: "golang.org/x/crypto",
        fixedVersions: ["v0.0.0-20201216223049-8b5274cf687f"],
      },
      location: { file: "service/go.sum" },
      toolFingerprint: "service/go.sum:golang.org/x/crypto:gemnasium:ffb814a0-404c-11eb-b378-0242ac130002",
    });
  });

  it("defaults Unknown severity to info and recovers the package from the composite key", () => {
    const [f] = all(
      parseSample(`${dir}/defectdojo__gitlab_dep_scan__gl-dependency-scanning-report-2-vuln-missing-component_v14.json`),
    );
    expect(f).toMatchObject({
      severity: "info",
      severityDefaulted: true,
      package: { name: "gopkg.in/yaml.v2", fixedVersions: ["2.2.3"] },
    });
  });

  it("maps container scanning with the image digest", () => {
    const r = parseSample(
      `${dir}/defectdojo__gitlab_container_scan__gl-container-scanning-report-multiple-cwe-fabricated_v15.json`,
    );
    expect(r.evidence).toEqual(["sca", "container"]);
    expect(r.artifactDigest).toBe("sha256:bc09fe2e0721dfaeee79364115aeedf2174cce0947b9ae5fe7c33312ee019a4e");
    expect(all(r)[0]).toMatchObject({
      kind: "dependency",
      vulnerabilityId: "CVE-2019-3462",
      cwes: [79, 89],
      package: { purl: "pkg:deb/debian/apt@1.4.8", name: "apt", version: "1.4.8", fixedVersions: ["1.4.9"] },
    });
  });

  it("infers container scanning for reports without scan", () => {
    const r = parseSample(`${dir}/defectdojo__gitlab_container_scan__issue6639_v15.json`);
    expect(r.evidence).toEqual(["sca", "container"]);
    expect(all(r).every((f) => f.kind === "dependency" && f.location?.image)).toBe(true);
  });

  it("maps Trivy's gitlab template", () => {
    const f = all(parseSample(`${dir}/trivy__alpine-310.gitlab.golden`))[0]!;
    expect(f).toMatchObject({
      ruleId: "CVE-2019-1549",
      severity: "medium",
      package: { purl: "pkg:apk/alpine/libcrypto1.1@1.1.1c-r0", fixedVersions: ["1.1.1d-r0"] },
    });
  });

  it("maps SAST with CWE and lines", () => {
    const r = parseSample(`${dir}/defectdojo__gitlab_sast__gl-sast-report-cwe_v14.json`);
    expect(r.evidence).toEqual(["sast"]);
    expect(all(r)[0]).toMatchObject({
      kind: "code",
      ruleId: "XSS_REQUEST_PARAMETER_TO_SERVLET_WRITER",
      title: "Servlet reflected cross site scripting vulnerability",
      severity: "high",
      cwes: [79],
      location: { file: "src/main/java/servlets/module/lesson/XssLesson.java", startLine: 96, endLine: 96 },
      properties: { confidence: "Medium", class: "servlets.module.lesson.XssLesson", method: "doPost" },
    });
    // the old `cve` key embeds a line number: not a stable fingerprint
    expect(all(r)[0]!.toolFingerprint).toBeUndefined();
    expect(all(r).every((f) => f.vulnerabilityId === undefined)).toBe(true);
  });

  it("splits a merged 2.x SAST report into one part per analyzer and spots old secret scanners", () => {
    const r = parseSample(`${dir}/defectdojo__gitlab_sast__gl-sast-report-many-vuln_v14.json`);
    expect(r.parts.map((p) => [p.tool.name, p.findings.length])).toEqual([
      ["TruffleHog", 12],
      ["Gitleaks", 1],
      ["Bandit", 188],
      ["ESLint", 266],
    ]);
    expect(r.parts[0]!.findings.every((f) => f.kind === "secret")).toBe(true);
    expect(r.parts[1]!.findings.every((f) => f.kind === "secret")).toBe(true);
    expect(r.parts[2]!.findings.find((f) => f.ruleId === "B703")).toMatchObject({
      kind: "code",
      title: "Potential XSS on mark_safe function.",
      severity: "medium",
    });
  });

  it("defaults a missing severity to info", () => {
    const f = all(parseSample(`${dir}/defectdojo__gitlab_sast__gl-sast-report_issue4344_v14.json`))[0]!;
    expect(f).toMatchObject({
      kind: "code",
      ruleId: "SCS0029",
      severity: "info",
      severityDefaulted: true,
      location: { file: "XXXXX.aspx.cs", startLine: 98 },
    });
  });

  it("hashes SAST snippets without keeping them", () => {
    const v = {
      category: "sast",
      name: "x",
      severity: "High",
      identifiers: [{ type: "semgrep_type", value: "r" }],
      location: { file: "a.py", start_line: 3 },
      raw_source_code_extract: ["eval(input())\n"],
    };
    const r = fmt.parse(json({ version: "15.0.4", vulnerabilities: [v] }), testContext);
    expect(all(r)[0]!.location?.snippetHash).toBe(testContext.hash("eval(input())"));
    expect(JSON.stringify(r)).not.toContain("eval(input())");
  });

  it("maps DAST locations", () => {
    const r = parseSample(`${dir}/defectdojo__gitlab_dast__gitlab_dast_many_vul_v14.json`);
    expect(r.evidence).toEqual(["dast"]);
    expect(all(r)[0]).toMatchObject({
      kind: "dast",
      ruleId: "10062",
      title: "PII Disclosure",
      severity: "high",
      cwes: [359],
      location: { url: "http://api-server/v1/trees", method: "GET" },
    });
    // the evidence summary holds a credit-card number: never copied
    expect(JSON.stringify(r)).not.toContain("378282246310005");
  });

  it("maps coverage fuzzing as dynamic testing", () => {
    const r = parseSample(`${dir}/defectdojo__gitlab_api_fuzzing__gitlab_api_fuzzing_1_vuln_v15.json`);
    expect(r.evidence).toEqual(["dast"]);
    expect(all(r)[0]).toMatchObject({
      kind: "dast",
      severity: "low",
      cwes: [129],
      properties: { crashType: "Index-out-of-range" },
    });
  });
});

describe("gitlab secrets", () => {
  it.each([
    "defectdojo__gitlab_secret_detection_report__gitlab_secret_detection_report_3_vuln_v14.json",
    "defectdojo__gitlab_secret_detection_report__gitlab_secret_detection_report_3_vuln_v15.json",
    "semgrep__--gitlab-secrets__results.out",
  ])("%s: redacts raw_source_code_extract and never emits it", (file) => {
    const r = parseSample(`${dir}/${file}`);
    const raw = JSON.parse(sampleText(`${dir}/${file}`)) as {
      vulnerabilities: { raw_source_code_extract?: string | string[] }[];
    };
    const secrets = raw.vulnerabilities.flatMap((v) => [v.raw_source_code_extract ?? []].flat()).map((s) => s.trim());
    expect(secrets.length).toBeGreaterThan(0);
    const out = JSON.stringify(r);
    for (const s of secrets) expect(out).not.toContain(s);
    for (const f of all(r)) {
      expect(f.kind).toBe("secret");
      expect(f.secret?.hash).toMatch(/^[0-9a-f]{64}$/);
      expect(f.toolFingerprint).toBeUndefined(); // the composite key embeds a hash of the secret
    }
    expect(r.evidence).toContain("secrets");
  });

  it("keeps the secret's file and line", () => {
    const [key] = all(
      parseSample(`${dir}/defectdojo__gitlab_secret_detection_report__gitlab_secret_detection_report_3_vuln_v14.json`),
    );
    expect(key).toMatchObject({
      ruleId: "SSH private key",
      severity: "critical",
      location: { file: "README.md", startLine: 20, endLine: 20 },
    });
  });
});

describe("gitlab schema and detection", () => {
  it("refuses reports that break the schema", () => {
    expect(() => fmt.parse(json({ version: "15.0.0", vulnerabilities: {} }), testContext)).toThrow(ReportSchemaError);
    expect(() => fmt.parse(json({ version: "15.0.0", vulnerabilities: [42] }), testContext)).toThrow(/vulnerabilities\[0\]/);
    expect(() => fmt.parse(json({ version: "15.0.0", vulnerabilities: [{ location: "x" }] }), testContext)).toThrow(/location/);
    expect(() => fmt.parse(json([]), testContext)).toThrow(ReportSchemaError);
  });

  it("marks a failed scan's part as not succeeded", () => {
    const r = fmt.parse(
      json({
        version: "15.0.0",
        vulnerabilities: [],
        scan: { type: "sast", status: "failure", scanner: { id: "semgrep", name: "Semgrep" } },
      }),
      testContext,
    );
    expect(r.parts[0]!.succeeded).toBe(false);
  });
});

describe("gitlab report metadata", () => {
  // Values read from each file: scan.end_time (UTC by GitLab's schema), the one image digest of a container scan.
  it.each<[string, Metadata]>([
    [
      "defectdojo__gitlab_container_scan__gl-container-scanning-report-1-vuln_v14.json",
      {
        generatedAt: "2021-04-14T19:46:18.000Z",
        artifactDigests: ["sha256:bc09fe2e0721dfaeee79364115aeedf2174cce0947b9ae5fe7c33312ee019a4e"],
      },
    ],
    [
      "defectdojo__gitlab_container_scan__gl-container-scanning-report-5-vuln_v14.json",
      { generatedAt: "2021-06-01T21:21:00.000Z" },
    ],
    ["defectdojo__gitlab_sast__gl-sast-report-cwe_v14.json", { generatedAt: "2020-12-21T17:38:43.000Z" }],
    ["defectdojo__gitlab_sast__gl-sast-report-many-vuln_v14.json", {}], // no scan times
    ["semgrep__results.out", {}], // "<MASKED>"
  ])("%s", (file, expected) => {
    expect(metadataOf(parseSample(`${dir}/${file}`))).toEqual(expected);
  });
});
