import { describe, it, expect } from "vitest";
import { dependencyCheckXmlFormat as fmt } from "@/server/ingest/formats/dependency-check-xml";
import { decodeDocument } from "@/server/ingest/decode";
import { ReportSchemaError, type ParsedReport, type RawFinding } from "@/server/ingest/types";
import { describeFormatContract, type Metadata, metadataOf } from "@/tests/helpers/format-contract";
import { isMalformed, loadSample, manifest, testContext } from "@/tests/helpers/samples";

const all = (r: ParsedReport): RawFinding[] => r.parts.flatMap((p) => p.findings);
const parseSample = (rel: string) => fmt.parse(loadSample(rel), testContext);
const dir = "dependency_check_xml";

// [file, findings = vulnerability + suppressedVulnerability elements, suppressed, engine version]
const EXPECTED: [string, number, number, string | undefined][] = [
  ["defectdojo__dependency_check__PR6439.xml", 34, 8, "7.3.0"],
  ["defectdojo__dependency_check__multiple_vulnerabilities_has_multiple_findings.xml", 9, 2, undefined],
  ["defectdojo__dependency_check__single_dependency_with_related_no_vulnerability.xml", 0, 0, undefined],
  ["defectdojo__dependency_check__single_vuln.xml", 1, 0, undefined],
  ["defectdojo__dependency_check__version-6.5.3_multi_cwe_fabricated.xml", 1, 0, "6.5.3"],
];

describeFormatContract(fmt, {
  folders: ["dependency_check_xml"],
  alsoCheck: ["dependency_check_json/odc-sonar-plugin__dependency-check-report.json"],
});

describe("dependency-check-xml samples", () => {
  const rows = manifest().filter((r) => r.format === dir && !isMalformed(r));

  it("covers every dependency_check_xml row of the manifest", () => {
    expect(rows.map((r) => r.file.replace(`${dir}/`, "")).sort()).toEqual(EXPECTED.map(([f]) => f).sort());
  });

  it.each(EXPECTED)("%s → %i findings", (file, count, suppressed, version) => {
    const doc = loadSample(`${dir}/${file}`);
    expect(fmt.detect(doc)).toBe(true);
    const r = fmt.parse(doc, testContext);
    expect(r.format).toBe("dependency-check-xml");
    expect(r.tool).toEqual(version ? { name: "Dependency-Check", version } : { name: "Dependency-Check" });
    expect(r.evidence).toEqual(["sca"]);
    expect(all(r)).toHaveLength(count);
    expect(all(r).filter((f) => f.suppressed)).toHaveLength(suppressed);
  });
});

describe("dependency-check-xml fields", () => {
  it("reads schema 2.5: package purl, cvssV3 with version, cwes, NVD check time", () => {
    const r = parseSample(`${dir}/defectdojo__dependency_check__version-6.5.3_multi_cwe_fabricated.xml`);
    expect(r.scannerDbBuiltAt).toBe("2022-01-15T15:27:20.000Z");
    expect(all(r)[0]).toMatchObject({
      ruleId: "CVE-2020-9488",
      vulnerabilityId: "CVE-2020-9488",
      severity: "low",
      cwes: [295, 297],
      cvss: { score: 3.7, vector: "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:L/I:N/A:N", version: "3.1" },
      package: {
        purl: "pkg:maven/org.apache.logging.log4j/log4j-api@2.12.4",
        name: "org.apache.logging.log4j:log4j-api",
        version: "2.12.4",
      },
    });
  });

  it("reads schema 1.3: Maven identifier, flat cvssScore, mixed-case severity", () => {
    const [f] = all(parseSample(`${dir}/defectdojo__dependency_check__single_vuln.xml`));
    expect(f).toMatchObject({
      ruleId: "CVE-0000-0001",
      severity: "medium", // the tool says Medium although cvssScore is 7.5
      cvss: { score: 7.5, version: "2.0" },
      package: { purl: "pkg:maven/org.owasp/library@6.7.8", ecosystem: "maven", name: "org.owasp:library", version: "6.7.8" },
      location: { file: "C:/Projectestproject/libraries/component2.dll" },
    });
  });

  it("keeps npm advisories, free-text OSS Index names and suppressed vulnerabilities apart", () => {
    const fs = all(parseSample(`${dir}/defectdojo__dependency_check__multiple_vulnerabilities_has_multiple_findings.xml`));
    const npm = fs.find((f) => f.ruleId === "1500")!;
    expect(npm).toMatchObject({
      vulnerabilityId: "1500",
      severity: "low",
      package: { purl: "pkg:npm/yargs-parser@5.0.0", name: "yargs-parser", version: "5.0.0" },
      location: { file: "/var/lib/jenkins/workspace/nl-selfservice_-_metrics_develop/package-lock.json" },
      properties: { source: "NPM" },
    });
    const cwe = fs.find((f) => f.ruleId.startsWith("CWE-400"))!;
    expect(cwe.vulnerabilityId).toBeUndefined();
    expect(cwe.cwes).toEqual([400]);
    const suppressed = fs.filter((f) => f.suppressed);
    expect(suppressed.map((f) => f.ruleId)).toEqual(["CVE-2019-7238", "CVE-2017-1000487"]);
    expect(suppressed[0]).toMatchObject({ severity: "critical", cvss: { score: 9.8, version: "3.0" } });
  });

  it("refuses a foreign root when named", () => {
    const cdx = loadSample("cyclonedx_xml/defectdojo__cyclonedx__log4j.xml");
    expect(fmt.detect(cdx)).toBe(false);
    expect(() => fmt.parse(cdx, testContext)).toThrow(ReportSchemaError);
    expect(fmt.detect(loadSample("zap_xml/defectdojo__zap__empty_2.9.0.xml"))).toBe(false);
    expect(fmt.detect(loadSample("dependency_check_json/odc-sonar-plugin__dependency-check-report.json"))).toBe(false);
  });
});

describe("dependency-check-xml report metadata", () => {
  // Values read from each file's <projectInfo> (reportDate, name).
  it.each<[string, Metadata]>([
    [
      "defectdojo__dependency_check__PR6439.xml",
      { generatedAt: "2022-12-14T01:35:43.684Z", target: "Business Process Center - Runtime Environment" },
    ],
    // "2016-11-05T14:52:15.748-0400"
    ["defectdojo__dependency_check__single_vuln.xml", { generatedAt: "2016-11-05T18:52:15.748Z", target: "Test Project" }],
    // <name /> and no Maven coordinates
    ["defectdojo__dependency_check__version-6.5.3_multi_cwe_fabricated.xml", { generatedAt: "2022-01-15T14:31:13.042Z" }],
  ])("%s", (file, expected) => {
    expect(metadataOf(parseSample(`${dir}/${file}`))).toEqual(expected);
  });

  it("names nothing without projectInfo", () => {
    const doc = decodeDocument(
      '<analysis xmlns="https://jeremylong.github.io/DependencyCheck/dependency-check.2.5.xsd"><scanInfo/><dependencies/></analysis>',
    );
    expect(metadataOf(fmt.parse(doc, testContext))).toEqual({});
  });
});
