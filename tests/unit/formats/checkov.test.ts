import { describe, expect, it } from "vitest";
import { checkovFormat } from "@/server/ingest/formats/checkov";
import { ReportSchemaError, type Document, type ParsedReport } from "@/server/ingest/types";
import { describeFormatContract, expectNoReportMetadata } from "@/tests/helpers/format-contract";
import { isMalformed, loadSample, manifest, testContext } from "@/tests/helpers/samples";

const json = (value: unknown): Document => ({ type: "json", value });
const all = (p: ParsedReport) => p.parts.flatMap((x) => x.findings);

// [file, findings, checkov_version]
const SAMPLES: [string, number, string][] = [
  ["checkov/defectdojo__checkov__checkov-report-0-vuln.json", 0, "1.0.467"],
  ["checkov/defectdojo__checkov__checkov-report-1-vuln.json", 1, "1.0.467"],
  // 3 failed_checks although the hand-edited summary says failed: 2.
  ["checkov/defectdojo__checkov__checkov-report-many-vuln.json", 3, "1.0.467"],
  // Array of two frameworks: terraform (11 failed) + dockerfile (2 failed); passed checks are not findings.
  ["checkov/defectdojo__checkov__checkov-report-multiple-check_type.json", 13, "2.0.209"],
];

describeFormatContract(checkovFormat, { folders: ["checkov"] });

describe("checkov samples", () => {
  it("lists every checkov sample of the manifest", () => {
    const rows = manifest().filter((r) => r.format === "checkov" && !isMalformed(r));
    expect(rows.map((r) => r.file).sort()).toEqual(SAMPLES.map((s) => s[0]).sort());
  });

  it.each(SAMPLES)("%s", (file, findings, version) => {
    const doc = loadSample(file);
    expect(checkovFormat.detect(doc)).toBe(true);
    const p = checkovFormat.parse(doc, testContext);
    expect(p.format).toBe("checkov");
    expect(p.tool).toEqual({ name: "checkov", version });
    expect(all(p)).toHaveLength(findings);
    expect(p.evidence).toEqual(["iac"]);
  });

  it("maps a failed terraform check in detail", () => {
    const p = checkovFormat.parse(
      loadSample("checkov/defectdojo__checkov__checkov-report-multiple-check_type.json"),
      testContext,
    );
    const f = all(p).find((x) => x.ruleId === "CKV_AWS_16")!;
    expect(f).toMatchObject({
      kind: "iac",
      title: "Ensure all data stored in the RDS is securely encrypted at rest",
      severity: "medium",
      severityDefaulted: true,
      location: { file: "aws/db-app.tf", startLine: 1, endLine: 41, resource: "aws_db_instance.default" },
      references: ["https://docs.bridgecrew.io/docs/general_4"],
      properties: { checkType: "terraform" },
    });
    expect(f.location?.snippetHash).toMatch(/^[0-9a-f]{64}$/);
    // The snippet text itself is never kept.
    expect(JSON.stringify(p)).not.toContain("aws_db_option_group.default.name");
    const docker = all(p).find((x) => x.ruleId === "CKV_DOCKER_3")!;
    // file_line_range [0, 0] means "whole file": no line numbers.
    expect(docker.location).toMatchObject({ file: "aws/resources/Dockerfile" });
    expect(docker.location?.startLine).toBeUndefined();
  });
});

