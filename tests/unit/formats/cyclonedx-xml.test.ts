import { describe, it, expect } from "vitest";
import { cyclonedxXmlFormat as fmt } from "@/server/ingest/formats/cyclonedx-xml";
import { decodeDocument } from "@/server/ingest/decode";
import { ReportSchemaError, type ParsedReport, type RawFinding } from "@/server/ingest/types";
import { isMalformed, loadSample, manifest, testContext } from "@/tests/helpers/samples";
import { describeFormatContract, type Metadata, metadataOf } from "@/tests/helpers/format-contract";

const all = (r: ParsedReport): RawFinding[] => r.parts.flatMap((p) => p.findings);
const parseSample = (rel: string) => fmt.parse(loadSample(rel), testContext);
const dir = "cyclonedx_xml";

type Row = [
  file: string,
  findings: number,
  tool: string,
  version: string | undefined,
  spec: string,
  components: number,
  evidence: string,
];
// Findings: one per vulnerability (1.4 core) or per <v:vulnerability> (1.0 extension, inside components).
// Components: <components> recursively, not metadata/tools components.
const EXPECTED: Row[] = [
  ["cdx-bom-examples__bom.1.1.xml", 0, "CycloneDX", undefined, "1.1", 62, "sbom"],
  ["cdx-bom-examples__bom.xml", 0, "Node.js module", "2.0.0", "1.2", 43, "sbom"],
  ["defectdojo__cyclonedx__cyclonedx_bom.xml", 0, "CycloneDX", undefined, "1.0", 73, "sbom"],
  ["defectdojo__cyclonedx__dd_1_15_0.xml", 381, "grype", "0.11.0", "1.2", 308, "sbom,sca,container"],
  ["defectdojo__cyclonedx__grype.xml", 327, "grype", "0.7.0", "1.2", 307, "sbom,sca,container"],
  ["defectdojo__cyclonedx__log4j.xml", 8, "grype", "0.41.0", "1.4", 1, "sbom,sca"],
  ["defectdojo__cyclonedx__retirejs.latest.xml", 0, "CycloneDX", undefined, "1.0", 6, "sbom"],
  ["defectdojo__cyclonedx__spec1.xml", 1, "CycloneDX", undefined, "1.2", 1, "sbom,sca"],
  ["defectdojo__cyclonedx__spec1_lowfirst.xml", 1, "CycloneDX", undefined, "1.2", 1, "sbom,sca"],
  ["defectdojo__cyclonedx__valid-vulnerability-1.4.xml", 1, "Snyk CLI (Linux)", "1.729.0", "1.4", 1, "sbom,sca"],
  ["dependency-track__bom-1.xml", 0, "CycloneDX", undefined, "1.5", 1, "sbom"],
  ["dependency-track__bom-issue2519.xml", 0, "cyclonedx-npm", "1.7.2", "1.5", 2184, "sbom"],
  ["syft__1.0.xml", 0, "CycloneDX", undefined, "1.0", 1, "sbom"],
  ["syft__1.6.xml", 0, "syft", undefined, "1.6", 1, "sbom"], // "[not provided]"
  ["syft__TestCycloneDxDirectoryEncoder.golden", 0, "syft", "v0.42.0-bogus", "1.7", 3, "sbom"],
  ["syft__TestCycloneDxImageEncoder.golden", 0, "syft", "v0.42.0-bogus", "1.7", 3, "sbom"],
];

describeFormatContract(fmt, { folders: ["cyclonedx_xml"] });

describe("cyclonedx-xml samples", () => {
  const rows = manifest().filter((r) => r.format === dir && !isMalformed(r));

  it("covers every cyclonedx_xml row of the manifest", () => {
    expect(rows.map((r) => r.file.replace(`${dir}/`, "")).sort()).toEqual(EXPECTED.map(([f]) => f).sort());
  });

  it.each(EXPECTED)("%s → %i findings", (file, count, tool, version, spec, components, evidence) => {
    const doc = loadSample(`${dir}/${file}`);
    expect(fmt.detect(doc)).toBe(true);
    const r = fmt.parse(doc, testContext);
    expect(r.format).toBe("cyclonedx-xml");
    expect(r.tool).toEqual(version ? { name: tool, version } : { name: tool });
    expect(all(r)).toHaveLength(count);
    expect(all(r).every((f) => f.kind === "dependency")).toBe(true);
    expect(r.sbom).toEqual({ format: "cyclonedx", specVersion: spec, components });
    expect(r.evidence.join(",")).toBe(evidence);
  });
});

