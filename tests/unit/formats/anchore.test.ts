import { describe, it, expect } from "vitest";
import { anchoreFormat as fmt, splitNameVersion } from "@/server/ingest/formats/anchore";
import { ReportSchemaError, type Document, type ParsedReport, type RawFinding } from "@/server/ingest/types";
import { describeFormatContract, type Metadata, metadataOf } from "@/tests/helpers/format-contract";
import { isMalformed, loadSample, manifest, testContext } from "@/tests/helpers/samples";

const all = (r: ParsedReport): RawFinding[] => r.parts.flatMap((p) => p.findings);
const parseSample = (rel: string) => fmt.parse(loadSample(rel), testContext);
const json = (value: unknown): Document => ({ type: "json", value });
const dir = "anchore";

// [file, findings verified by reading the file, tool name]
const EXPECTED: [string, number, string][] = [
  ["defectdojo__anchore_engine__many_vulns_2.4.1.json", 51, "Anchore Engine"],
  ["defectdojo__anchore_engine__new_format_issue_11552.json", 84, "anchorectl"],
  ["defectdojo__anchore_engine__no_vuln.json", 0, "Anchore Engine"],
  ["defectdojo__anchore_engine__one_vuln.json", 1, "Anchore Engine"],
  ["defectdojo__anchore_engine__one_vuln_many_files.json", 4, "Anchore Engine"],
  // manifest says 1: the policy table has a header and no rows
  ["defectdojo__anchore_enterprise__no_checks.json", 0, "Anchore Enterprise"],
  ["defectdojo__anchore_enterprise__one_check.json", 1, "Anchore Enterprise"],
  // manifest says 1 per list entry: each evaluation lists 3 triggers (stop, stop, warn)
  ["defectdojo__anchorectl_policies__many_violations.json", 3, "anchorectl"],
  ["defectdojo__anchorectl_policies__new_format_many_violations.json", 3, "anchorectl"],
  ["defectdojo__anchorectl_policies__new_format_one_violation.json", 1, "anchorectl"],
  ["defectdojo__anchorectl_policies__new_format_one_violation_description_severity.json", 1, "anchorectl"],
  ["defectdojo__anchorectl_policies__one_violation.json", 1, "anchorectl"],
  ["defectdojo__anchorectl_policies__one_violation_description_severity.json", 1, "anchorectl"],
  ["defectdojo__anchorectl_vulns__many_vulns.json", 23, "anchorectl"],
];
// DefectDojo's deliberately broken policy check: `results` instead of `result` and a truncated image-id key.
const INVALID = "defectdojo__anchore_enterprise__invalid_checks_format.json";

describeFormatContract(fmt, { folders: ["anchore"] });

describe("anchore samples", () => {
  const rows = manifest().filter((r) => r.format === dir && !isMalformed(r));

  it("covers every anchore row of the manifest", () => {
    expect(rows.map((r) => r.file.replace(`${dir}/`, "")).sort()).toEqual([...EXPECTED.map(([f]) => f), INVALID].sort());
  });

  it.each(EXPECTED)("%s → %i findings", (file, count, name) => {
    const doc = loadSample(`${dir}/${file}`);
    expect(fmt.detect(doc)).toBe(true);
    const r = fmt.parse(doc, testContext);
    expect(r.format).toBe("anchore");
    expect(r.tool).toEqual({ name }); // Anchore reports carry no tool version
    expect(all(r)).toHaveLength(count);
  });

  it("refuses the policy check whose structure is broken", () => {
    const doc = loadSample(`${dir}/${INVALID}`);
    expect(fmt.detect(doc)).toBe(true);
    expect(() => fmt.parse(doc, testContext)).toThrow(ReportSchemaError);
    expect(() => fmt.parse(doc, testContext)).toThrow(/detail\.result\.result/);
  });
});