describe("checkov shapes without a sample", () => {
  it("accepts the summary-only object (nothing scanned, spelled parsingerrors)", () => {
    const doc = json({ passed: 0, failed: 0, skipped: 0, parsingerrors: 0, resource_count: 0, checkov_version: "2.3.1" });
    expect(checkovFormat.detect(doc)).toBe(true);
    const p = checkovFormat.parse(doc, testContext);
    expect(p.tool).toEqual({ name: "checkov", version: "2.3.1" });
    expect(all(p)).toHaveLength(0);
  });

  it("turns skipped checks into suppressed findings and keeps Prisma severities", () => {
    const p = checkovFormat.parse(
      json({
        check_type: "kubernetes",
        results: {
          passed_checks: [{ check_id: "CKV_K8S_1", check_name: "ok", file_path: "/a.yaml" }],
          failed_checks: [
            {
              check_id: "CKV_K8S_8",
              check_name: "Liveness",
              severity: "HIGH",
              file_path: "/k8s/app.yaml",
              file_line_range: [3, 9],
              resource: "Deployment.default.api",
              code_block: [],
            },
          ],
          skipped_checks: [
            {
              check_id: "CKV_K8S_20",
              check_name: "No privilege escalation",
              check_result: { result: "SKIPPED", suppress_comment: "accepted risk" },
              file_path: "/k8s/app.yaml",
              file_line_range: [3, 9],
              resource: "Deployment.default.api",
            },
          ],
          parsing_errors: ["/k8s/broken.yaml"],
        },
        summary: { passed: 1, failed: 1, skipped: 1, parsing_errors: 1, checkov_version: "3.2.0" },
      }),
      testContext,
    );
    const [failed, skipped] = all(p);
    expect(failed).toMatchObject({
      ruleId: "CKV_K8S_8",
      severity: "high",
      location: { file: "k8s/app.yaml", startLine: 3, endLine: 9 },
    });
    expect(failed!.severityDefaulted).toBeUndefined();
    expect(failed!.suppressed).toBeUndefined();
    expect(skipped).toMatchObject({ ruleId: "CKV_K8S_20", suppressed: true, properties: { suppressComment: "accepted risk" } });
    expect(p.warnings).toEqual(["Checkov could not parse 1 file(s) (kubernetes)."]);
  });

  it("makes CI/CD pipeline checks posture findings", () => {
    const p = checkovFormat.parse(
      json([
        {
          check_type: "github_actions",
          results: {
            failed_checks: [
              { check_id: "CKV_GHA_7", check_name: "Inputs", file_path: "/.github/workflows/ci.yml", file_line_range: [1, 20] },
            ],
          },
          summary: { checkov_version: "3.2.0" },
        },
        { check_type: "terraform", results: { failed_checks: [] }, summary: { checkov_version: "3.2.0" } },
      ]),
      testContext,
    );
    expect(all(p)[0]).toMatchObject({ kind: "posture", location: { file: ".github/workflows/ci.yml" } });
    expect(p.evidence.sort()).toEqual(["iac", "posture"]);
  });

  it("redacts secrets: the masked code line is never kept", () => {
    const line = 'aws_secret_access_key = "wJalrX**********"';
    const p = checkovFormat.parse(
      json({
        check_type: "secrets",
        results: {
          failed_checks: [
            {
              check_id: "CKV_SECRET_2",
              check_name: "AWS Access Key",
              code_block: [[12, line]],
              file_path: "/config/settings.py",
              file_line_range: [12, 13],
              resource: "25910f981e85ca04baf359199dd0bd4a3ae738b6",
            },
          ],
        },
        summary: { checkov_version: "3.2.0" },
      }),
      testContext,
    );
    const f = all(p)[0]!;
    expect(f).toMatchObject({ kind: "secret", ruleId: "CKV_SECRET_2", location: { file: "config/settings.py", startLine: 12 } });
    expect(f.secret?.hash).toMatch(/^[0-9a-f]{64}$/);
    const out = JSON.stringify(p);
    expect(out).not.toContain("wJalrX");
    expect(out).not.toContain("aws_secret_access_key");
    // Checkov's secret resource is a hash of the secret itself.
    expect(out).not.toContain("25910f981e85ca04baf359199dd0bd4a3ae738b6");
    expect(f.location?.snippetHash).toBeUndefined();
    expect(p.evidence).toEqual(["secrets"]);
  });

  it("maps sca_package vulnerability details to a dependency finding", () => {
    const p = checkovFormat.parse(
      json({
        check_type: "sca_package",
        results: {
          failed_checks: [
            {
              check_id: "CKV_CVE_2020_28500",
              check_name: "SCA package scan",
              file_path: "/package-lock.json",
              file_line_range: [0, 0],
              resource: "package-lock.json.lodash",
              severity: null,
              vulnerability_details: {
                id: "CVE-2020-28500",
                severity: "moderate",
                package_name: "lodash",
                package_version: "4.17.20",
                package_type: "npm",
                cvss: 5.3,
                vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:L",
                description: "Lodash ReDoS",
                link: "https://nvd.nist.gov/vuln/detail/CVE-2020-28500",
                fixed_versions: ["4.17.21"],
                lowest_fixed_version: "4.17.21",
              },
            },
          ],
        },
        summary: { checkov_version: "3.2.0" },
      }),
      testContext,
    );
    expect(all(p)[0]).toMatchObject({
      kind: "dependency",
      ruleId: "CVE-2020-28500",
      vulnerabilityId: "CVE-2020-28500",
      severity: "medium",
      cvss: { score: 5.3 },
      package: {
        name: "lodash",
        version: "4.17.20",
        ecosystem: "npm",
        purl: "pkg:npm/lodash@4.17.20",
        fixedVersions: ["4.17.21"],
      },
    });
    expect(p.evidence).toEqual(["sca"]);
  });

  it("throws ReportSchemaError on a broken structure and accepts empty documents", () => {
    const bad = json({ check_type: "terraform", results: { failed_checks: 42 }, summary: {} });
    expect(() => checkovFormat.parse(bad, testContext)).toThrow(ReportSchemaError);
    expect(() => checkovFormat.parse(bad, testContext)).toThrow(/^results\.failed_checks: expected an array/);
    expect(() => checkovFormat.parse(json({ foo: 1 }), testContext)).toThrow(ReportSchemaError);
    expect(() => checkovFormat.parse(json([42]), testContext)).toThrow(ReportSchemaError);
    for (const empty of [null, [], {}]) {
      expect(checkovFormat.detect(json(empty))).toBe(false);
      expect(all(checkovFormat.parse(json(empty), testContext))).toHaveLength(0);
    }
  });
});

describe("checkov report metadata", () => {
  it("records no report time, artifact digest or target in any sample", () => {
    // Checkov writes no report time; file paths are per check.
    expectNoReportMetadata(checkovFormat, "checkov");
  });
});
