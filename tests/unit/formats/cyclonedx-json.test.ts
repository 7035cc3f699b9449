import { describe, it, expect } from "vitest";
import { cyclonedxJsonFormat as fmt } from "@/server/ingest/formats/cyclonedx-json";
import { decodeDocument } from "@/server/ingest/decode";
import { ReportSchemaError, type Document, type ParsedReport, type RawFinding } from "@/server/ingest/types";
import { isMalformed, loadSample, manifest, sampleText, testContext } from "@/tests/helpers/samples";
import { describeFormatContract, type Metadata, metadataOf } from "@/tests/helpers/format-contract";

const all = (r: ParsedReport): RawFinding[] => r.parts.flatMap((p) => p.findings);
const parseSample = (rel: string) => fmt.parse(loadSample(rel), testContext);
const json = (value: unknown): Document => ({ type: "json", value });
const dir = "cyclonedx_json";

type Row = [
  file: string,
  findings: number,
  suppressed: number,
  tool: string,
  version: string | undefined,
  spec: string,
  components: number,
  evidence: string,
];
// Findings: one per (vulnerability, affected ref), counted by reading each file; suppressed = VEX
// not_affected/false_positive/resolved. Components include nested ones. Tool "CycloneDX" = none named.
const EXPECTED: Row[] = [
  ["cdx-bom-examples__Algorithm__bom.json", 0, 0, "CycloneDX", undefined, "1.6", 2, "sbom"],
  ["cdx-bom-examples__Case-11__vex.json", 19, 19, "CycloneDX", undefined, "1.4", 0, "sbom,sca"],
  ["cdx-bom-examples__Case-3__vex.json", 19, 9, "CycloneDX", undefined, "1.4", 0, "sbom,sca"],
  ["cdx-bom-examples__Case-8__vex.json", 11, 7, "CycloneDX", undefined, "1.4", 0, "sbom,sca"], // 8 statements, 3 target two products
  ["cdx-bom-examples__Case-9__vex.json", 57, 57, "CycloneDX", undefined, "1.4", 0, "sbom,sca"], // 19 CVEs × 3 products
  ["cdx-bom-examples__Certificate__bom.json", 0, 0, "CycloneDX", undefined, "1.6", 4, "sbom"],
  ["cdx-bom-examples__PCIe-SATA-adapter-board__bom.json", 0, 0, "CycloneDX", undefined, "1.4", 6, "sbom"],
  ["cdx-bom-examples__VEX__bom.json", 0, 0, "CycloneDX Maven plugin", "2.5.3", "1.3", 3, "sbom"],
  ["cdx-bom-examples__VEX__vex.json", 1, 1, "CycloneDX", undefined, "1.4", 0, "sbom,sca"],
  ["cdx-bom-examples__apigateway-microservices-datastores__bom.json", 0, 0, "CycloneDX", undefined, "1.4", 0, "sbom"],
  ["cdx-bom-examples__bom.1.2.json", 0, 0, "cyclonedx-php-composer", "in-dev", "1.2", 62, "sbom"],
  ["cdx-bom-examples__bom.1.4.json", 0, 0, "cyclonedx-php-composer", "in-dev", "1.4", 62, "sbom"],
  ["cdx-bom-examples__dropwizard-1.3.15__bom.json", 0, 0, "CycloneDX Maven plugin", "2.0.2", "1.2", 167, "sbom"],
  ["cdx-bom-examples__flat__bom.1.4.json", 0, 0, "cyclonedx-npm", "1.9.2", "1.4", 1115, "sbom"], // cyclonedx-library listed first
  ["cdx-bom-examples__proton-bridge-v1.8.0.bom.json", 0, 0, "cyclonedx-gomod", "v0.6.1", "1.2", 201, "sbom"],
  ["cdx-bom-examples__protonmail-webclient-v4-0912dff__bom.json", 0, 0, "Node.js module", "2.0.0", "1.2", 883, "sbom"],
  ["cdx-bom-examples__v11.1.2__bom.json", 0, 0, "Node.js module", "2.0.0", "1.2", 840, "sbom"],
  ["cdx-bom-examples__vex.json", 19, 19, "CycloneDX", undefined, "1.4", 0, "sbom,sca"],
  ["defectdojo__cyclonedx__issue_8022.json", 1, 1, "Snyk CLI (Linux)", "1.729.0", "1.4", 1, "sbom,sca"], // tool from vulnerabilities[].tools
  ["defectdojo__cyclonedx__issue_9277.json", 14, 0, "trivy", "0.48.1", "1.5", 102, "sbom,sca,container"], // 10 vulns, 3 affect several packages
  ["defectdojo__cyclonedx__jake2.json", 7, 0, "cyclonedx-python-lib", "1.3.0", "1.4", 67, "sbom,sca"],
  ["defectdojo__cyclonedx__log4j.json", 8, 0, "grype", "0.41.0", "1.4", 1, "sbom,sca"],
  ["defectdojo__cyclonedx__no-severity.json", 1, 0, "CycloneDX", undefined, "1.4", 0, "sbom,sca"],
  ["defectdojo__cyclonedx__valid-vulnerability-1.4.json", 1, 1, "Snyk CLI (Linux)", "1.729.0", "1.4", 1, "sbom,sca"],
  ["dependency-track__bom-empty.json", 0, 0, "CycloneDX", undefined, "1.4", 0, "sbom"],
  ["dependency-track__bom-issue4455.json", 0, 0, "trivy", "0.54.1", "1.6", 23, "sbom,sca,container"],
  ["dependency-track__dtrack-apiserver-4.5.0.bom.json", 0, 0, "CycloneDX Maven plugin", "2.6.2", "1.4", 132, "sbom"],
  ["dependency-track__valid-bom-1.6.json", 0, 0, "Awesome Tool", "9.1.2", "1.6", 2, "sbom"],
  ["dependency-track__valid-bom-1.7.json", 0, 0, "Awesome Tool", "9.1.2", "1.7", 3, "sbom"],
  ["dependency-track__vex-issue2549.json", 3, 3, "Dependency-Track", "latest", "1.4", 0, "sbom,sca"],
  ["grype__TestCycloneDxPresenterImage.golden", 2, 0, "grype", undefined, "1.7", 2, "sbom,sca,container"], // "[not provided]"
  ["osv-scanner__snap_TestCommand_Empty_cyclonedx_1_4_output_1.cdx.json", 0, 0, "CycloneDX", undefined, "1.4", 0, "sbom,sca"],
  ["osv-scanner__snap_TestCommand_Empty_cyclonedx_1_5_output_1.cdx.json", 0, 0, "CycloneDX", undefined, "1.5", 0, "sbom,sca"],
  ["osv-scanner__snap_TestCommand_Empty_cyclonedx_1_6_output_1.cdx.json", 0, 0, "CycloneDX", undefined, "1.6", 0, "sbom,sca"],
  ["osv-scanner__snap_TestCommand_Empty_cyclonedx_1_7_output_1.cdx.json", 0, 0, "CycloneDX", undefined, "1.7", 0, "sbom,sca"],
  ["osv-scanner__snap_TestCommand_cyclonedx_1_4_output_1.cdx.json", 1, 0, "CycloneDX", undefined, "1.4", 5, "sbom,sca"],
  ["osv-scanner__snap_TestCommand_cyclonedx_1_6_output_1.cdx.json", 1, 0, "CycloneDX", undefined, "1.6", 5, "sbom,sca"],
  ["osv-scanner__snap_TestCommand_cyclonedx_1_7_output_1.cdx.json", 1, 0, "CycloneDX", undefined, "1.7", 5, "sbom,sca"],
  ["securecodebox__hello-world-cyclonedx.json", 0, 0, "trivy", "0.45.0", "1.5", 0, "sbom,sca,container"],
  ["syft__1.3.json", 0, 0, "syft", undefined, "1.3", 1, "sbom"],
  ["syft__1.4.json", 0, 0, "syft", undefined, "1.4", 1, "sbom"],
  ["syft__1.5.json", 0, 0, "syft", undefined, "1.5", 1, "sbom"],
  ["syft__1.6.json", 0, 0, "syft", undefined, "1.6", 1, "sbom"],
  ["syft__1.7.json", 0, 0, "syft", undefined, "1.7", 1, "sbom"],
  ["syft__TestCycloneDxDirectoryEncoder.golden", 0, 0, "syft", "v0.42.0-bogus", "1.7", 3, "sbom"],
  ["syft__micronaut-1.4.json", 0, 0, "CycloneDX", undefined, "1.4", 1, "sbom"],
  ["syft__micronaut-1.5.json", 0, 0, "CycloneDX", undefined, "1.5", 1, "sbom"],
  ["syft__micronaut-1.6.json", 0, 0, "CycloneDX", undefined, "1.6", 1, "sbom"],
  ["trivy__conda-environment-cyclonedx.json.golden", 0, 0, "trivy", "dev", "1.7", 2, "sbom,sca"],
  ["trivy__fluentd-multiple-lockfiles-short.cdx.json.golden", 3, 0, "trivy", "dev", "1.7", 4, "sbom,sca,container"],
  ["trivy__fluentd-multiple-lockfiles.cdx.json.golden", 0, 0, "trivy", "dev", "1.7", 161, "sbom,sca,container"],
  ["trivy__minikube-kbom.json", 0, 0, "trivy", "0.45.1-15-g7bbd0d097", "1.5", 18, "sbom,sca"],
  ["trivy__npm-cyclonedx.json.golden", 1, 0, "trivy", "dev", "1.7", 13, "sbom,sca"],
];

