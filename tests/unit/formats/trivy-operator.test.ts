import { describe, it, expect } from "vitest";
import { trivyOperatorFormat as fmt } from "@/server/ingest/formats/trivy-operator";
import { ReportSchemaError, type Document, type ParsedReport, type RawFinding } from "@/server/ingest/types";
import { describeFormatContract, type Metadata, metadataOf } from "@/tests/helpers/format-contract";
import { isMalformed, loadSample, manifest, sampleText, testContext } from "@/tests/helpers/samples";

const all = (r: ParsedReport): RawFinding[] => r.parts.flatMap((p) => p.findings);
const parseSample = (rel: string) => fmt.parse(loadSample(rel), testContext);
const json = (value: unknown): Document => ({ type: "json", value });
const dir = "trivy_operator";

// [file, findings verified by reading the file, tool name, tool version]
const EXPECTED: [string, number, string, string][] = [
  ["defectdojo__trivy_operator__all_reports_in_dict.json", 43, "Trivy", "dev"],
  // manifest says 0: the summary report has two controls with totalFail > 0 (4.2.10, 4.2.11)
  ["defectdojo__trivy_operator__clustercompliancereport.json", 2, "Trivy Operator", "0.17.1"],
  // manifest says 0: the detail report has two failing checks (success: false)
  ["defectdojo__trivy_operator__compliance_severity.json", 2, "Trivy Operator", "0.18.5"],
  ["defectdojo__trivy_operator__configauditreport_many.json", 13, "Trivy", "dev"],
  ["defectdojo__trivy_operator__configauditreport_missing_checkid.json", 1, "Trivy", "dev"],
  ["defectdojo__trivy_operator__configauditreport_single_vuln.json", 1, "Trivy", "dev"],
  ["defectdojo__trivy_operator__configauditreport_with_remediation.json", 2, "Trivy", "0.48.3"],
  ["defectdojo__trivy_operator__exposedsecretreport_many.json", 2, "Trivy", "0.38.2"],
  ["defectdojo__trivy_operator__exposedsecretreport_single_vuln.json", 1, "Trivy", "0.38.2"],
  ["defectdojo__trivy_operator__findings_in_list.json", 18, "Trivy", "dev"],
  ["defectdojo__trivy_operator__vulnerabilityreport_many.json", 41, "Trivy", "0.38.2"],
  ["defectdojo__trivy_operator__vulnerabilityreport_no_vuln.json", 0, "Trivy", "0.38.2"],
  ["defectdojo__trivy_operator__vulnerabilityreport_single_vuln.json", 1, "Trivy", "0.38.2"],
];

describeFormatContract(fmt, { folders: ["trivy_operator"] });

describe("trivy-operator samples", () => {
  const rows = manifest().filter((r) => r.format === dir && !isMalformed(r));

  it("covers every trivy_operator row of the manifest", () => {
    expect(rows.map((r) => r.file.replace(`${dir}/`, "")).sort()).toEqual(EXPECTED.map(([f]) => f).sort());
  });

  it.each(EXPECTED)("%s → %i findings", (file, count, name, version) => {
    const doc = loadSample(`${dir}/${file}`);
    expect(fmt.detect(doc)).toBe(true);
    const r = fmt.parse(doc, testContext);
    expect(r.format).toBe("trivy-operator");
    expect(r.tool).toEqual({ name, version });
    expect(all(r)).toHaveLength(count);
  });
});

