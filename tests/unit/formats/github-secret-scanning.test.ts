import { describe, it, expect } from "vitest";
import { githubSecretScanningFormat as fmt } from "@/server/ingest/formats/github-secret-scanning";
import { ReportSchemaError, type Document, type ParsedReport, type RawFinding } from "@/server/ingest/types";
import { describeFormatContract, expectNoReportMetadata } from "@/tests/helpers/format-contract";
import { isMalformed, loadSample, manifest, sampleText, testContext } from "@/tests/helpers/samples";

const all = (r: ParsedReport): RawFinding[] => r.parts.flatMap((p) => p.findings);
const parseSample = (rel: string) => fmt.parse(loadSample(rel), testContext);
const json = (value: unknown): Document => ({ type: "json", value });
const dir = "github_secret_scanning";

const EXPECTED: [string, number][] = [
  ["defectdojo__github_secrets_detection_report__github_secrets_detection_report_many_vul.json", 3],
  ["defectdojo__github_secrets_detection_report__github_secrets_detection_report_one_vul.json", 1],
  ["octokit-webhooks__reopened.payload.json", 1],
];
// `{}`: undetectable, and not a list of alerts when named explicitly.
const INVALID = "defectdojo__github_secrets_detection_report__github_secrets_detection_report_invalid.json";

describeFormatContract(fmt, { folders: ["github_secret_scanning"] });

describe("github-secret-scanning samples", () => {
  const rows = manifest().filter((r) => r.format === dir && !isMalformed(r));

  it("covers every github_secret_scanning row of the manifest", () => {
    expect(rows.map((r) => r.file.replace(`${dir}/`, "")).sort()).toEqual([...EXPECTED.map(([f]) => f), INVALID].sort());
  });

  it.each(EXPECTED)("%s → %i findings", (file, count) => {
    const doc = loadSample(`${dir}/${file}`);
    expect(fmt.detect(doc)).toBe(true);
    const r = fmt.parse(doc, testContext);
    expect(r.format).toBe("github-secret-scanning");
    expect(r.tool).toEqual({ name: "GitHub secret scanning" });
    expect(r.evidence).toEqual(["secrets"]);
    expect(all(r)).toHaveLength(count);
  });

  it("refuses `{}`", () => {
    const doc = loadSample(`${dir}/${INVALID}`);
    expect(fmt.detect(doc)).toBe(false);
    expect(() => fmt.parse(doc, testContext)).toThrow(ReportSchemaError);
  });
});

describe("github-secret-scanning fields and redaction", () => {
  it.each(EXPECTED.map(([f]) => f))("%s: the secret is redacted and never emitted", (file) => {
    const r = parseSample(`${dir}/${file}`);
    const raw = JSON.parse(sampleText(`${dir}/${file}`)) as { secret?: string }[] | { alert: { secret?: string } };
    const secrets = (Array.isArray(raw) ? raw : [raw.alert])
      .map((a) => a.secret)
      .filter((s): s is string => typeof s === "string");
    const out = JSON.stringify(r);
    for (const s of secrets) expect(out).not.toContain(s);
    for (const s of secrets) expect(all(r).some((f) => f.secret?.hash === testContext.redact(s).hash)).toBe(true);
  });

  it("maps a REST alert: default severity, location, resolution", () => {
    const [resolved, open, revoked] = all(
      parseSample(`${dir}/defectdojo__github_secrets_detection_report__github_secrets_detection_report_many_vul.json`),
    );
    expect(resolved).toMatchObject({
      kind: "secret",
      ruleId: "adafruit_io_key",
      title: "Adafruit IO Key",
      severity: "high",
      severityDefaulted: true,
      location: { file: "example/secrets.txt", startLine: 1, endLine: 1 },
      toolFingerprint: "secret-scanning-alert-2",
      suppressed: true,
      properties: { state: "resolved", resolution: "false_positive", validity: "active" },
    });
    expect(resolved!.secret?.preview).toBe("aio_********");
    expect(open).toMatchObject({ ruleId: "aws_access_key_id", location: { file: "config/aws-credentials.env", startLine: 5 } });
    expect(open!.suppressed).toBeUndefined();
    expect(revoked).toMatchObject({ suppressed: true, properties: { resolution: "revoked" } });
  });

  it("maps a webhook alert without the secret, scoped to the alert", () => {
    const r = parseSample(`${dir}/octokit-webhooks__reopened.payload.json`);
    expect(r.parts[0]!.category).toBe("alert/191");
    expect(all(r)[0]).toMatchObject({ ruleId: "adafruit_io_key", toolFingerprint: "secret-scanning-alert-191" });
    expect(all(r)[0]!.secret).toBeUndefined();
  });
});

describe("github-secret-scanning schema and detection", () => {
  it("accepts an empty list when named explicitly", () => {
    expect(fmt.detect(json([]))).toBe(false);
    expect(all(fmt.parse(json([]), testContext))).toHaveLength(0);
  });

  it("refuses documents that break the schema", () => {
    expect(() => fmt.parse(json([1]), testContext)).toThrow(ReportSchemaError);
    expect(() => fmt.parse(json(null), testContext)).toThrow(ReportSchemaError);
  });
});

describe("github-secret-scanning report metadata", () => {
  it("records no report time, artifact digest or target in any sample", () => {
    // alert exports carry alert times, not a scan time, and name no artifact.
    expectNoReportMetadata(fmt, "github_secret_scanning");
  });
});
