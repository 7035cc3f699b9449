import { describe, it, expect } from "vitest";
import { semgrepJsonFormat as fmt } from "@/server/ingest/formats/semgrep-json";
import { ReportSchemaError, type Document, type ParsedReport, type RawFinding } from "@/server/ingest/types";
import { describeFormatContract, expectNoReportMetadata } from "@/tests/helpers/format-contract";
import { isMalformed, loadSample, manifest, testContext } from "@/tests/helpers/samples";

const all = (r: ParsedReport): RawFinding[] => r.parts.flatMap((p) => p.findings);
const parseSample = (rel: string) => fmt.parse(loadSample(rel), testContext);
const json = (value: unknown): Document => ({ type: "json", value });

// [file, findings (one per results[] entry), tool version]
const EXPECTED: [string, number, string | undefined][] = [
  ["defectdojo__semgrep__close_old_findings_report_line31.json", 1, "1.97.0"],
  ["defectdojo__semgrep__cwe_list.json", 1, "0.96.0"],
  ["defectdojo__semgrep__empty.json", 0, undefined],
  ["defectdojo__semgrep__fingerprint_test.json", 2, "1.100.0"],
  ["defectdojo__semgrep__high-medium-low-severities.json", 3, "1.84.1"],
  ["defectdojo__semgrep__many_findings.json", 3, undefined],
  ["defectdojo__semgrep__many_vulns.json", 48, undefined],
  ["defectdojo__semgrep__one_finding.json", 1, undefined],
  ["defectdojo__semgrep__repeated_findings.json", 2, undefined],
  ["defectdojo__semgrep__semgrep_version_1_30_0_line_26.json", 5, "1.30.0"],
  ["securecodebox__minimal-metadata.json", 1, undefined],
  ["securecodebox__python-injection-multiresult.json", 2, undefined],
  ["securecodebox__python-injection.json", 1, undefined],
  // Semgrep's own snapshots mask the version as "0.42": not a real x.y.z version, so it is omitted
  ["semgrep__report.json", 1, undefined],
  ["semgrep__results.out", 1, undefined],
  ["semgrep__test_yaml_metavariables__report.json", 8, undefined],
];

describeFormatContract(fmt, { folders: ["semgrep"] });

