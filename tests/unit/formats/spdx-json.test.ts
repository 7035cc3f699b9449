import { describe, it, expect } from "vitest";
import { spdxJsonFormat as fmt, toolFromSpdxCreator } from "@/server/ingest/formats/spdx-json";
import { decodeDocument } from "@/server/ingest/decode";
import { ReportSchemaError, type Document, type ParsedReport, type RawFinding } from "@/server/ingest/types";
import { describeFormatContract, type Metadata, metadataOf } from "@/tests/helpers/format-contract";
import { isMalformed, loadSample, manifest, sampleText, testContext } from "@/tests/helpers/samples";

const all = (r: ParsedReport): RawFinding[] => r.parts.flatMap((p) => p.findings);
const parseSample = (rel: string) => fmt.parse(loadSample(rel), testContext);
const json = (value: unknown): Document => ({ type: "json", value });
const dir = "spdx";

type Row = [file: string, findings: number, tool: string, version: string | undefined, spec: string, packages: number];
// Findings: CVE/GHSA ids named by SECURITY external refs (not CPEs), one per (package, id); the manifest
// column counts packages. SPDX 3.0 counts software_Package elements. Tool "SPDX": no "Tool:" creator.
const EXPECTED: Row[] = [
  ["defectdojo__spdx__spdx_many_vuln.json", 3, "syft", "1.50.0", "2.3", 4], // advisory+fix of one CVE = 1; CVE + GHSA = 2; no id = 0
  ["defectdojo__spdx__spdx_no_vuln.json", 0, "syft", "1.50.0", "2.3", 3],
  ["defectdojo__spdx__spdx_one_vuln.json", 1, "syft", "1.50.0", "2.3", 3],
  ["osv-scanner__snap_TestCommand_Empty_spdx_2_3_output_1.spdx.json", 0, "SCALIBR", undefined, "2.3", 1],
  ["osv-scanner__snap_TestCommand_spdx_2_3_output_1.spdx.json", 0, "SCALIBR", undefined, "2.3", 6],
  ["spdx-examples__01-MinimalSBOM.json", 0, "SPDX", undefined, "2.3", 1],
  ["spdx-examples__02-SBOMwSource.json", 0, "SPDX", undefined, "2.3", 1],
  ["spdx-examples__03-SBOMwDependency.json", 0, "SPDX", undefined, "2.3", 2],
  ["spdx-examples__05-SBOMwSourceLicense.json", 0, "SPDX", undefined, "2.3", 1],
  ["spdx-examples__ACME-v2.3.spdx.json", 2, "SPDX", undefined, "2.3", 4], // two NVD advisory refs
  ["spdx-examples__appbomination.spdx.json", 0, "Source Auditor Open Source Console", undefined, "2.2", 7],
  ["spdx-examples__appbomination.spdx3.json", 0, "Source Auditor Open Source Console", undefined, "3.0.1", 7],
  ["spdx-examples__example7-bin.spdx.json", 0, "SPDX", undefined, "2.2", 1],
  ["spdx-examples__example7-go-module.spdx.json", 0, "SPDX", undefined, "2.2", 1],
  ["spdx-examples__example7-third-party-modules.spdx.json", 0, "SPDX", undefined, "2.2", 3],
  ["spdx-examples__examplemaven-0.0.1-enriched.spdx.json", 0, "spdx-maven-plugin", undefined, "2.3", 6],
  ["spdx-examples__examplemaven-0.0.1.spdx.json", 0, "spdx-maven-plugin", undefined, "2.3", 6],
  ["spdx-examples__hello-dist.spdx.json", 0, "Microsoft.SBOMTool", "0.2.7", "2.2", 1],
  ["spdx-examples__hello-dist.spdx3.json", 0, "Microsoft.SBOMTool", "0.2.7", "3.0.1", 1],
  ["spdx-examples__sbom.spdx.json", 0, "sigs.k8s.io/bom/pkg/spdx", undefined, "2.3", 4],
  ["syft__2.2.json", 0, "syft", "0.91.0", "2.2", 2],
  ["syft__3.0.json", 0, "github.com/spdx/tools-golang/builder", undefined, "3.0.1", 1],
  ["syft__TestSPDXJSONDirectoryEncoder.golden", 0, "syft", "v0.42.0-bogus", "2.3", 3],
  ["syft__TestSPDXJSONImageEncoder.golden", 0, "syft", "v0.42.0-bogus", "2.3", 3],
  ["syft__example7-bin.spdx.json", 0, "SPDX", undefined, "2.2", 1],
  ["syft__example7-go-module.spdx.json", 0, "SPDX", undefined, "2.2", 1],
  ["syft__example7-golang.spdx.json", 0, "SPDX", undefined, "2.2", 2],
  ["syft__example7-third-party-modules.spdx.json", 0, "SPDX", undefined, "2.2", 3],
  ["trivy__centos-7-spdx.json", 0, "trivy", "dev", "2.2", 4],
  ["trivy__conda-spdx.json.golden", 0, "trivy", "dev", "2.3", 3],
  ["trivy__julia-spdx.json.golden", 0, "trivy", "dev", "2.3", 5],
];

describeFormatContract(fmt, { folders: ["spdx"] });

