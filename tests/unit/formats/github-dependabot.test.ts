import { describe, it, expect } from "vitest";
import { githubDependabotFormat as fmt } from "@/server/ingest/formats/github-dependabot";
import { ReportSchemaError, type Document, type ParsedReport, type RawFinding } from "@/server/ingest/types";
import { describeFormatContract, expectNoReportMetadata } from "@/tests/helpers/format-contract";
import { isMalformed, loadSample, manifest, sampleText, testContext } from "@/tests/helpers/samples";

const all = (r: ParsedReport): RawFinding[] => r.parts.flatMap((p) => p.findings);
const parseSample = (rel: string) => fmt.parse(loadSample(rel), testContext);
const json = (value: unknown): Document => ({ type: "json", value });
const dir = "github_dependabot";

// [file, findings verified by reading the file, fixed alerts skipped]
const EXPECTED: [string, number, number][] = [
  ["defectdojo__github_vulnerability__github-0-vuln.json", 0, 0],
  ["defectdojo__github_vulnerability__github-1-vuln-repo-dependabot-link.json", 1, 0],
  ["defectdojo__github_vulnerability__github-5-vuln.json", 5, 0],
  ["defectdojo__github_vulnerability__github-vuln-version.json", 1, 0],
  ["defectdojo__github_vulnerability__github_issue2984.json", 4, 0], // all four dismissed: suppressed, still findings
  ["defectdojo__github_vulnerability__github_multi_cwe_fabricated.json", 1, 0],
  ["defectdojo__github_vulnerability__github_search.json", 2, 0],
  ["defectdojo__github_vulnerability__github_search3.json", 2, 0],
  ["defectdojo__github_vulnerability__github_search4_null_cvss_vector.json", 2, 0],
  // manifest says 1: the only alert has state FIXED, which is not a finding
  ["defectdojo__github_vulnerability__github_shiro.json", 0, 1],
  ["octokit-webhooks__create.payload.json", 1, 0],
  ["octokit-webhooks__create.with-organization.payload.json", 1, 0],
  ["octokit-webhooks__created.payload.json", 1, 0],
  ["octokit-webhooks__dismiss.payload.json", 1, 0],
];

describeFormatContract(fmt, { folders: ["github_dependabot"] });

describe("github-dependabot samples", () => {
  const rows = manifest().filter((r) => r.format === dir && !isMalformed(r));

  it("covers every github_dependabot row of the manifest", () => {
    expect(rows.map((r) => r.file.replace(`${dir}/`, "")).sort()).toEqual(EXPECTED.map(([f]) => f).sort());
  });

  it.each(EXPECTED)("%s → %i findings", (file, count, fixed) => {
    const doc = loadSample(`${dir}/${file}`);
    expect(fmt.detect(doc)).toBe(true);
    const r = fmt.parse(doc, testContext);
    expect(r.format).toBe("github-dependabot");
    expect(r.tool).toEqual({ name: "GitHub Dependabot" });
    expect(r.evidence).toEqual(["sca"]);
    expect(all(r)).toHaveLength(count);
    expect(r.warnings).toHaveLength(fixed ? 1 : 0);
  });
});

