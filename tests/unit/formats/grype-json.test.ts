import { describe, it, expect } from "vitest";
import { grypeJsonFormat as fmt } from "@/server/ingest/formats/grype-json";
import { ReportSchemaError, type Document, type ParsedReport, type RawFinding } from "@/server/ingest/types";
import { isMalformed, loadSample, manifest, testContext } from "@/tests/helpers/samples";
import { describeFormatContract, type Metadata, metadataOf } from "@/tests/helpers/format-contract";

const all = (r: ParsedReport): RawFinding[] => r.parts.flatMap((p) => p.findings);
const parseSample = (rel: string) => fmt.parse(loadSample(rel), testContext);
const json = (value: unknown): Document => ({ type: "json", value });
const dir = "grype";

// [file, matches verified by reading the file (one finding per match), grype version (undefined: none or placeholder)]
const EXPECTED: [string, number, string | undefined][] = [
  ["defectdojo__anchore_grype__anchore_grype_epss_problem.json", 1, undefined], // no descriptor at all
  ["defectdojo__anchore_grype__check_all_fields.json", 6, "0.28.0"],
  ["defectdojo__anchore_grype__check_all_fields_different_ids_fabricated.json", 1, "0.28.0"],
  ["defectdojo__anchore_grype__check_all_fields_no_ids_fabricated.json", 1, "0.28.0"],
  ["defectdojo__anchore_grype__fix_available.json", 1, "0.75.0"],
  ["defectdojo__anchore_grype__fix_not_available.json", 1, "0.75.0"],
  ["defectdojo__anchore_grype__issue_9618.json", 35, "0.96.0"],
  ["defectdojo__anchore_grype__many_vulns3.json", 327, "0.7.0"],
  ["defectdojo__anchore_grype__many_vulns4.json", 9, "0.24.0"],
  ["defectdojo__anchore_grype__many_vulns_with_epss_values.json", 15, "0.94.0"],
  ["defectdojo__anchore_grype__no_vuln.json", 0, "0.7.0"],
  ["defectdojo__anchore_grype__same_cve_different_paths.json", 2, "0.36.0"],
  ["grype__TestJsonDirsPresenter.golden", 2, undefined], // "[not provided]"
  ["grype__TestJsonImgsPresenter.golden", 2, undefined],
];

describeFormatContract(fmt, { folders: ["grype"] });

describe("grype-json samples", () => {
  const rows = manifest().filter((r) => r.format === dir && !isMalformed(r));

  it("covers every grype row of the manifest", () => {
    expect(rows.map((r) => r.file.replace(`${dir}/`, "")).sort()).toEqual(EXPECTED.map(([f]) => f).sort());
  });

  it.each(EXPECTED)("%s → %i findings", (file, count, version) => {
    const doc = loadSample(`${dir}/${file}`);
    expect(fmt.detect(doc)).toBe(true);
    const r = fmt.parse(doc, testContext);
    expect(r.format).toBe("grype-json");
    expect(r.tool.name).toBe("Grype");
    expect(r.tool.version).toBe(version);
    expect(all(r)).toHaveLength(count);
    expect(all(r).every((f) => f.kind === "dependency")).toBe(true);
  });
});