describeFormatContract(fmt, { folders: ["cyclonedx_json"] });

describe("cyclonedx-json samples", () => {
  const rows = manifest().filter((r) => r.format === dir && !isMalformed(r));

  it("covers every cyclonedx_json row of the manifest", () => {
    expect(rows.map((r) => r.file.replace(`${dir}/`, "")).sort()).toEqual(EXPECTED.map(([f]) => f).sort());
  });

  it.each(EXPECTED)("%s → %i findings", (file, count, suppressed, tool, version, spec, components, evidence) => {
    const doc = loadSample(`${dir}/${file}`);
    expect(fmt.detect(doc)).toBe(true);
    const r = fmt.parse(doc, testContext);
    expect(r.format).toBe("cyclonedx-json");
    expect(r.tool).toEqual(version ? { name: tool, version } : { name: tool });
    expect(all(r)).toHaveLength(count);
    expect(all(r).filter((f) => f.suppressed)).toHaveLength(suppressed);
    expect(all(r).every((f) => f.kind === "dependency")).toBe(true);
    expect(r.sbom).toEqual({ format: "cyclonedx", specVersion: spec, components });
    expect(r.evidence.join(",")).toBe(evidence);
  });

  it("refuses the truncated Dependency-Track BOM at decoding", () => {
    const bad = manifest().filter((r) => r.format === dir && isMalformed(r));
    expect(bad.map((r) => r.file)).toEqual(["cyclonedx_json/dependency-track__bom-invalid.json"]);
    expect(() => decodeDocument(sampleText(bad[0]!.file))).toThrow(/Malformed JSON/);
  });
});