describe("spdx-json samples", () => {
  const rows = manifest().filter((r) => r.format === dir && !isMalformed(r));

  it("covers every spdx row of the manifest", () => {
    expect(rows.map((r) => r.file.replace(`${dir}/`, "")).sort()).toEqual(EXPECTED.map(([f]) => f).sort());
  });

  it.each(EXPECTED)("%s → %i findings", (file, count, tool, version, spec, packages) => {
    const doc = loadSample(`${dir}/${file}`);
    expect(fmt.detect(doc)).toBe(true);
    const r = fmt.parse(doc, testContext);
    expect(r.format).toBe("spdx-json");
    expect(r.tool).toEqual(version ? { name: tool, version } : { name: tool });
    expect(all(r)).toHaveLength(count);
    expect(r.evidence).toEqual(["sbom"]);
    expect(r.sbom).toEqual({ format: "spdx", specVersion: spec, components: packages });
  });

  it("refuses the malformed rows: bogus text at decoding, creators-as-objects as a schema error", () => {
    const bad = manifest().filter((r) => r.format === dir && isMalformed(r));
    expect(bad).toHaveLength(5);
    for (const row of bad) {
      if (row.file === "spdx/syft__bad-sbom") {
        expect(() => decodeDocument(sampleText(row.file))).toThrow(/Malformed JSON/);
        continue;
      }
      const doc = loadSample(row.file);
      expect(fmt.detect(doc)).toBe(true);
      expect(() => fmt.parse(doc, testContext)).toThrow(ReportSchemaError);
      expect(() => fmt.parse(doc, testContext)).toThrow(/creationInfo\.creators\[0\]/);
    }
  });
});

describe("spdx-json fields", () => {
  it("turns SECURITY advisory/fix/url refs into one finding per id per package, never CPEs", () => {
    const fs = all(parseSample(`${dir}/defectdojo__spdx__spdx_many_vuln.json`));
    expect(fs.map((f) => f.vulnerabilityId)).toEqual(["CVE-2024-10001", "CVE-2024-10002", "GHSA-jfh8-c2jp-5v3q"]);
    expect(fs[0]).toMatchObject({
      kind: "dependency",
      ruleId: "CVE-2024-10001",
      severity: "medium",
      severityDefaulted: true,
      package: {
        purl: "pkg:apk/alpine/alpine-baselayout@3.1.2-r0?arch=x86_64&distro=alpine-3.10.9",
        ecosystem: "apk",
        name: "alpine-baselayout",
        version: "3.1.2-r0",
        fixedVersions: [],
      },
      references: ["https://example.com/advisories/CVE-2024-10001", "https://example.com/fixes/CVE-2024-10001"],
    });
    expect(fs.some((f) => f.package?.name === "apk-tools")).toBe(false); // advisory ref without an id
  });

  it("reads creator tools", () => {
    expect(toolFromSpdxCreator("syft-1.50.0")).toEqual({ name: "syft", version: "1.50.0" });
    expect(toolFromSpdxCreator("trivy-dev")).toEqual({ name: "trivy", version: "dev" });
    expect(toolFromSpdxCreator("syft-[not provided]")).toEqual({ name: "syft" });
    expect(toolFromSpdxCreator("spdx-maven-plugin")).toEqual({ name: "spdx-maven-plugin" });
    expect(toolFromSpdxCreator("-")).toBeUndefined();
  });

  it("accepts empty documents when named", () => {
    expect(fmt.detect(json({}))).toBe(false);
    expect(all(fmt.parse(json({}), testContext))).toHaveLength(0);
    expect(all(fmt.parse(json(null), testContext))).toHaveLength(0);
    expect(() => fmt.parse(json({ spdxVersion: "SPDX-2.3", packages: {} }), testContext)).toThrow(ReportSchemaError);
  });
});

describe("spdx-json report metadata", () => {
  // Values read from each file: creationInfo.created; the one described package (documentDescribes or DESCRIBES).
  it.each<[string, Metadata]>([
    // a CONTAINER package: its oci purl, version and SHA256 checksum all name the same digest
    [
      "syft__TestSPDXJSONImageEncoder.golden",
      {
        artifactDigests: ["sha256:2731251dc34951c0e50fcc643b4c5f74922dad1a5d98f302b504cf46cd5d9368"],
        target: "user-image-input",
      },
    ],
    ["trivy__conda-spdx.json.golden", { generatedAt: "2021-08-25T12:20:30.000Z", target: "testdata/fixtures/repo/conda" }],
    ["spdx-examples__01-MinimalSBOM.json", { generatedAt: "2023-05-12T18:30:22.000Z", target: "tools-java" }],
    // syft's file source: the checksum is go.mod's content, no artifact
    ["syft__2.2.json", { generatedAt: "2023-09-29T15:18:10.000Z", target: "go.mod" }],
    ["syft__TestSPDXJSONDirectoryEncoder.golden", { target: "some/path" }], // created "redacted"
    // two described packages: no single target
    ["spdx-examples__example7-third-party-modules.spdx.json", { generatedAt: "2020-11-24T01:12:27.000Z" }],
    ["defectdojo__spdx__spdx_no_vuln.json", { generatedAt: "2026-07-29T00:00:00.000Z" }], // describes nothing
    // SPDX 3.0: the CreationInfo's time
    ["syft__3.0.json", { generatedAt: "2021-08-26T01:46:00.000Z" }],
  ])("%s", (file, expected) => {
    expect(metadataOf(parseSample(`${dir}/${file}`))).toEqual(expected);
  });

  it("names nothing when the document does not", () => {
    expect(metadataOf(fmt.parse({ type: "json", value: { spdxVersion: "SPDX-2.3", packages: [] } }, testContext))).toEqual({});
  });
});
