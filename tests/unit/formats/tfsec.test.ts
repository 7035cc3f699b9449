import { describe, expect, it } from "vitest";
import { tfsecFormat } from "@/server/ingest/formats/tfsec";
import { ReportSchemaError, type Document, type ParsedReport } from "@/server/ingest/types";
import { describeFormatContract, expectNoReportMetadata } from "@/tests/helpers/format-contract";
import { isMalformed, loadSample, manifest, testContext } from "@/tests/helpers/samples";

const json = (value: unknown): Document => ({ type: "json", value });
const all = (p: ParsedReport) => p.parts.flatMap((x) => x.findings);

// [file, findings, detected]: {"results": null} is tfsec but ambiguous, so detect() refuses it.
const SAMPLES: [string, number, boolean][] = [
  ["tfsec/defectdojo__tfsec__many_findings_current.json", 19, true],
  ["tfsec/defectdojo__tfsec__no_findings.json", 0, false],
  ["tfsec/defectdojo__tfsec__one_finding_legacy.json", 1, true],
];

describeFormatContract(tfsecFormat, {
  folders: ["tfsec"],
  alsoCheck: ["osv_scanner/defectdojo__osv_scanner__many_findings.json"],
});

describe("tfsec samples", () => {
  it("lists every tfsec sample of the manifest", () => {
    const rows = manifest().filter((r) => r.format === "tfsec" && !isMalformed(r));
    expect(rows.map((r) => r.file).sort()).toEqual(SAMPLES.map((s) => s[0]).sort());
  });

  it.each(SAMPLES)("%s", (file, findings, detected) => {
    const doc = loadSample(file);
    expect(tfsecFormat.detect(doc)).toBe(detected);
    const p = tfsecFormat.parse(doc, testContext);
    expect(p.tool).toEqual({ name: "tfsec" });
    expect(all(p)).toHaveLength(findings);
    expect(p.evidence).toEqual(["iac"]);
  });

  it("maps a mid-era result (rule_id in long form + legacy_rule_id)", () => {
    const p = tfsecFormat.parse(loadSample("tfsec/defectdojo__tfsec__many_findings_current.json"), testContext);
    const findings = all(p);
    expect(findings[0]).toMatchObject({
      kind: "iac",
      ruleId: "aws-vpc-no-excessive-port-access",
      title: "An ingress Network ACL rule allows ALL ports.",
      severity: "critical",
      location: {
        // absolute path kept as the tool wrote it
        file: "/tmp/aws-eks/modules/vpc-subnets/resources.tf",
        startLine: 155,
        endLine: 155,
        resource: "module.SUBNETS:aws_network_acl_rule.public_inbound[0]",
      },
      remediation: "Set specific allowed ports",
      properties: { legacyRuleId: "AWS050", provider: "aws" },
    });
    expect(findings[0]!.references).toContain("https://tfsec.dev/docs/aws/vpc/no-excessive-port-access#aws/vpc");
    const sev = findings.reduce<Record<string, number>>((acc, f) => ({ ...acc, [f.severity]: (acc[f.severity] ?? 0) + 1 }), {});
    expect(sev).toEqual({ critical: 14, high: 3, medium: 1, low: 1 });
  });

  it("maps a legacy result (AWS-style rule id, WARNING severity, link sentence)", () => {
    const f = all(tfsecFormat.parse(loadSample("tfsec/defectdojo__tfsec__one_finding_legacy.json"), testContext))[0]!;
    expect(f).toMatchObject({
      ruleId: "GEN003",
      severity: "medium",
      location: { file: "tfsec-test/identity.tf", startLine: 226, endLine: 226 },
      references: ["https://tfsec.dev/docs/general/GEN003/"],
    });
  });
});

describe("tfsec current shape (no sample)", () => {
  const result = (extra: Record<string, unknown>) => ({
    rule_id: "AVD-AWS-0089",
    long_id: "aws-s3-enable-bucket-logging",
    rule_description: "S3 Bucket does not have logging enabled.",
    rule_provider: "aws",
    rule_service: "s3",
    impact: "There is no way to determine the access to this bucket",
    resolution: "Add a logging block to the resource to enable access logging",
    links: ["https://aquasecurity.github.io/tfsec/v1.28.1/checks/aws/s3/enable-bucket-logging/"],
    description: "Bucket does not have logging enabled",
    severity: "MEDIUM",
    warning: false,
    resource: "aws_s3_bucket.logs",
    location: { filename: "C:\\work\\infra\\s3.tf", start_line: 1, end_line: 4 },
    ...extra,
  });

  it("prefers long_id, keeps the AVD id, skips passed and suppresses ignored results", () => {
    const doc = json({ results: [result({ status: 0 }), result({ status: 1 }), result({ status: 2 })] });
    expect(tfsecFormat.detect(doc)).toBe(true);
    const findings = all(tfsecFormat.parse(doc, testContext));
    expect(findings).toHaveLength(2);
    expect(findings[0]).toMatchObject({
      ruleId: "aws-s3-enable-bucket-logging",
      severity: "medium",
      location: { file: "C:/work/infra/s3.tf", startLine: 1, endLine: 4, resource: "aws_s3_bucket.logs" },
      properties: { ruleId: "AVD-AWS-0089", service: "s3" },
    });
    expect(findings[0]!.suppressed).toBeUndefined();
    expect(findings[1]!.suppressed).toBe(true);
  });

  it("accepts {results: null} when named and rejects a wrong results type", () => {
    expect(all(tfsecFormat.parse(json({ results: null }), testContext))).toHaveLength(0);
    expect(tfsecFormat.detect(json({ results: [] }))).toBe(false);
    expect(() => tfsecFormat.parse(json({ results: 42 }), testContext)).toThrow(ReportSchemaError);
    expect(() => tfsecFormat.parse(json({ results: [42] }), testContext)).toThrow(ReportSchemaError);
  });
});

describe("tfsec report metadata", () => {
  it("records no report time, artifact digest or target in any sample", () => {
    // tfsec writes only results.
    expectNoReportMetadata(tfsecFormat, "tfsec");
  });
});