describe("cyclonedx-json fields", () => {
  it("maps a Trivy vulnerability: data-source severity, CVE, purl package, fixed version from the recommendation", () => {
    const r = parseSample(`${dir}/trivy__fluentd-multiple-lockfiles-short.cdx.json.golden`);
    const [idn, bash, gem] = all(r);
    expect(idn).toMatchObject({
      kind: "dependency",
      ruleId: "CVE-2019-18224",
      vulnerabilityId: "CVE-2019-18224",
      severity: "critical", // no "debian" rating: highest vendor rating (nvd)
      cwes: [787],
      cvss: { score: 9.8, vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", version: "3.1" },
      package: {
        purl: "pkg:deb/debian/libidn2-0@2.0.5-1?distro=debian-10.2",
        ecosystem: "deb",
        name: "libidn2-0",
        version: "2.0.5-1",
        fixedVersions: ["2.0.5-1+deb10u1"],
      },
      location: { image: "integration/testdata/fixtures/images/fluentd-multiple-lockfiles.tar.gz" },
    });
    expect(bash!.severity).toBe("low"); // the "debian" rating, as Trivy itself reports it
    expect(gem!.package!.fixedVersions).toEqual(["6.0.3.1", "5.2.4.3"]);
    expect(gem!.severity).toBe("high"); // data source ghsa
  });

  it("takes grype's own (source-less) rating and grype:fixed_versions", () => {
    const fs = all(parseSample(`${dir}/defectdojo__cyclonedx__log4j.json`));
    expect(fs[0]).toMatchObject({
      ruleId: "CVE-2021-44228",
      severity: "critical",
      cvss: { score: 10, version: "3.1" },
      package: { name: "org.apache.logging.log4j:log4j-core", version: "2.13.2", ecosystem: "maven" },
    });
    const ghsa = fs.find((f) => f.ruleId === "GHSA-7rjr-3q55-vv33")!;
    expect(ghsa.vulnerabilityId).toBe("GHSA-7rjr-3q55-vv33");
    expect(ghsa.package!.fixedVersions).toEqual(["2.16.0"]);
  });

  it("prefers the CVE of references[] and keeps the tool id as alias; VEX not_affected is suppressed", () => {
    const [f] = all(parseSample(`${dir}/defectdojo__cyclonedx__valid-vulnerability-1.4.json`));
    expect(f).toMatchObject({
      ruleId: "SNYK-JAVA-COMFASTERXMLJACKSONCORE-32111",
      vulnerabilityId: "CVE-2018-7489",
      aliases: ["SNYK-JAVA-COMFASTERXMLJACKSONCORE-32111"],
      severity: "critical",
      cwes: [184, 502],
      suppressed: true,
      properties: { vexState: "not_affected", vexJustification: "code_not_reachable" },
      package: {
        purl: "pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.9.4",
        fixedVersions: ["2.6.7.5", "2.8.11.1", "2.9.5"],
      },
    });
  });

  it("computes the score from a vector-only rating and resolves a versionless purl ref (osv-scanner)", () => {
    const [f] = all(parseSample(`${dir}/osv-scanner__snap_TestCommand_cyclonedx_1_6_output_1.cdx.json`));
    expect(f).toMatchObject({
      ruleId: "GHSA-9f46-5r25-5wfm",
      vulnerabilityId: "CVE-2021-32708",
      aliases: ["GHSA-9f46-5r25-5wfm"],
      severity: "critical",
      cvss: { score: 9.8, version: "3.1" },
      package: { purl: "pkg:composer/league/flysystem@1.0.8", name: "league/flysystem", version: "1.0.8" },
    });
    expect(f!.severityDefaulted).toBeUndefined();
  });

  it("uses the score when no rating has a severity, and ignores EPSS 'other' ratings", () => {
    expect(all(parseSample(`${dir}/defectdojo__cyclonedx__no-severity.json`))[0]!.severity).toBe("critical");
    const [low, crit] = all(parseSample(`${dir}/grype__TestCycloneDxPresenterImage.golden`));
    expect(low).toMatchObject({ severity: "low", cvss: { score: 8.2 } }); // grype's own word wins over the score
    expect(crit).toMatchObject({ severity: "critical", cvss: { score: 8.5 } });
  });

  it("names the image digest of a container BOM", () => {
    expect(parseSample(`${dir}/defectdojo__cyclonedx__issue_9277.json`).artifactDigest).toBe(
      "sha256:6042500cf4b44023ea1894effe7890666b0c5c7871ed83a97c36c76ae560bb9b",
    );
    expect(parseSample(`${dir}/grype__TestCycloneDxPresenterImage.golden`).artifactDigest).toBe(
      "sha256:ca738abb87a8d58f112d3400ebb079b61ceae7dc290beb34bda735be4b1941d5",
    );
  });

  it("keeps unresolved VEX targets as package names, defaults an unrated statement to medium, and warns", () => {
    const r = parseSample(`${dir}/cdx-bom-examples__Case-11__vex.json`);
    const f = all(r)[0]!;
    expect(f).toMatchObject({ package: { name: "acme-product" }, severity: "medium", severityDefaulted: true, suppressed: true });
    expect(r.warnings[0]).toMatch(/19 vulnerability target/);
    const exploitable = all(parseSample(`${dir}/cdx-bom-examples__Case-8__vex.json`))[0]!;
    expect(exploitable).toMatchObject({ package: { name: "product-ABC" }, properties: { vexState: "exploitable" } });
    expect(exploitable.suppressed).toBeUndefined();
  });

  it("maps a rating that only says unknown to info", () => {
    const doc = json({
      bomFormat: "CycloneDX",
      specVersion: "1.5",
      components: [{ "bom-ref": "c1", type: "library", name: "x", version: "1", purl: "pkg:npm/x@1" }],
      vulnerabilities: [
        { id: "CVE-2024-0001", ratings: [{ source: { name: "nvd" }, severity: "unknown" }], affects: [{ ref: "c1" }] },
      ],
    });
    const [f] = all(fmt.parse(doc, testContext));
    expect(f).toMatchObject({ severity: "info", package: { purl: "pkg:npm/x@1", name: "x", version: "1" } });
    expect(f!.severityDefaulted).toBeUndefined();
  });

  it("accepts empty documents when the format is named, and refuses a broken schema", () => {
    expect(fmt.detect(json({}))).toBe(false);
    expect(fmt.detect(json(null))).toBe(false);
    expect(all(fmt.parse(json({}), testContext))).toHaveLength(0);
    expect(fmt.parse(json(null), testContext).sbom).toEqual({ format: "cyclonedx", specVersion: undefined, components: 0 });
    expect(() => fmt.parse(json({ bomFormat: "CycloneDX", vulnerabilities: 42 }), testContext)).toThrow(ReportSchemaError);
    expect(() => fmt.parse(json({ bomFormat: "CycloneDX", components: { a: 1 } }), testContext)).toThrow(/components/);
  });
});

describe("cyclonedx-json report metadata", () => {
  // Values read from each file's metadata.timestamp and metadata.component.
  it.each<[string, Metadata]>([
    // Trivy image BOM: the RepoDigest property and the oci purl (the same digest), then the ImageID property
    [
      "defectdojo__cyclonedx__issue_9277.json",
      {
        generatedAt: "2024-01-04T15:25:30.000Z",
        artifactDigests: [
          "sha256:6042500cf4b44023ea1894effe7890666b0c5c7871ed83a97c36c76ae560bb9b",
          "sha256:174c8c134b2a94b5bb0b37d9a2b6ba0663d82d23ebf62bd51f74a2fd457333da",
        ],
        target: "ubuntu",
      },
    ],
    [
      "securecodebox__hello-world-cyclonedx.json",
      {
        generatedAt: "2023-09-11T08:50:04.000Z",
        artifactDigests: [
          "sha256:dcba6daec718f547568c562956fa47e1b03673dd010fe6ee58ca806767031d1c",
          "sha256:9c7a54a9a43cca047013b82af109fe963fde787f63f9e016fdc3384500c2823d",
        ],
        target: "hello-world",
      },
    ],
    // grype writes the manifest digest as the container's version
    [
      "grype__TestCycloneDxPresenterImage.golden",
      {
        generatedAt: "2026-03-19T15:34:26.000Z",
        artifactDigests: ["sha256:ca738abb87a8d58f112d3400ebb079b61ceae7dc290beb34bda735be4b1941d5"],
        target: "user-input",
      },
    ],
    [
      "dependency-track__bom-issue4455.json",
      {
        generatedAt: "2024-12-11T11:19:03.000Z",
        artifactDigests: ["sha256:6f18d4201ce58358a69382379a2788dec85de3f8a75c2fcb83e211f3243ec8a5"],
        target: "trivy-test-image",
      },
    ],
    // applications and files: the name (with its group), no digest
    [
      "cdx-bom-examples__dropwizard-1.3.15__bom.json",
      { generatedAt: "2020-08-02T21:27:04.000Z", target: "io.dropwizard/dropwizard-parent" },
    ],
    [
      "cdx-bom-examples__proton-bridge-v1.8.0.bom.json",
      { generatedAt: "2021-05-16T15:10:53.000Z", target: "github.com/ProtonMail/proton-bridge" },
    ],
    [
      "defectdojo__cyclonedx__log4j.json",
      {
        generatedAt: "2022-07-22T08:45:32.000Z",
        target: "configuration/.m2/repository/org/apache/logging/log4j/log4j-core/2.13.2",
      },
    ],
    ["trivy__npm-cyclonedx.json.golden", { generatedAt: "2021-08-25T12:20:30.000Z", target: "testdata/fixtures/repo/npm" }],
    // syft's file source: the version "sha256:sha256:…" hashes go.mod's content, not an artifact
    ["syft__1.6.json", { generatedAt: "2023-09-29T16:02:02.000Z", target: "go.mod" }],
    ["syft__TestCycloneDxDirectoryEncoder.golden", { target: "some/path" }], // "timestamp:redacted"
    // none of the three
    ["dependency-track__bom-empty.json", {}],
    ["defectdojo__cyclonedx__issue_8022.json", {}],
  ])("%s", (file, expected) => {
    expect(metadataOf(parseSample(`${dir}/${file}`))).toEqual(expected);
  });

  it('reads the subject\'s own SHA-256 hash and an oci purl, and drops a "." or absolute name', () => {
    const hash = "5e".repeat(32);
    const app = fmt.parse(
      json({
        bomFormat: "CycloneDX",
        specVersion: "1.5",
        metadata: {
          component: {
            type: "application",
            name: "web",
            hashes: [
              { alg: "SHA-1", content: "ab" },
              { alg: "SHA-256", content: hash },
            ],
          },
        },
      }),
      testContext,
    );
    expect(metadataOf(app)).toEqual({ artifactDigests: [`sha256:${hash}`], target: "web" });
    const image = fmt.parse(
      json({
        bomFormat: "CycloneDX",
        specVersion: "1.6",
        metadata: {
          component: {
            type: "container",
            name: "localhost:5000/app:1.0",
            purl: `pkg:oci/app@sha256%3A${hash}?repository_url=localhost:5000/app`,
          },
        },
      }),
      testContext,
    );
    expect(metadataOf(image)).toEqual({ artifactDigests: [`sha256:${hash}`], target: "localhost:5000/app" });
    for (const name of [".", "/tmp/tmp.x81/src"]) {
      const r = fmt.parse(
        json({ bomFormat: "CycloneDX", specVersion: "1.5", metadata: { component: { type: "application", name } } }),
        testContext,
      );
      expect(metadataOf(r)).toEqual({});
    }
  });
});