describe("cyclonedx-xml fields", () => {
  it("reads the 1.0 vulnerability extension at the top level (ref → component bom-ref)", () => {
    const [f] = all(parseSample(`${dir}/defectdojo__cyclonedx__spec1.xml`));
    expect(f).toMatchObject({
      ruleId: "CVE-2018-7489",
      vulnerabilityId: "CVE-2018-7489",
      severity: "critical", // the highest of Critical (CVSSv3) and Low (OWASP)
      cwes: [184, 502],
      cvss: { score: 9.8, vector: "AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", version: "3.0" },
      package: {
        purl: "pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.9.9",
        ecosystem: "maven",
        name: "com.fasterxml.jackson.core:jackson-databind",
        version: "2.9.9",
      },
    });
    expect(f!.references).toContain("https://github.com/FasterXML/jackson-databind/issues/1931");
    // The same vulnerability with the ratings in the other order.
    expect(all(parseSample(`${dir}/defectdojo__cyclonedx__spec1_lowfirst.xml`))[0]!.severity).toBe("critical");
  });

  it("attaches extension vulnerabilities nested in a component to that component (grype 0.11)", () => {
    const r = parseSample(`${dir}/defectdojo__cyclonedx__dd_1_15_0.xml`);
    expect(r.artifactDigest).toBe("sha256:b914ffbdf28309f2f5fc46caf1a78bbd90f1e2786dd0f01b69c8b00a07a9d078");
    const f = all(r).find((x) => x.ruleId === "CVE-2019-18276")!;
    expect(f).toMatchObject({
      severity: "low",
      cvss: { score: 7.2, version: "2.0" },
      package: { name: "bash", version: "5.0-4" },
      location: { image: "defectdojo/defectdojo-django:1.15.0" },
    });
    expect(r.warnings).toEqual([]);
  });

  it("reads 1.4 core vulnerabilities: references, analysis and affects/target", () => {
    const [f] = all(parseSample(`${dir}/defectdojo__cyclonedx__valid-vulnerability-1.4.xml`));
    expect(f).toMatchObject({
      ruleId: "SNYK-JAVA-COMFASTERXMLJACKSONCORE-32111",
      vulnerabilityId: "CVE-2018-7489",
      aliases: ["SNYK-JAVA-COMFASTERXMLJACKSONCORE-32111"],
      suppressed: true,
      package: {
        name: "com.fasterxml.jackson.core:jackson-databind",
        version: "2.9.4",
        fixedVersions: ["2.6.7.5", "2.8.11.1", "2.9.5"],
      },
    });
    const log4j = all(parseSample(`${dir}/defectdojo__cyclonedx__log4j.xml`));
    expect(log4j[0]).toMatchObject({ ruleId: "CVE-2021-44228", severity: "critical", cvss: { score: 10, version: "3.1" } });
  });

  it("refuses a non-BOM root when named explicitly, and a BOM of another namespace", () => {
    const zap = loadSample("zap_xml/defectdojo__zap__empty_2.9.0.xml");
    expect(fmt.detect(zap)).toBe(false);
    expect(() => fmt.parse(zap, testContext)).toThrow(ReportSchemaError);
    expect(fmt.detect(loadSample("dependency_check_xml/defectdojo__dependency_check__single_vuln.xml"))).toBe(false);
    expect(fmt.detect(loadSample("cyclonedx_json/defectdojo__cyclonedx__log4j.json"))).toBe(false);
    expect(fmt.detect(decodeDocument('<bom xmlns="http://example.com/other"/>'))).toBe(false);
  });
});

describe("cyclonedx-xml report metadata", () => {
  // Values read from each file's <metadata><timestamp> and <metadata><component>.
  it.each<[string, Metadata]>([
    [
      "defectdojo__cyclonedx__dd_1_15_0.xml",
      {
        generatedAt: "2021-05-03T08:25:05.000Z",
        artifactDigests: ["sha256:b914ffbdf28309f2f5fc46caf1a78bbd90f1e2786dd0f01b69c8b00a07a9d078"],
        target: "defectdojo/defectdojo-django",
      },
    ],
    [
      "defectdojo__cyclonedx__grype.xml",
      {
        generatedAt: "2021-03-04T11:55:50.000Z",
        artifactDigests: ["sha256:91bc0f1478c6d26e04da5c2a59ac20262ec2661942418e2a3e7c77245d872658"],
        target: "defectdojo/defectdojo-django",
      },
    ],
    ["cdx-bom-examples__bom.xml", { generatedAt: "2020-08-03T01:28:47.678Z", target: "lhc-vdm-editor" }],
    ["syft__1.6.xml", { generatedAt: "2023-09-29T15:48:10.000Z", target: "go.mod" }],
    ["syft__TestCycloneDxImageEncoder.golden", { target: "user-image-input" }], // redacted time and digest
    ["defectdojo__cyclonedx__spec1.xml", {}], // no metadata
  ])("%s", (file, expected) => {
    expect(metadataOf(parseSample(`${dir}/${file}`))).toEqual(expected);
  });

  it("reads the subject's <hashes>", () => {
    const hash = "7c".repeat(32);
    const xml = `<?xml version="1.0"?><bom xmlns="http://cyclonedx.org/schema/bom/1.5" version="1"><metadata>
      <timestamp>2024-06-27T13:25:44+02:00</timestamp>
      <component type="application"><name>web</name><hashes><hash alg="SHA-256">${hash}</hash></hashes></component>
      </metadata></bom>`;
    expect(metadataOf(fmt.parse(decodeDocument(xml), testContext))).toEqual({
      generatedAt: "2024-06-27T11:25:44.000Z",
      artifactDigests: [`sha256:${hash}`],
      target: "web",
    });
  });
});