describe("grype-json fields", () => {
  it("puts the CVE first when grype reports a GHSA", () => {
    const r = parseSample(`${dir}/defectdojo__anchore_grype__anchore_grype_epss_problem.json`);
    expect(r.evidence).toEqual(["sca"]);
    expect(all(r)[0]).toMatchObject({
      ruleId: "GHSA-4374-p667-p6c8",
      vulnerabilityId: "CVE-2023-39325",
      aliases: ["GHSA-4374-p667-p6c8"],
      severity: "high",
      cvss: { score: 7.5, version: "3.1" },
      package: {
        purl: "pkg:golang/golang.org/x/net@v0.9.0",
        ecosystem: "golang",
        name: "golang.org/x/net",
        version: "v0.9.0",
        fixedVersions: ["0.17.0"],
      },
    });
  });

  it("keeps every related id as an alias", () => {
    const f = all(parseSample(`${dir}/defectdojo__anchore_grype__check_all_fields_different_ids_fabricated.json`))[0]!;
    expect(f.vulnerabilityId).toBe("CVE-2021-1234");
    expect(f.aliases).toEqual(["GHSA-v6rh-hp5x-86rv", "CVE-2021-5678"]);
    const none = all(parseSample(`${dir}/defectdojo__anchore_grype__check_all_fields_no_ids_fabricated.json`))[0]!;
    expect(none.vulnerabilityId).toBe("GHSA-v6rh-hp5x-86rv");
    expect(none.aliases).toEqual([]);
  });

  it("reads image scans: container evidence, manifest digest, DB build time, Negligible", () => {
    const r = parseSample(`${dir}/defectdojo__anchore_grype__check_all_fields.json`);
    expect(r.evidence).toEqual(["sca", "container"]);
    expect(r.artifactDigest).toBe("sha256:9d8825ab20ac86b40eb71495bece1608a302fb180384740697a28c2b0a5a0fc6");
    expect(r.scannerDbBuiltAt).toBe("2021-12-24T08:14:02.000Z");
    const f = all(r)[0]!;
    expect(f).toMatchObject({
      ruleId: "CVE-2004-0971",
      severity: "low", // Negligible
      cvss: { score: 2.1, version: "2.0" }, // from the related NVD record
      package: { purl: "pkg:deb/debian/libgssapi-krb5-2@1.17-3+deb10u3?arch=amd64", ecosystem: "deb", fixedVersions: [] },
      location: { file: "/var/lib/dpkg/status" },
      properties: { fixState: "not-fixed" },
    });
  });

  it("reads the v6 DB status block", () => {
    expect(parseSample(`${dir}/defectdojo__anchore_grype__many_vulns_with_epss_values.json`).scannerDbBuiltAt).toBe(
      "2025-06-19T04:12:38.000Z",
    );
  });

  it("reads grype 0.7: fixedInVersion, cvssV2/V3, Unknown severity", () => {
    const fs = all(parseSample(`${dir}/defectdojo__anchore_grype__many_vulns3.json`));
    const f = fs.find((x) => x.ruleId === "CVE-2021-24031")!;
    expect(f.package?.fixedVersions).toEqual(["1.3.8+dfsg-3+deb10u1"]);
    // "Unknown" with no CVSS score: info, defaulted
    expect(f).toMatchObject({ severity: "info", severityDefaulted: true });
    const bash = fs[0]!;
    expect(bash).toMatchObject({ ruleId: "CVE-2019-18276", severity: "low", cvss: { score: 7.2, version: "2.0" } });
    expect(bash.location?.image).toBe("defectdojo/defectdojo-django:1.13.1");
  });

  it("falls back to the CVSS score when severity is null", () => {
    const f = all(parseSample(`${dir}/defectdojo__anchore_grype__issue_9618.json`)).find((x) => x.ruleId === "CVE-2024-26308")!;
    expect(f.severityDefaulted).toBeUndefined();
    expect(f.cvss?.score).toBeGreaterThan(0);
  });

  it("reads directory scans without container evidence", () => {
    const r = parseSample(`${dir}/grype__TestJsonDirsPresenter.golden`);
    expect(r.evidence).toEqual(["sca"]);
    expect(r.artifactDigest).toBeUndefined();
    expect(all(r)[0]).toMatchObject({
      ruleId: "CVE-1999-0001",
      severity: "low",
      package: { fixedVersions: ["1.2.1", "2.1.3", "3.4.0"] },
    });
  });
});

describe("grype-json schema and detection", () => {
  it("refuses reports that break the schema", () => {
    expect(() => fmt.parse(json({ matches: 42, descriptor: { name: "grype" } }), testContext)).toThrow(ReportSchemaError);
    expect(() => fmt.parse(json({ matches: [{ vulnerability: "x" }] }), testContext)).toThrow(/matches\[0\]\.vulnerability/);
    expect(() => fmt.parse(json([]), testContext)).toThrow(ReportSchemaError);
  });
});