describe("semgrep-json samples", () => {
  const rows = manifest().filter((r) => r.format === "semgrep" && !isMalformed(r));

  it("covers every semgrep row of the manifest", () => {
    expect(rows.map((r) => r.file.replace(/^semgrep\//, "")).sort()).toEqual(EXPECTED.map(([f]) => f).sort());
  });

  it.each(EXPECTED)("%s → %i findings", (file, count, version) => {
    const doc = loadSample(`semgrep/${file}`);
    expect(fmt.detect(doc)).toBe(true);
    const r = fmt.parse(doc, testContext);
    expect(r.format).toBe("semgrep-json");
    expect(r.tool.name).toBe("Semgrep");
    expect(r.tool.version).toBe(version);
    expect(r.evidence).toEqual(["sast"]);
    expect(r.warnings).toEqual([]);
    expect(all(r)).toHaveLength(count);
    for (const f of all(r)) expect(f.kind).toBe("code");
  });
});

describe("semgrep-json fields", () => {
  it("maps a code result", () => {
    const [f] = all(parseSample("semgrep/defectdojo__semgrep__close_old_findings_report_line31.json"));
    expect(f).toMatchObject({
      kind: "code",
      ruleId: "python.lang.security.audit.dangerous-subprocess-use-tainted-env-args.dangerous-subprocess-use-tainted-env-args",
      title: "Detected subprocess function 'run' with user controlled data.",
      severity: "high",
      aliases: [],
      cwes: [78],
      location: { file: "sample/brute.py", startLine: 31 },
      toolFingerprint:
        "1d0cfd65fc17a97773e848ec31ddd8a580c5fb54914f03bebe4f934a16d5d45f22cfd3ab1b9f3ab9871da06569701e38ea2b518d2a1aa397cd5d7ecbd699d4a4_0",
      properties: { confidence: "MEDIUM", likelihood: "MEDIUM", impact: "MEDIUM", category: "security", engineKind: "OSS" },
    });
    expect(f?.description).toContain("shlex.quote()");
    expect(f?.location?.snippetHash).toBe(
      testContext.hash("result = subprocess.run([program, username, password], stdout=subprocess.DEVNULL)"),
    );
    expect(f?.references).toHaveLength(5);
    expect(f?.suppressed).toBeUndefined();
  });

  it("reads cwe as a list or a string and maps INFO to low", () => {
    const [csrf] = all(parseSample("semgrep/defectdojo__semgrep__cwe_list.json"));
    expect(csrf).toMatchObject({ cwes: [352], severity: "low", location: { file: "index.js", startLine: 12 } });
    // a 0.x fingerprint (md5) is still the tool's own
    expect(csrf?.toolFingerprint).toBe("143cb0c62f3740d62180cbde3ffa976e");
    const fs = all(parseSample("semgrep/defectdojo__semgrep__many_findings.json"));
    expect(fs.map((f) => f.severity)).toEqual(["medium", "medium", "low"]);
    expect(fs.every((f) => f.cwes.join() === "696")).toBe(true);
  });

  it("maps LOW/MEDIUM/HIGH severities and keeps indexed fingerprints distinct", () => {
    const fs = all(parseSample("semgrep/defectdojo__semgrep__high-medium-low-severities.json"));
    expect(fs.map((f) => f.severity)).toEqual(["low", "low", "low"]);
    expect(new Set(fs.map((f) => f.toolFingerprint)).size).toBe(3);
    // absolute paths are kept as the tool wrote them
    expect(fs[0]?.location?.file).toMatch(/^\/Users\/.*base\.html\.twig$/);
  });

  it("drops 'requires login' fingerprints and lines, and masked test fingerprints", () => {
    for (const f of all(parseSample("semgrep/defectdojo__semgrep__fingerprint_test.json"))) {
      expect(f.toolFingerprint).toBeUndefined();
      expect(f.location?.snippetHash).toBeUndefined();
    }
    for (const f of all(parseSample("semgrep/semgrep__test_yaml_metavariables__report.json")))
      expect(f.toolFingerprint).toBeUndefined();
  });

  it("numbers repeated pre-1.x fingerprints so identical matches stay distinct", () => {
    const r = {
      check_id: "r.x",
      path: "a.py",
      start: { line: 1 },
      end: { line: 1 },
      extra: { severity: "ERROR", message: "m", fingerprint: "0123456789abcdef0123" },
    };
    const fs = all(fmt.parse(json({ results: [r, { ...r, start: { line: 9 }, end: { line: 9 } }], errors: [] }), testContext));
    expect(fs.map((f) => f.toolFingerprint)).toEqual(["0123456789abcdef0123", "0123456789abcdef0123:1"]);
  });

  it("marks ignored results suppressed and counts errors as one warning", () => {
    const r = {
      check_id: "r.x",
      path: "a.py",
      start: { line: 1 },
      end: { line: 2 },
      extra: { severity: "WARNING", message: "m", is_ignored: true },
    };
    const report = fmt.parse(
      json({ version: "1.50.0", results: [r], errors: [{ message: "a" }, { message: "b" }], paths: {} }),
      testContext,
    );
    expect(all(report)[0]).toMatchObject({
      suppressed: true,
      severity: "medium",
      location: { file: "a.py", startLine: 1, endLine: 2 },
    });
    expect(report.warnings).toEqual(["Semgrep reported 2 error(s) (files or rules it could not process)."]);
  });

  it("redacts the matched lines of a secrets rule and keeps no hash of them", () => {
    const key = "AKIAZ7EXAMPLE7KEY7ID";
    const doc = json({
      version: "1.60.0",
      results: [
        {
          check_id: "generic.secrets.security.detected-aws-access-key-id-value.detected-aws-access-key-id-value",
          path: "config/settings.py",
          start: { line: 4, col: 1 },
          end: { line: 4, col: 40 },
          extra: {
            message: `AWS Access Key ID Value detected: ${key}. This is a sensitive credential.`,
            metavars: { $KEY: { abstract_content: key } },
            metadata: { category: "security", technology: ["secrets", "aws"], cwe: ["CWE-798: Use of Hard-coded Credentials"] },
            severity: "ERROR",
            fingerprint: "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa_0",
            lines: `AWS_KEY = "${key}"`,
            validation_state: "CONFIRMED_VALID",
          },
        },
      ],
      errors: [],
    });
    const r = fmt.parse(doc, testContext);
    const [f] = all(r);
    expect(r.evidence).toEqual(["sast", "secrets"]);
    expect(f).toMatchObject({
      kind: "secret",
      severity: "high",
      cwes: [798],
      location: { file: "config/settings.py", startLine: 4 },
    });
    expect(f?.secret).toEqual(testContext.redact(`AWS_KEY = "${key}"`));
    expect(f?.location?.snippetHash).toBeUndefined();
    expect(f?.toolFingerprint).toBeUndefined();
    expect(f?.properties?.validationState).toBe("CONFIRMED_VALID");
    expect(JSON.stringify(r)).not.toContain(key);
  });

  it("maps a supply-chain result to a dependency finding", () => {
    const doc = json({
      version: "1.122.0",
      results: [
        {
          check_id: "ssc-parity-0ddf890152a281f12fd6d01c3953da8d88ce2e7b",
          path: "go.mod",
          start: { line: 6, col: 1 },
          end: { line: 6, col: 1 },
          extra: {
            message: "Affected versions of github.com/gin-gonic/gin are vulnerable to Download of Code Without Integrity Check.",
            metadata: {
              category: "security",
              cve: "CVE-2023-29401",
              cwe: ["CWE-494: Download of Code Without Integrity Check"],
              ghsa: "GHSA-2c4m-59x9-fr2g",
              "sca-fix-versions": [{ "github.com/gin-gonic/gin": "1.9.1" }],
              "sca-severity": "MODERATE",
              "sca-vuln-database-identifier": "CVE-2023-29401",
              references: ["https://github.com/advisories/GHSA-2c4m-59x9-fr2g"],
            },
            severity: "WARNING",
            fingerprint: "requires login",
            lines: "\tgithub.com/gin-gonic/gin v1.6.3 // indirect",
            sca_info: {
              reachability_rule: false,
              dependency_match: {
                dependency_pattern: { ecosystem: "gomod", package: "github.com/gin-gonic/gin", semver_range: "<1.9.1" },
                found_dependency: {
                  package: "github.com/gin-gonic/gin",
                  version: "1.6.3",
                  ecosystem: "gomod",
                  transitivity: "transitive",
                },
                lockfile: "go.mod",
              },
              reachable: false,
            },
          },
        },
      ],
      errors: [],
    });
    const r = fmt.parse(doc, testContext);
    expect(r.evidence).toEqual(["sast", "sca"]);
    expect(all(r)[0]).toMatchObject({
      kind: "dependency",
      severity: "medium",
      vulnerabilityId: "CVE-2023-29401",
      aliases: ["GHSA-2c4m-59x9-fr2g"],
      cwes: [494],
      package: {
        purl: "pkg:golang/github.com/gin-gonic/gin@1.6.3",
        ecosystem: "golang",
        name: "github.com/gin-gonic/gin",
        version: "1.6.3",
        fixedVersions: ["1.9.1"],
      },
      location: { file: "go.mod", startLine: 6 },
      properties: { category: "security", reachable: false, transitivity: "transitive" },
    });
  });
});

describe("semgrep-json edge cases", () => {
  it("parses null, [], {} and the minimal empty report to zero findings", () => {
    for (const v of [null, [], {}, { results: [], errors: [] }]) expect(all(fmt.parse(json(v), testContext))).toHaveLength(0);
    expect(fmt.detect(json({}))).toBe(false);
  });

  it("rejects wrong types with the path", () => {
    expect(() => fmt.parse(json({ results: 42, errors: [] }), testContext)).toThrowError(/^results: /);
    expect(() => fmt.parse(json({ results: [], errors: {} }), testContext)).toThrowError(/^errors: /);
    expect(() => fmt.parse(json({ results: [{ check_id: "a" }, "x"] }), testContext)).toThrowError(/^results\[1\]: /);
    expect(() => fmt.parse(json({ results: [{ path: "a" }] }), testContext)).toThrowError(/^results\[0\]\.check_id: /);
    expect(() => fmt.parse(json([1]), testContext)).toThrow(ReportSchemaError);
  });
});

describe("semgrep-json report metadata", () => {
  it("records no report time, artifact digest or target in any sample", () => {
    // Semgrep writes no report time; its scanned paths are a list of files.
    expectNoReportMetadata(fmt, "semgrep");
  });
});
