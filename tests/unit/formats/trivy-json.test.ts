import { describe, it, expect } from "vitest";
import { trivyJsonFormat as fmt } from "@/server/ingest/formats/trivy-json";
import { ReportSchemaError, type Document, type ParsedReport, type RawFinding } from "@/server/ingest/types";
import { isMalformed, loadSample, manifest, sampleText, testContext } from "@/tests/helpers/samples";
import { describeFormatContract, type Metadata, metadataOf } from "@/tests/helpers/format-contract";

const all = (r: ParsedReport): RawFinding[] => r.parts.flatMap((p) => p.findings);
const parseSample = (rel: string) => fmt.parse(loadSample(rel), testContext);
const json = (value: unknown): Document => ({ type: "json", value });

// Findings verified by reading each file: vulnerabilities with an id + non-PASS misconfigurations + secrets + licences.
const EXPECTED: [string, number][] = [
  ["defectdojo__trivy__all_statuses.json", 8],
  ["defectdojo__trivy__cvss_severity_source.json", 2],
  ["defectdojo__trivy__issue_10991.json", 37],
  ["defectdojo__trivy__issue_14136.json", 1],
  ["defectdojo__trivy__issue_9092.json", 1],
  ["defectdojo__trivy__issue_9170.json", 37],
  ["defectdojo__trivy__issue_9333.json", 13],
  ["defectdojo__trivy__kubernetes_fabricated_internal_duplicates_subset.json", 5],
  ["defectdojo__trivy__kubernetes_fabricated_subset.json", 13],
  ["defectdojo__trivy__legacy_no_vuln.json", 0],
  // manifest says 7: one legacy entry is only {"PkgName": …} with no VulnerabilityID (skipped with a warning)
  ["defectdojo__trivy__legacy_trivy_mix.json", 6],
  // manifest says 0: every Licenses[] entry is a licence finding (severity from Trivy)
  ["defectdojo__trivy__license_scheme.json", 19],
  ["defectdojo__trivy__scheme_2_many_vulns.json", 5],
  ["defectdojo__trivy__scheme_2_no_vuln.json", 0],
  ["defectdojo__trivy__severity_prio.json", 2],
  ["securecodebox__juice-shop-v10.2.0.json", 237],
  ["securecodebox__juice-shop-v12.10.2.json", 185],
  ["securecodebox__k8s-results_unexpected-attribute.json", 2],
  ["securecodebox__securecodebox-repo.json", 43],
  ["securecodebox__test-empty-report.json", 0],
  ["securecodebox__trivy--k8s-scan-results.json", 672],
  ["trivy__alpine-310.json.golden", 4],
  ["trivy__alpine-39-high-critical.json.golden", 2],
  ["trivy__alpine-39-ignore-cveids.json.golden", 2],
  ["trivy__alpine-39.json.golden", 6],
  ["trivy__alpine-distroless.json.golden", 1],
  ["trivy__amazon-1.json.golden", 1],
  ["trivy__amazon-2.json.golden", 2],
  ["trivy__amazonlinux2-gp2-x86-vm.json.golden", 1],
  ["trivy__bun.json.golden", 1],
  ["trivy__busybox-with-lockfile.json.golden", 2],
  ["trivy__centos-6.json.golden", 2],
  ["trivy__centos-7-ignore-unfixed.json.golden", 2],
  ["trivy__centos-7-medium.json.golden", 1],
  ["trivy__centos-7.json.golden", 3],
  ["trivy__cocoapods.json.golden", 1],
  ["trivy__composer.lock.json.golden", 1],
  ["trivy__composer.vendor.json.golden", 1],
  ["trivy__conan.json.golden", 1],
  ["trivy__debian-buster-ignore-unfixed.json.golden", 1],
  ["trivy__debian-stretch.json.golden", 5],
  ["trivy__dockerfile-custom-policies.json.golden", 2],
  ["trivy__dockerfile.json.golden", 1],
  ["trivy__dockerfile_file_pattern.json.golden", 1],
  ["trivy__dotnet.json.golden", 1],
  ["trivy__fluentd-gems.json.golden", 2],
  ["trivy__fluentd-multiple-lockfiles.json.golden", 3],
  ["trivy__gomod-vex.json.golden", 4],
  ["trivy__gomod.json.golden", 5],
  ["trivy__gradle.json.golden", 2],
  ["trivy__helm.json.golden", 18],
  ["trivy__helm_testchart.json.golden", 6],
  ["trivy__helm_testchart.overridden.json.golden", 8],
  // manifest says 0: three Licenses[] entries
  ["trivy__license-cyclonedx.json.golden", 3],
  ["trivy__mariner-1.0.json.golden", 2],
  ["trivy__minikube-kbom.json.golden", 1],
  ["trivy__mix.lock.json.golden", 1],
  ["trivy__npm-with-dev.json.golden", 1],
  ["trivy__npm.json.golden", 1],
  ["trivy__opensuse-leap-151.json.golden", 2],
  ["trivy__opensuse-tumbleweed.json.golden", 1],
  ["trivy__photon-30.json.golden", 3],
  ["trivy__pip.json.golden", 2],
  ["trivy__pipenv.json.golden", 2],
  ["trivy__pnpm.json.golden", 2],
  ["trivy__pylock.json.golden", 2],
  ["trivy__rockylinux-8.json.golden", 1],
  ["trivy__sbt.json.golden", 2],
  ["trivy__secrets.json.golden", 2],
  ["trivy__sl-micro-rancher5.4.json.golden", 0],
  ["trivy__spring4shell-jre11.json.golden", 1],
  ["trivy__terraform-opentofu-registry.json.golden", 3],
  ["trivy__terraform-remote-module-in-child.json.golden", 3],
  ["trivy__terraform-remote-module.json.golden", 3],
  ["trivy__test-repo.json.golden", 2],
  ["trivy__ubi-7-comprehensive.json.golden", 2],
  ["trivy__ubi-7.json.golden", 1],
  ["trivy__ubuntu-1804-ignore-unfixed.json.golden", 4],
  ["trivy__ubuntu-1804.json.golden", 5],
  ["trivy__ubuntu-gp2-x86-vm.json.golden", 1],
  ["trivy__uv.json.golden", 2],
  ["trivy__yarn.json.golden", 1],
];