describe("grype-json report metadata", () => {
  // Values read from each file: descriptor.timestamp; source.target repoDigests, manifestDigest, imageID; userInput.
  it.each<[string, Metadata]>([
    [
      "defectdojo__anchore_grype__issue_9618.json",
      {
        generatedAt: "2024-02-22T18:46:26.372Z",
        artifactDigests: [
          "sha256:97e6d5aeed19f627205b218f45b284cd01ff658dd181416ab1d3e21aeb28d68e",
          "sha256:11557074a2e35fcbb2f367ffe1c6bb90968a56c3a08a48bf9370f8445ae2cc36",
          "sha256:7998b6425ee34508b5b9b02a038ed7ccaab47ecb60fc2c7f0259f964fdf80a70",
        ],
        target: "quay.io/cloudservices/xjoin-kafka-connect-strimzi",
      },
    ],
    [
      "defectdojo__anchore_grype__many_vulns_with_epss_values.json",
      {
        generatedAt: "2025-06-19T11:43:35.523Z",
        artifactDigests: [
          "sha256:ae39a6f5c07297d7ab64dbd4f82c77c874cc6a94cea29fdec309d0992574b4f7",
          "sha256:123b1fd3a44eaaf7322e08e9175d9ca57d49ebf2955d4fa1f5607e99dc31bcbb",
          "sha256:388056c9a6838deea3792e8f00705b35b439cf57b3c9c2634fb4e95cfc896de6",
        ],
        target: "busybox",
      },
    ],
    [
      "defectdojo__anchore_grype__check_all_fields.json",
      {
        artifactDigests: [
          "sha256:9d8825ab20ac86b40eb71495bece1608a302fb180384740697a28c2b0a5a0fc6",
          "sha256:ce9898fd214aef9c994a42624b09056bdce3ff4a8e3f68dc242d967b80fcbeee",
        ],
        target: "vulnerable-image",
      },
    ],
    // a truncated imageID and a "REDACTED" repo digest are no digests
    [
      "defectdojo__anchore_grype__fix_available.json",
      {
        generatedAt: "2024-04-10T11:05:22.636Z",
        artifactDigests: ["sha256:4e1c538085614cbc0c9affbb206abbec3220118425409662e46b3d4bb71d1b6d"],
        target: "REDACTED",
      },
    ],
    ["defectdojo__anchore_grype__same_cve_different_paths.json", { target: "test-image" }], // "sha256:test"
    // empty timestamp; a directory at "/some/path" (absolute) or at "." (written quoted by grype 0.x) is no target
    [
      "grype__TestJsonImgsPresenter.golden",
      {
        artifactDigests: [
          "sha256:ca738abb87a8d58f112d3400ebb079b61ceae7dc290beb34bda735be4b1941d5",
          "sha256:ab5608d634db2716a297adbfa6a5dd5d8f8f5a7d0cab73649ea7fbb8c8da544f",
        ],
        target: "user-input",
      },
    ],
    ["grype__TestJsonDirsPresenter.golden", {}],
    ["defectdojo__anchore_grype__many_vulns4.json", {}],
    ["defectdojo__anchore_grype__anchore_grype_epss_problem.json", {}],
  ])("%s", (file, expected) => {
    expect(metadataOf(parseSample(`${dir}/${file}`))).toEqual(expected);
  });

  it("keeps a relative directory and reads {path} targets", () => {
    const base = { matches: [], descriptor: { name: "grype", timestamp: "2024-06-27T13:25:44Z" } };
    expect(
      metadataOf(fmt.parse(json({ ...base, source: { type: "directory", target: "./packages/web" } }), testContext)),
    ).toEqual({
      generatedAt: "2024-06-27T13:25:44.000Z",
      target: "packages/web",
    });
    expect(metadataOf(fmt.parse(json({ ...base, source: { type: "file", target: { path: "app.jar" } } }), testContext))).toEqual({
      generatedAt: "2024-06-27T13:25:44.000Z",
      target: "app.jar",
    });
  });
});
