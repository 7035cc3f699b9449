import { describe, it, expect } from "vitest";
import { dependencyCheckJsonFormat as fmt } from "@/server/ingest/formats/dependency-check-json";
import { ReportSchemaError, type Document, type ParsedReport, type RawFinding } from "@/server/ingest/types";
import { describeFormatContract, type Metadata, metadataOf } from "@/tests/helpers/format-contract";
import { isMalformed, loadSample, manifest, testContext } from "@/tests/helpers/samples";

const all = (r: ParsedReport): RawFinding[] => r.parts.flatMap((p) => p.findings);
const parseSample = (rel: string) => fmt.parse(loadSample(rel), testContext);
const json = (value: unknown): Document => ({ type: "json", value });
const dir = "dependency_check_json";

// [file, findings = one per (dependency, vulnerability) counted in the file, engine version, NVD check time]
const EXPECTED: [string, number, string, string][] = [
  ["odc-sonar-plugin__dependency-check-report.json", 40, "8.0.2", "2023-02-02T16:59:31.000Z"],
  ["odc-sonar-plugin__reportWithExceptions__dependency-check-report.json", 1, "5.2.4", "2020-03-02T15:36:41.000Z"],
];

describeFormatContract(fmt, { folders: ["dependency_check_json"] });

describe("dependency-check-json samples", () => {
  const rows = manifest().filter((r) => r.format === dir && !isMalformed(r));

  it("covers every dependency_check_json row of the manifest", () => {
    expect(rows.map((r) => r.file.replace(`${dir}/`, "")).sort()).toEqual(EXPECTED.map(([f]) => f).sort());
  });

  it.each(EXPECTED)("%s → %i findings", (file, count, version, db) => {
    const doc = loadSample(`${dir}/${file}`);
    expect(fmt.detect(doc)).toBe(true);
    const r = fmt.parse(doc, testContext);
    expect(r.format).toBe("dependency-check-json");
    expect(r.tool).toEqual({ name: "Dependency-Check", version });
    expect(r.evidence).toEqual(["sca"]);
    expect(r.scannerDbBuiltAt).toBe(db);
    expect(all(r)).toHaveLength(count);
    expect(all(r).every((f) => f.kind === "dependency" && !f.suppressed)).toBe(true);
  });
});

describe("dependency-check-json fields", () => {
  it("maps NVD vulnerabilities: tool severity, CVSS v3 vector rebuilt, purl package, file path", () => {
    const fs = all(parseSample(`${dir}/odc-sonar-plugin__dependency-check-report.json`));
    const f = fs.find((x) => x.ruleId === "CVE-2019-10086")!;
    expect(f).toMatchObject({
      kind: "dependency",
      vulnerabilityId: "CVE-2019-10086",
      severity: "high",
      cwes: [502],
      cvss: { score: 7.3, vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:L/A:L", version: "3.1" },
      package: {
        purl: "pkg:maven/commons-beanutils/commons-beanutils@1.7.0",
        ecosystem: "maven",
        name: "commons-beanutils:commons-beanutils",
        version: "1.7.0",
        fixedVersions: [],
      },
      location: { file: "/to/path/commons-beanutils/commons-beanutils/1.7.0/commons-beanutils-1.7.0.jar" },
      properties: { source: "NVD" },
    });
    // CVSS v2 only: the score, no vector (Dependency-Check spells v2 metrics out inconsistently).
    expect(fs.find((x) => x.ruleId === "CVE-2014-0114")!.cvss).toEqual({ score: 7.5, version: "2.0" });
    expect(fs.filter((x) => x.properties?.source === "OSSINDEX")).toHaveLength(3);
  });

  it("keeps the tool's severity word over the CVSS v2 severity and warns about analysis exceptions", () => {
    const r = parseSample(`${dir}/odc-sonar-plugin__reportWithExceptions__dependency-check-report.json`);
    expect(all(r)[0]).toMatchObject({ ruleId: "CVE-2018-1000632", severity: "high", cwes: [91], cvss: { score: 7.5 } });
    expect(r.warnings[0]).toMatch(/1 analysis exception/);
  });

  it("marks suppressedVulnerabilities suppressed, accepts empty documents, refuses a broken schema", () => {
    const doc = json({
      reportSchema: "1.1",
      scanInfo: { engineVersion: "9.0.0", dataSource: [{ name: "NVD API Last Checked", timestamp: "2024-01-02T03:04:05Z" }] },
      projectInfo: { name: "x" },
      dependencies: [
        {
          fileName: "a.jar",
          packages: [{ id: "pkg:npm/%40scope/lib@1.0.0" }],
          suppressedVulnerabilities: [{ source: "NVD", name: "CVE-2020-0001", severity: "Moderate", notes: "accepted" }],
        },
        { fileName: "b.js", vulnerabilities: [{ source: "RETIREJS", name: "Regex DoS", unscored: "true", severity: "Unknown" }] },
      ],
    });
    expect(fmt.detect(doc)).toBe(true);
    const r = fmt.parse(doc, testContext);
    expect(r.scannerDbBuiltAt).toBe("2024-01-02T03:04:05.000Z");
    expect(all(r)[0]).toMatchObject({
      suppressed: true,
      severity: "medium",
      package: { name: "@scope/lib", version: "1.0.0" },
      properties: { suppressionNote: "accepted" },
    });
    expect(all(r)[1]).toMatchObject({
      ruleId: "Regex DoS",
      vulnerabilityId: undefined,
      severity: "info",
      package: { name: "b.js" },
    });
    expect(all(fmt.parse(json({}), testContext))).toHaveLength(0);
    expect(fmt.detect(json({}))).toBe(false);
    expect(() => fmt.parse(json({ reportSchema: "1.1", scanInfo: {}, dependencies: 3 }), testContext)).toThrow(ReportSchemaError);
  });
});

describe("dependency-check-json report metadata", () => {
  // Values read from each file's projectInfo (reportDate, name).
  it.each<[string, Metadata]>([
    [
      "odc-sonar-plugin__dependency-check-report.json",
      { generatedAt: "2023-02-02T15:59:49.067Z", target: "Multi-Module Maven Example" },
    ],
    [
      "odc-sonar-plugin__reportWithExceptions__dependency-check-report.json",
      { generatedAt: "2020-03-02T18:05:01.979Z", target: "tmp" },
    ],
  ])("%s", (file, expected) => {
    expect(metadataOf(parseSample(`${dir}/${file}`))).toEqual(expected);
  });

  it("names Maven coordinates when the project has no name, and nothing without projectInfo", () => {
    const base = { reportSchema: "1.1", scanInfo: { engineVersion: "9.0.9" }, dependencies: [] };
    const named = fmt.parse(json({ ...base, projectInfo: { groupID: "com.acme", artifactID: "web" } }), testContext);
    expect(metadataOf(named)).toEqual({ target: "com.acme:web" });
    expect(metadataOf(fmt.parse(json(base), testContext))).toEqual({});
  });
});