describe("github-dependabot fields", () => {
  it("maps a GraphQL alert", () => {
    const f = all(parseSample(`${dir}/defectdojo__github_vulnerability__github-vuln-version.json`))[0]!;
    expect(f).toMatchObject({
      kind: "dependency",
      ruleId: "GHSA-4wrc-f8pq-fpqp",
      vulnerabilityId: "CVE-2016-1000027",
      aliases: ["GHSA-4wrc-f8pq-fpqp"],
      severity: "critical",
      cvss: { vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", version: "3.1" },
      package: {
        purl: "pkg:maven/org.springframework/spring-web@5.3.29",
        ecosystem: "maven",
        name: "org.springframework:spring-web",
        version: "5.3.29",
        fixedVersions: ["6.0.0"],
      },
      location: { file: "sompath/pom.xml" },
      toolFingerprint: "dependabot-alert-1",
    });
    expect(f.suppressed).toBeUndefined();
  });

  it("reads CWEs and scores, and tolerates a null vector", () => {
    const multi = all(parseSample(`${dir}/defectdojo__github_vulnerability__github_multi_cwe_fabricated.json`))[0]!;
    expect(multi.cwes.length).toBeGreaterThan(1);
    const fs = all(parseSample(`${dir}/defectdojo__github_vulnerability__github_search4_null_cvss_vector.json`));
    expect(fs.map((f) => f.cvss?.vector)).toEqual([undefined, "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"]);
    expect(fs[0]!.cvss).toBeUndefined();
  });

  it("marks GraphQL alerts dismissed by date as suppressed", () => {
    const fs = all(parseSample(`${dir}/defectdojo__github_vulnerability__github_issue2984.json`));
    expect(fs.every((f) => f.suppressed === true)).toBe(true);
  });

  it("maps a current webhook alert, scoped to that alert", () => {
    const r = parseSample(`${dir}/octokit-webhooks__created.payload.json`);
    expect(r.parts[0]!.category).toBe("alert/20");
    expect(all(r)[0]).toMatchObject({
      ruleId: "GHSA-c2qf-rxjj-qqgw",
      vulnerabilityId: "CVE-2022-25883",
      aliases: ["GHSA-c2qf-rxjj-qqgw"],
      severity: "medium",
      cwes: [1333],
      cvss: { score: 5.3, version: "3.1" },
      package: { purl: "pkg:npm/semver", ecosystem: "npm", name: "semver", fixedVersions: ["7.5.2"] },
      location: { file: "package-lock.json" },
    });
  });

  it("maps the old repository_vulnerability_alert webhook and its dismissal", () => {
    const created = all(parseSample(`${dir}/octokit-webhooks__create.payload.json`))[0]!;
    expect(created).toMatchObject({
      ruleId: "GHSA-qqgx-2p2h-9c37",
      vulnerabilityId: "CVE-2018-16470",
      aliases: ["GHSA-qqgx-2p2h-9c37"],
      severity: "medium", // "moderate"
      package: { name: "rack", fixedVersions: ["2.0.6"] },
      properties: { affectedRange: ">= 2.0.4, < 2.0.6" },
    });
    expect(created.suppressed).toBeUndefined();
    const dismissed = all(parseSample(`${dir}/octokit-webhooks__dismiss.payload.json`))[0]!;
    expect(dismissed).toMatchObject({ suppressed: true, vulnerabilityId: "CVE-2018-3728" });
  });

  it("reads the REST list (the same alert object as the webhook)", () => {
    const payload = JSON.parse(sampleText(`${dir}/octokit-webhooks__created.payload.json`)) as { alert: Record<string, unknown> };
    const list = [
      payload.alert,
      { ...payload.alert, number: 21, state: "dismissed" },
      { ...payload.alert, number: 22, state: "fixed" },
    ];
    expect(fmt.detect(json(list))).toBe(true);
    const r = fmt.parse(json(list), testContext);
    expect(r.parts[0]!.category).toBeUndefined();
    expect(all(r).map((f) => [f.toolFingerprint, f.suppressed])).toEqual([
      ["dependabot-alert-20", undefined],
      ["dependabot-alert-21", true],
    ]);
    expect(r.warnings).toEqual(["1 fixed alert skipped."]);
  });
});

describe("github-dependabot schema and detection", () => {
  it("accepts an empty REST list when named explicitly", () => {
    expect(fmt.detect(json([]))).toBe(false);
    expect(all(fmt.parse(json([]), testContext))).toHaveLength(0);
  });

  it("refuses documents that break the schema", () => {
    expect(() => fmt.parse(json({}), testContext)).toThrow(ReportSchemaError);
    expect(() => fmt.parse(json([42]), testContext)).toThrow(/\[0\]/);
    expect(() => fmt.parse(json({ data: { repository: { vulnerabilityAlerts: { nodes: 42 } } } }), testContext)).toThrow(
      ReportSchemaError,
    );
  });
});

describe("github-dependabot report metadata", () => {
  it("records no report time, artifact digest or target in any sample", () => {
    // alert exports carry alert times, not a scan time, and name no artifact.
    expectNoReportMetadata(fmt, "github_dependabot");
  });
});
