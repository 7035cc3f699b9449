import { describe, expect, it } from "vitest";
import { kicsFormat } from "@/server/ingest/formats/kics";
import { ReportSchemaError, type Document, type ParsedReport } from "@/server/ingest/types";
import { describeFormatContract, type Metadata, metadataOf } from "@/tests/helpers/format-contract";
import { isMalformed, loadSample, manifest, testContext } from "@/tests/helpers/samples";

const json = (value: unknown): Document => ({ type: "json", value });
const all = (p: ParsedReport) => p.parts.flatMap((x) => x.findings);

// [file, findings, kics_version]
const SAMPLES: [string, number, string | undefined][] = [
  // 15 queries; "RBAC Wildcard In Rule" matched 4 files, the others 1.
  ["kics/defectdojo__kics__many_findings.json", 18, undefined],
  ["kics/defectdojo__kics__no_findings.json", 0, undefined],
  ["kics/kics__E2E_CLI_073_RESULT.json", 0, "development"],
  ["kics/kics__E2E_CLI_094_RESULT.json", 2, "development"],
];

describeFormatContract(kicsFormat, { folders: ["kics"] });

describe("kics samples", () => {
  it("lists every kics sample of the manifest", () => {
    const rows = manifest().filter((r) => r.format === "kics" && !isMalformed(r));
    expect(rows.map((r) => r.file).sort()).toEqual(SAMPLES.map((s) => s[0]).sort());
  });

  it.each(SAMPLES)("%s", (file, findings, version) => {
    const doc = loadSample(file);
    expect(kicsFormat.detect(doc)).toBe(true);
    const p = kicsFormat.parse(doc, testContext);
    expect(p.tool).toEqual(version ? { name: "KICS", version } : { name: "KICS" });
    expect(all(p)).toHaveLength(findings);
    expect(p.evidence).toEqual(["iac"]);
  });

  it("maps a Terraform finding in detail", () => {
    const findings = all(kicsFormat.parse(loadSample("kics/defectdojo__kics__many_findings.json"), testContext));
    const f = findings.find((x) => x.title === "S3 Bucket Without Server-side-encryption")!;
    expect(f).toMatchObject({
      kind: "iac",
      ruleId: "6726dcc0-5ff5-459d-b473-a780bef7665c",
      severity: "high",
      description: "S3 bucket should have encryption defined",
      references: ["https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/s3_bucket"],
      properties: { platform: "Terraform", category: "Encryption" },
    });
    expect(f.location?.file).toMatch(/\.tf$/);
    expect(f.toolFingerprint).toMatch(/^[0-9a-f]{64}$/);
    const sev = findings.reduce<Record<string, number>>((acc, x) => ({ ...acc, [x.severity]: (acc[x.severity] ?? 0) + 1 }), {});
    expect(sev).toEqual({ high: 5, medium: 5, low: 8 });
  });

  it("normalizes the Windows paths of the e2e fixtures", () => {
    const [a, b] = all(kicsFormat.parse(loadSample("kics/kics__E2E_CLI_094_RESULT.json"), testContext));
    expect(a).toMatchObject({
      ruleId: "bb9ac4f7-e13b-423d-a010-c74a1bfbe492",
      title: "Memory Not Limited",
      severity: "medium",
      location: { file: "path/test/fixtures/new_similarity_id/stack.yml", startLine: 4 },
      toolFingerprint: "d961aaad4a5f76c10bbb5af77b2ee8bd88dd2f977d6af847bd03d12b54569820",
      remediation: "'deploy.resources' should be defined",
      properties: { platform: "DockerCompose", searchKey: "services.api.deploy" },
    });
    expect(b!.properties?.searchKey).toBe("services.ui.deploy");
  });
});

describe("kics newer fields (no sample)", () => {
  it("maps TRACE to info, resource type/name, cwe, and drops secret values", () => {
    const p = kicsFormat.parse(
      json({
        kics_version: "v2.1.3",
        queries: [
          {
            query_name: "Healthcheck Instruction Missing",
            query_id: "b03a748a-542d-44f4-bb86-9199ab4fd2d5",
            severity: "TRACE",
            platform: "Dockerfile",
            cwe: "710",
            category: "Insecure Configurations",
            description: "Ensure a HEALTHCHECK exists",
            files: [
              {
                file_name: "Dockerfile",
                similarity_id: "abc",
                line: 1,
                search_line: -1,
                resource_type: "",
                actual_value: "missing",
              },
            ],
          },
          {
            query_name: "S3 Bucket Logging Disabled",
            query_id: "f861041c-8c9f-4156-acfc-5e6e524f5884",
            severity: "CRITICAL",
            platform: "Terraform",
            files: [{ file_name: "main.tf", line: 3, resource_type: "aws_s3_bucket", resource_name: "logs" }],
          },
          {
            query_name: "Passwords And Secrets - Generic Password",
            query_id: "487f4be7-3fd9-4506-a07a-eae252180c08",
            severity: "HIGH",
            platform: "Common",
            category: "Secret Management",
            files: [
              {
                file_name: "app.env",
                line: 2,
                search_key: "DB_PASSWORD=hunter2-very-secret",
                actual_value: "DB_PASSWORD=hunter2-very-secret",
              },
            ],
          },
        ],
        severity_counters: { CRITICAL: 1, HIGH: 1, MEDIUM: 0, LOW: 0, INFO: 0, TRACE: 1 },
        total_counter: 3,
        queries_failed_to_execute: 2,
      }),
      testContext,
    );
    const [trace, tf, secret] = all(p);
    expect(p.tool).toEqual({ name: "KICS", version: "v2.1.3" });
    expect(trace).toMatchObject({ severity: "info", cwes: [710], location: { file: "Dockerfile", startLine: 1 } });
    expect(tf).toMatchObject({ severity: "critical", location: { resource: "aws_s3_bucket.logs", startLine: 3 } });
    expect(secret!.properties?.actualValue).toBeUndefined();
    expect(JSON.stringify(p)).not.toContain("hunter2");
    expect(p.warnings).toEqual(["KICS failed to execute 2 queries."]);
  });

  it("throws ReportSchemaError on a broken structure", () => {
    expect(() => kicsFormat.parse(json({ queries: 42, severity_counters: {}, total_counter: 0 }), testContext)).toThrow(
      ReportSchemaError,
    );
    expect(() => kicsFormat.parse(json({ queries: [{ files: "x" }] }), testContext)).toThrow(ReportSchemaError);
    expect(kicsFormat.detect(json({}))).toBe(false);
  });
});

describe("kics report metadata", () => {
  it.each<[string, Metadata]>([
    // `end` of the scan; its one path is absolute ("/path/test/fixtures/…"), so no target
    ["kics/kics__E2E_CLI_073_RESULT.json", { generatedAt: "2023-11-09T14:36:45.663Z" }],
    ["kics/kics__E2E_CLI_094_RESULT.json", { generatedAt: "2024-03-25T12:33:20.897Z" }],
    ["kics/defectdojo__kics__many_findings.json", {}], // no start, end or paths
  ])("%s", (file, expected) => {
    expect(metadataOf(kicsFormat.parse(loadSample(file), testContext))).toEqual(expected);
  });

  it("keeps one relative scanned path as the target", () => {
    const r = kicsFormat.parse(
      json({ queries: [], severity_counters: {}, total_counter: 0, start: "2024-01-01T10:00:00Z", paths: ["./infra/"] }),
      testContext,
    );
    expect(metadataOf(r)).toEqual({ generatedAt: "2024-01-01T10:00:00.000Z", target: "infra" });
  });
});