describe("trivy-operator fields", () => {
  it("maps a VulnerabilityReport to a workload-scoped part", () => {
    const r = parseSample(`${dir}/defectdojo__trivy_operator__vulnerabilityreport_single_vuln.json`);
    expect(r.evidence).toEqual(["sca", "container"]);
    expect(r.parts[0]!.category).toBe("VulnerabilityReport/default/replicaset-nginx-deployment-965685897-nginx");
    expect(all(r)[0]).toMatchObject({
      kind: "dependency",
      ruleId: "CVE-2023-23914",
      vulnerabilityId: "CVE-2023-23914",
      severity: "critical",
      cvss: { score: 4.2 },
      package: { name: "curl", version: "7.87.0-r1", fixedVersions: ["7.87.0-r2"] },
      location: { image: "index.docker.io/library/nginx:alpine", resource: "ReplicaSet/default/nginx-deployment-965685897" },
      references: ["https://avd.aquasec.com/nvd/cve-2023-23914"],
    });
  });

  it("builds purls and takes the image digest when the report has them", () => {
    const r = parseSample(`${dir}/defectdojo__trivy_operator__findings_in_list.json`);
    expect(r.artifactDigest).toBe("sha256:f78909c2b360d866b3220655c0b079838258b8891a12ac25fc670f0cbb54229f");
    const dep = all(r).find((f) => f.kind === "dependency")!;
    expect(dep.package?.purl).toMatch(/^pkg:deb\/ubuntu\//);
    expect(dep.location?.file).toBeUndefined();
  });

  it("maps failed config-audit checks to iac findings", () => {
    const r = parseSample(`${dir}/defectdojo__trivy_operator__configauditreport_with_remediation.json`);
    expect(r.evidence).toEqual(["iac"]);
    expect(all(r)[0]).toMatchObject({
      kind: "iac",
      ruleId: "KSV014",
      title: "Root file system is not read-only",
      severity: "low",
      remediation: "Set 'securityContext.readOnlyRootFilesystem' to true.",
      location: { resource: "Deployment/production/nginx-app" },
    });
    const missing = all(parseSample(`${dir}/defectdojo__trivy_operator__configauditreport_missing_checkid.json`))[0]!;
    expect(missing.ruleId).toBe("Missing checkID test");
    expect(missing.severity).toBe("medium");
  });

  it("maps compliance checks and controls to config findings", () => {
    const detail = all(parseSample(`${dir}/defectdojo__trivy_operator__compliance_severity.json`));
    expect(detail.map((f) => [f.kind, f.ruleId, f.severity, f.location?.resource])).toEqual([
      ["config", "AVD-KSV-0001", "medium", "/test-target-1"],
      // no severity of its own: inherits the control's HIGH
      ["config", "AVD-KSV-0002", "high", "/test-target-2"],
    ]);
    const summary = all(parseSample(`${dir}/defectdojo__trivy_operator__clustercompliancereport.json`));
    expect(summary.map((f) => [f.ruleId, f.severity, f.properties?.totalFail])).toEqual([
      ["4.2.10", "critical", 10],
      ["4.2.11", "critical", 5],
    ]);
  });
});

describe("trivy-operator secrets", () => {
  it.each(["defectdojo__trivy_operator__exposedsecretreport_many.json", "defectdojo__trivy_operator__all_reports_in_dict.json"])(
    "%s: redacts match and never emits it",
    (file) => {
      const r = parseSample(`${dir}/${file}`);
      const secrets = all(r).filter((f) => f.kind === "secret");
      expect(secrets.length).toBeGreaterThan(0);
      for (const s of secrets) expect(s.secret?.hash).toMatch(/^[0-9a-f]{64}$/);
      const matches = [...sampleText(`${dir}/${file}`).matchAll(/"match":\s*"((?:[^"\\]|\\.)*)"/g)].map(
        (m) => JSON.parse(`"${m[1]}"`) as string,
      );
      expect(matches.length).toBeGreaterThan(0);
      const out = JSON.stringify(r);
      for (const m of matches) expect(out).not.toContain(JSON.stringify(m).slice(1, -1));
    },
  );

  it("keeps the secret's file and workload", () => {
    const f = all(parseSample(`${dir}/defectdojo__trivy_operator__exposedsecretreport_single_vuln.json`))[0]!;
    expect(f).toMatchObject({
      kind: "secret",
      ruleId: "aws-secret-access-key",
      severity: "critical",
      location: {
        file: "root/aws_secret.txt",
        image: "index.docker.io/library/secret:latest",
        resource: "ReplicaSet/default/nginx-deployment-c868466d4",
      },
    });
  });
});

describe("trivy-operator schema and detection", () => {
  const crd = (report: unknown) => ({
    apiVersion: "aquasecurity.github.io/v1alpha1",
    kind: "VulnerabilityReport",
    metadata: { name: "x" },
    report,
  });

  it("accepts empty lists when named explicitly", () => {
    for (const value of [{ items: [] }, [], null]) {
      expect(fmt.detect(json(value))).toBe(false);
      expect(all(fmt.parse(json(value), testContext))).toHaveLength(0);
    }
  });

  it("refuses reports that break the schema", () => {
    expect(() => fmt.parse(json(crd({ vulnerabilities: 42 })), testContext)).toThrow(ReportSchemaError);
    expect(() => fmt.parse(json(crd("text")), testContext)).toThrow(/report/);
    expect(() => fmt.parse(json({ apiVersion: "v1", kind: "List", items: {} }), testContext)).toThrow(ReportSchemaError);
  });
});

describe("trivy-operator report metadata", () => {
  // Values read from each file: report.updateTimestamp (else metadata.creationTimestamp), the newest of a list;
  // report.artifact.digest; registry.server + artifact.repository when the whole document is about one image.
  it.each<[string, Metadata]>([
    [
      "defectdojo__trivy_operator__vulnerabilityreport_single_vuln.json",
      { generatedAt: "2023-03-23T16:23:01.000Z", target: "index.docker.io/library/nginx" },
    ],
    [
      "defectdojo__trivy_operator__exposedsecretreport_many.json",
      { generatedAt: "2023-03-24T08:34:18.000Z", target: "index.docker.io/library/secret" },
    ],
    // a ConfigAuditReport of a ReplicaSet and a VulnerabilityReport of ubuntu: the one digest, no single target
    [
      "defectdojo__trivy_operator__findings_in_list.json",
      {
        generatedAt: "2024-01-23T13:43:55.000Z",
        artifactDigests: ["sha256:f78909c2b360d866b3220655c0b079838258b8891a12ac25fc670f0cbb54229f"],
      },
    ],
    // nginx, secret and a ReplicaSet's config audit: the newest time only
    ["defectdojo__trivy_operator__all_reports_in_dict.json", { generatedAt: "2023-03-24T08:34:18.000Z" }],
    ["defectdojo__trivy_operator__configauditreport_many.json", { generatedAt: "2023-03-23T16:22:54.000Z" }],
    // creationTimestamp written "2021-1-1T10:10:10Z"
    ["defectdojo__trivy_operator__clustercompliancereport.json", { generatedAt: "2021-01-01T10:10:10.000Z" }],
  ])("%s", (file, expected) => {
    expect(metadataOf(parseSample(`${dir}/${file}`))).toEqual(expected);
  });

  it("names nothing when the CRD does not", () => {
    const crd = {
      apiVersion: "aquasecurity.github.io/v1alpha1",
      kind: "VulnerabilityReport",
      metadata: { name: "x" },
      report: { vulnerabilities: [] },
    };
    expect(metadataOf(fmt.parse({ type: "json", value: crd }, testContext))).toEqual({});
  });
});