// `null` (legacy, nothing found) and `[]` are ambiguous: undetected, but parse to zero findings when named explicitly.
const AMBIGUOUS = new Set(["defectdojo__trivy__legacy_no_vuln.json", "securecodebox__test-empty-report.json"]);

describeFormatContract(fmt, { folders: ["trivy"] });

describe("trivy-json samples", () => {
  const rows = manifest().filter((r) => r.format === "trivy" && !isMalformed(r));

  it("covers every trivy row of the manifest", () => {
    expect(rows.map((r) => r.file.replace(/^trivy\//, "")).sort()).toEqual(EXPECTED.map(([f]) => f).sort());
  });

  it.each(EXPECTED)("%s → %i findings", (file, count) => {
    const doc = loadSample(`trivy/${file}`);
    expect(fmt.detect(doc)).toBe(!AMBIGUOUS.has(file));
    const r = fmt.parse(doc, testContext);
    expect(r.format).toBe("trivy-json");
    expect(r.tool.name).toBe("Trivy");
    // Trivy's own goldens carry "Trivy": {"Version": "dev"}; the other samples predate the field.
    expect(r.tool.version).toBe(file.startsWith("trivy__") ? "dev" : undefined);
    expect(all(r)).toHaveLength(count);
  });
});

describe("trivy-json fields", () => {
  it("maps an OS-package vulnerability of an image scan", () => {
    const r = parseSample("trivy/trivy__alpine-310.json.golden");
    expect(r.evidence).toEqual(["sca", "container"]);
    expect(r.artifactDigest).toBe("sha256:961769676411f082461f9ef46626dd7a2d1e2b2a38e6a44364bcbecf51e66dd4");
    const f = all(r)[0]!;
    expect(f).toMatchObject({
      kind: "dependency",
      ruleId: "CVE-2019-1549",
      vulnerabilityId: "CVE-2019-1549",
      aliases: [],
      severity: "medium",
      cwes: [330],
      cvss: { score: 5.3, vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N", version: "3.1" },
      package: {
        purl: "pkg:apk/alpine/libcrypto1.1@1.1.1c-r0?arch=x86_64&distro=3.10.2",
        ecosystem: "apk",
        name: "libcrypto1.1",
        version: "1.1.1c-r0",
        fixedVersions: ["1.1.1d-r0"],
      },
      location: { image: "testdata/fixtures/images/alpine-310.tar.gz" },
      toolFingerprint: "sha256:6843bc8bcd09d2629416906fb83f17f31dde9a2702183571f9d447c3185814ca",
    });
    expect(f.location?.file).toBeUndefined();
    expect(f.references?.[0]).toBe("https://avd.aquasec.com/nvd/cve-2019-1549");
  });

  it("takes the artifact digest from RepoDigests and marks VEX not_affected as suppressed", () => {
    const r = parseSample("trivy/defectdojo__trivy__all_statuses.json");
    expect(r.artifactDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
    const byId = new Map(all(r).map((f) => [f.ruleId, f]));
    expect(byId.get("CVE-2019-18276")?.suppressed).toBe(true);
    expect(byId.get("CVE-2011-3374")?.suppressed).toBeUndefined();
    // No PkgIdentifier in this older report: the purl is built from the result Type.
    expect(byId.get("CVE-2011-3374")?.package?.purl).toBe("pkg:deb/debian/apt@1.8.2.3");
  });

  it("uses the lockfile as the location of a language-package vulnerability", () => {
    const f = all(parseSample("trivy/trivy__npm.json.golden"))[0]!;
    expect(f.package?.ecosystem).toBe("npm");
    expect(f.location?.file).toBe("package-lock.json");
  });

  it("splits FixedVersion lists and keeps non-CVE ids", () => {
    const fs = all(parseSample("trivy/trivy__gomod.json.golden"));
    expect(fs.every((f) => f.package?.ecosystem === "golang")).toBe(true);
    const gms = fs.find((f) => f.ruleId.startsWith("GMS-"));
    expect(gms?.vulnerabilityId).toBe(gms?.ruleId);
    // UNKNOWN severity with no CVSS falls back to info, flagged as defaulted.
    const unknown = fs.find((f) => f.severityDefaulted);
    expect(unknown?.severity).toBe("info");
  });

  it("maps a failed misconfiguration with cause lines", () => {
    const r = parseSample("trivy/defectdojo__trivy__issue_14136.json");
    expect(r.evidence).toEqual(["iac"]);
    expect(all(r)[0]).toMatchObject({
      kind: "iac",
      ruleId: "AVD-AWS-0143",
      title: "IAM policies should not be granted directly to users.",
      severity: "low",
      location: { file: "../../aws-credentials/main.tf", startLine: 20, endLine: 24, resource: "module.aws_credentials" },
      remediation: "Grant policies at the group level instead.",
    });
    expect(all(r)[0]!.location?.snippetHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it("skips PASS checks and maps k8s cluster reports to workloads", () => {
    const r = parseSample("trivy/securecodebox__trivy--k8s-scan-results.json");
    expect(r.evidence).toEqual(["sca", "container", "iac"]);
    const iac = all(r).find((f) => f.kind === "iac")!;
    expect(iac.location?.resource).toBe("Deployment/securecodebox-system/securecodebox-controller-manager");
    expect(iac.location?.file).toBeUndefined();
    const dep = all(r).find(
      (f) => f.kind === "dependency" && f.location?.resource === "Deployment/local-path-storage/local-path-provisioner",
    )!;
    expect(dep.location?.image).toBe("docker.io/kindest/local-path-provisioner:v0.0.22-kind.0");
    expect(r.warnings.some((w) => w.includes("securecodebox-controller-manager"))).toBe(true);
  });

  it("reads the old resource-grouped k8s report", () => {
    const r = parseSample("trivy/defectdojo__trivy__kubernetes_fabricated_subset.json");
    const kinds = all(r).map((f) => f.kind);
    expect(kinds.filter((k) => k === "dependency")).toHaveLength(7);
    expect(kinds.filter((k) => k === "iac")).toHaveLength(6);
    expect(all(r)[0]!.location).toMatchObject({
      resource: "Deployment/default/redis-follower",
      image: "gcr.io/google_samples/gb-redis-follower:v2",
    });
  });

  it("reads legacy arrays and warns about entries without an id", () => {
    const r = parseSample("trivy/defectdojo__trivy__legacy_trivy_mix.json");
    expect(r.warnings).toHaveLength(1);
    const lodash = all(r).find((f) => f.ruleId === "CVE-2018-16487")!;
    expect(lodash).toMatchObject({
      severity: "high",
      cwes: [190],
      package: { name: "lodash", ecosystem: "npm", fixedVersions: [">=4.17.11"] },
    });
    expect(lodash.location?.file).toBe("node-app/package-lock.json");
  });

  it("maps licences with Trivy's severity", () => {
    const r = parseSample("trivy/defectdojo__trivy__license_scheme.json");
    const gpl = all(r).find((f) => f.ruleId === "GPL-2.0")!;
    expect(gpl).toMatchObject({
      kind: "license",
      severity: "high",
      package: { name: "alpine-baselayout" },
      properties: { category: "restricted" },
    });
    // A licence-only scan is no vulnerability-scan evidence.
    expect(r.evidence).toEqual([]);
  });
});

describe("trivy-json secrets", () => {
  it("redacts Match and never emits Match or Code", () => {
    const file = "trivy/trivy__secrets.json.golden";
    const r = parseSample(file);
    expect(r.evidence).toEqual(["secrets"]);
    const [aws, custom] = all(r);
    expect(aws).toMatchObject({
      kind: "secret",
      ruleId: "aws-access-key-id",
      severity: "critical",
      location: { file: "deploy.sh", startLine: 3, endLine: 3 },
    });
    expect(aws!.secret?.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(custom!.secret?.preview).toBeDefined();
    assertNoRawSecrets(file, r);
  });

  it.each([
    "trivy/securecodebox__juice-shop-v12.10.2.json",
    "trivy/securecodebox__securecodebox-repo.json",
    "trivy/securecodebox__juice-shop-v10.2.0.json",
  ])("%s: no Match or Code text in the output", (file) => assertNoRawSecrets(file, parseSample(file)));

  function assertNoRawSecrets(file: string, r: ParsedReport) {
    const raw = JSON.parse(sampleText(file)) as {
      Results?: { Secrets?: { Match?: string; Code?: { Lines?: { Content?: string }[] } }[] }[];
    };
    const secrets = (raw.Results ?? []).flatMap((res) => res.Secrets ?? []);
    expect(secrets.length).toBeGreaterThan(0);
    const strings = secrets
      .flatMap((s) => [s.Match ?? "", ...(s.Code?.Lines ?? []).map((l) => l.Content ?? "")])
      .filter((s) => s.trim().length >= 8);
    const out = JSON.stringify(r);
    for (const s of strings) expect(out).not.toContain(s.trim());
    expect(out).not.toContain("ghp_0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"); // secretlint-disable-line -- fake token
  }
});

describe("trivy-json schema and detection", () => {
  it("accepts the ambiguous empty documents when named explicitly", () => {
    for (const value of [null, []]) {
      expect(fmt.detect(json(value))).toBe(false);
      expect(all(fmt.parse(json(value), testContext))).toHaveLength(0);
    }
  });

  it("refuses a report that breaks the schema", () => {
    expect(() => fmt.parse(json({ SchemaVersion: 2, ArtifactName: "x", Results: 42 }), testContext)).toThrow(ReportSchemaError);
    expect(() => fmt.parse(json({ SchemaVersion: 2, Results: [{ Target: "a", Vulnerabilities: "x" }] }), testContext)).toThrow(
      /Results\[0\]\.Vulnerabilities/,
    );
    expect(() => fmt.parse(json({ ClusterName: "c", Resources: {} }), testContext)).toThrow(ReportSchemaError);
    expect(() => fmt.parse(json("text"), testContext)).toThrow(ReportSchemaError);
  });

  it("reads the DB build time when the report carries it", () => {
    const r = fmt.parse(
      json({ SchemaVersion: 2, ArtifactName: "x", Metadata: { DB: { UpdatedAt: "2024-05-01T06:00:00Z" } }, Results: [] }),
      testContext,
    );
    expect(r.scannerDbBuiltAt).toBe("2024-05-01T06:00:00.000Z");
  });
});

describe("trivy-json report metadata", () => {
  // Values read from each file: CreatedAt, Metadata.RepoDigests then Metadata.ImageID, ArtifactName / ClusterName.
  const JUICE_REPO = "sha256:b1802758946aa40549b98ee6b8f93e9b92d0a6bf7aed139284893466be9c5065";
  const JUICE_ID = "sha256:21ef0dc04325e8ee21e385dc672460ed6b5c058cef1fedb84086ed5fca3f91cd";
  it.each<[string, Metadata]>([
    [
      "securecodebox__juice-shop-v10.2.0.json",
      { generatedAt: "2024-10-28T15:18:53.825Z", artifactDigests: [JUICE_REPO, JUICE_ID], target: "bkimminich/juice-shop" },
    ],
    [
      "defectdojo__trivy__license_scheme.json",
      {
        artifactDigests: [
          "sha256:bcae378eacedab83da66079d9366c8f5df542d7ed9ab23bf487e3e1a8481375d",
          "sha256:a787cb9865032e5b5a407ecdf34b57a23a4a076aaa043d71742ddb6726ec9229",
        ],
        target: "alpine",
      },
    ],
    // RepoDigests [""] and ArtifactName "": only the image id
    [
      "defectdojo__trivy__all_statuses.json",
      {
        generatedAt: "2024-01-15T08:58:29.827Z",
        artifactDigests: ["sha256:22ae3921bdaac434bb4cb92dbbc209e46b1f3f70e9fa0b5fbbb43ce7d452c72d"],
      },
    ],
    // a filesystem scan with a +01:00 offset
    ["defectdojo__trivy__issue_14136.json", { generatedAt: "2026-01-21T09:19:22.484Z", target: "tofu/clusters/sandbox" }],
    [
      "securecodebox__securecodebox-repo.json",
      { generatedAt: "2024-10-28T15:57:12.588Z", target: "https://github.com/secureCodeBox/secureCodeBox" },
    ],
    // an image read from an archive: the archive's path is the target
    [
      "trivy__alpine-310.json.golden",
      {
        generatedAt: "2021-08-25T12:20:30.000Z",
        artifactDigests: ["sha256:961769676411f082461f9ef46626dd7a2d1e2b2a38e6a44364bcbecf51e66dd4"],
        target: "testdata/fixtures/images/alpine-310.tar.gz",
      },
    ],
    ["trivy__npm.json.golden", { generatedAt: "2021-08-25T12:20:30.000Z", target: "testdata/fixtures/repo/npm" }],
    ["defectdojo__trivy__scheme_2_many_vulns.json", { target: "teamdojo" }],
    ["defectdojo__trivy__cvss_severity_source.json", { target: "sbom.json" }],
    // k8s cluster reports: the cluster
    ["defectdojo__trivy__issue_9170.json", { target: "minikube" }],
    [
      "defectdojo__trivy__kubernetes_fabricated_subset.json",
      { target: "arn:aws:eks:us-east-1:576036489467:cluster/monitoring-test-cluster" },
    ],
    // none of the three: legacy arrays, and a cluster report with an empty ClusterName
    ["defectdojo__trivy__legacy_trivy_mix.json", {}],
    ["securecodebox__trivy--k8s-scan-results.json", {}],
  ])("%s", (file, expected) => {
    expect(metadataOf(parseSample(`trivy/${file}`))).toEqual(expected);
  });

  it('reads a registry port as part of the repository and drops a "." path', () => {
    const image = fmt.parse(
      json({
        SchemaVersion: 2,
        ArtifactName: "localhost:5000/team/app:1.0",
        ArtifactType: "container_image",
        Metadata: { RepoDigests: ["localhost:5000/team/app@sha256:" + "ab".repeat(32)] },
        Results: [],
      }),
      testContext,
    );
    expect(metadataOf(image)).toEqual({ artifactDigests: ["sha256:" + "ab".repeat(32)], target: "localhost:5000/team/app" });
    const fs = fmt.parse(json({ SchemaVersion: 2, ArtifactName: ".", ArtifactType: "filesystem", Results: [] }), testContext);
    expect(metadataOf(fs)).toEqual({});
  });
});