describe("anchore vulnerabilities", () => {
  it("maps an anchore-engine vulnerability", () => {
    const r = parseSample(`${dir}/defectdojo__anchore_engine__one_vuln.json`);
    expect(r.evidence).toEqual(["sca", "container"]);
    expect(r.artifactDigest).toBeUndefined(); // "sha256:xxxx…" is anonymised, not a digest
    expect(all(r)[0]).toMatchObject({
      kind: "dependency",
      ruleId: "CVE-2011-3389",
      vulnerabilityId: "CVE-2011-3389",
      severity: "medium",
      package: {
        purl: "pkg:deb/debian/libgnutls30@3.5.8-5%2Bdeb9u4",
        ecosystem: "deb",
        name: "libgnutls30",
        version: "3.5.8-5+deb9u4",
        fixedVersions: [],
      },
      references: ["https://security-tracker.debian.org/tracker/CVE-2011-3389"],
    });
    expect(all(r)[0]!.location).toBeUndefined(); // package_path "None"
  });

  it("reads the 2.4.1 variant: image_digest, imageFullTag, NVD score, description", () => {
    const r = parseSample(`${dir}/defectdojo__anchore_engine__many_vulns_2.4.1.json`);
    expect(r.artifactDigest).toBe("sha256:e010a676dba57f2110960b4e81a1d9098585ed6a8ac79e8c4a552ba4018d1674");
    expect(all(r)[0]).toMatchObject({
      ruleId: "CVE-2020-8927",
      severity: "medium",
      cvss: { score: 6.5, vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:L/A:L", version: "3.1" },
      package: { name: "brotli", version: "1.0.6-2.el8", ecosystem: "rpm", purl: "pkg:rpm/rhel/brotli@1.0.6-2.el8" },
      location: { image: "registry1.dsop.io/ironbank-staging/cloudbees/core/agent:152299" },
      properties: { feedGroup: "rhel:8", inheritedFromBase: true },
    });
    expect(all(r)[0]!.description).toMatch(/^A buffer overflow exists in the Brotli library/);
  });

  it("keeps jar paths of the same vulnerability apart", () => {
    const fs = all(parseSample(`${dir}/defectdojo__anchore_engine__one_vuln_many_files.json`));
    expect(new Set(fs.map((f) => f.location?.file)).size).toBe(4);
    expect(fs[0]).toMatchObject({
      severity: "high",
      cvss: { score: 7.5, version: "2.0" },
      package: { ecosystem: "maven", name: "jdk", version: "1.4" },
    });
    expect(fs[0]!.package?.purl).toBeUndefined(); // no group id for a maven purl
  });

  it("reads the new anchorectl securityEvaluation", () => {
    const fs = all(parseSample(`${dir}/defectdojo__anchore_engine__new_format_issue_11552.json`));
    expect(fs[0]).toMatchObject({
      ruleId: "CVE-2024-50379",
      severity: "critical",
      cvss: { score: 9.8 },
      package: {
        name: "tomcat-annotations-api",
        version: "9.0.97",
        ecosystem: "maven",
        fixedVersions: ["10.1.34", "11.0.2", "9.0.98"],
      },
      location: { file: "/aci/base/lib/tomcat-annotations-api-9.0.97.jar", image: "docker.io/myimage:new" },
    });
    const ghsa = fs.find((f) => f.ruleId === "GHSA-w3c8-7r8f-9jp8")!;
    expect(ghsa.vulnerabilityId).toBe("CVE-2024-38828");
    expect(ghsa.aliases).toEqual(["GHSA-w3c8-7r8f-9jp8"]);
    const noCve = fs.find((f) => f.ruleId === "GHSA-r68h-jhhj-9jvm")!;
    expect(noCve.vulnerabilityId).toBe("GHSA-r68h-jhhj-9jvm");
  });

  it("reads the old anchorectl array (Negligible → low)", () => {
    const f = all(parseSample(`${dir}/defectdojo__anchorectl_vulns__many_vulns.json`))[0]!;
    expect(f).toMatchObject({
      ruleId: "CVE-2011-3374",
      severity: "low",
      package: { name: "apt", version: "1.4.9", purl: "pkg:deb/debian/apt@1.4.9" },
    });
  });

  it("splits anchorectl's joined name-version", () => {
    expect(splitNameVersion("java-11-openjdk-headless-1:11.0.25.0.9-2.el8")).toEqual({
      name: "java-11-openjdk-headless",
      version: "1:11.0.25.0.9-2.el8",
    });
    expect(splitNameVersion("shadow-utils-2:4.6-22.el8")).toEqual({ name: "shadow-utils", version: "2:4.6-22.el8" });
    expect(splitNameVersion("infinispan-core-13.0.22.Final")).toEqual({ name: "infinispan-core", version: "13.0.22.Final" });
    expect(splitNameVersion("libc-bin-2.28")).toEqual({ name: "libc-bin", version: "2.28" });
  });
});

describe("anchore policy evaluations", () => {
  it("maps failing gates to config findings: stop → high, warn → medium", () => {
    const r = parseSample(`${dir}/defectdojo__anchorectl_policies__one_violation.json`);
    expect(r.evidence).toEqual(["config", "container"]);
    expect(all(r)[0]).toMatchObject({
      kind: "config",
      ruleId: "dockerfile:effective_user",
      title: "User root found as effective user, which is not on the allowed list",
      severity: "medium",
      toolFingerprint: "b2605c2ddbdb02b8e2365c9248dada5a",
      location: { image: "test/testimage:testtag" },
      properties: { gate: "dockerfile", trigger: "effective_user", action: "warn", policyId: "RootUser" },
    });
    const many = all(parseSample(`${dir}/defectdojo__anchorectl_policies__new_format_many_violations.json`));
    expect(many.map((f) => f.properties?.action)).toEqual(["stop", "stop", "warn"]);
    expect(many[0]!.properties?.vulnerability).toBe("CVE-2022-1234");
  });

  it("prefers a severity word that leads the trigger output", () => {
    for (const file of [
      "defectdojo__anchorectl_policies__one_violation_description_severity.json",
      "defectdojo__anchorectl_policies__new_format_one_violation_description_severity.json",
    ]) {
      const f = all(parseSample(`${dir}/${file}`))[0]!;
      expect(f.severity).toBe("critical");
      expect(f.title).toBe("User root found as effective user, which is not on the allowed list");
    }
    // "HIGH …" with action stop, "MEDIUM …" with action stop
    expect(
      all(parseSample(`${dir}/defectdojo__anchorectl_policies__new_format_many_violations.json`)).map((f) => f.severity),
    ).toEqual(["high", "medium", "medium"]);
  });

  it("reads the Anchore Enterprise policy table", () => {
    const r = parseSample(`${dir}/defectdojo__anchore_enterprise__one_check.json`);
    expect(r.artifactDigest).toBe("sha256:8fdd536f0caa79bb924b9c1b9451b49957322d1b07ab23def8c9a49448e5d462");
    expect(all(r)[0]).toMatchObject({
      kind: "config",
      ruleId: "dockerfile:instruction",
      severity: "medium",
      toolFingerprint: "41cb7cdf04850e33a11f80c42bf660b3",
      location: { image: "gcr.io/jenkinsxio/builder-maven:latest" },
    });
  });
});

describe("anchore schema and detection", () => {
  it("accepts an empty anchorectl list when named explicitly", () => {
    expect(fmt.detect(json([]))).toBe(false);
    expect(all(fmt.parse(json([]), testContext))).toHaveLength(0);
  });

  it("refuses reports that break the schema", () => {
    expect(() =>
      fmt.parse(json({ imageDigest: "sha256:x", vulnerabilities: 42, vulnerability_type: "os" }), testContext),
    ).toThrow(ReportSchemaError);
    expect(() => fmt.parse(json({ metadata: {}, securityEvaluation: [1] }), testContext)).toThrow(/securityEvaluation\[0\]/);
    expect(() => fmt.parse(json({ something: 1 }), testContext)).toThrow(ReportSchemaError);
  });
});

describe("anchore report metadata", () => {
  // Values read from each file: the analysis / evaluation time, imageDigest (then the image id), the image's tag.
  it.each<[string, Metadata]>([
    [
      "defectdojo__anchore_engine__many_vulns_2.4.1.json",
      {
        artifactDigests: ["sha256:e010a676dba57f2110960b4e81a1d9098585ed6a8ac79e8c4a552ba4018d1674"],
        target: "registry1.dsop.io/ironbank-staging/cloudbees/core/agent",
      },
    ],
    [
      "defectdojo__anchore_engine__new_format_issue_11552.json",
      {
        generatedAt: "2025-01-13T10:09:59.971Z",
        artifactDigests: ["sha256:100ec0d69914788c491567bccaea0ab9aa50f0ddd00584db7afb264718c010d6"],
        target: "docker.io/myimage",
      },
    ],
    [
      "defectdojo__anchore_engine__one_vuln_many_files.json",
      { artifactDigests: ["sha256:91f5c377c6b3c8eabe4112057f71794a648fc7d88e06336384fb4ea1042a2dee"] },
    ],
    [
      "defectdojo__anchore_enterprise__one_check.json",
      {
        generatedAt: "2020-03-06T13:40:10.000Z",
        artifactDigests: [
          "sha256:8fdd536f0caa79bb924b9c1b9451b49957322d1b07ab23def8c9a49448e5d462",
          "sha256:c1d974aa689be7e7bd02120230be10de2ea3f3beb85b1c4975cfb218b8468ef0",
        ],
        target: "gcr.io/jenkinsxio/builder-maven",
      },
    ],
    // "sha256:8htz0…" is anonymised, not a digest
    [
      "defectdojo__anchorectl_policies__one_violation.json",
      { generatedAt: "2022-09-20T08:25:52.000Z", target: "test/testimage" },
    ],
    [
      "defectdojo__anchorectl_policies__new_format_one_violation.json",
      { generatedAt: "2022-09-20T08:25:52.000Z", target: "test/testimage" },
    ],
    ["defectdojo__anchore_engine__no_vuln.json", {}],
    ["defectdojo__anchorectl_vulns__many_vulns.json", {}],
  ])("%s", (file, expected) => {
    expect(metadataOf(parseSample(`${dir}/${file}`))).toEqual(expected);
  });
});
