import { describe, it, expect } from "vitest";
import { semgrepAppFormat as fmt } from "@/server/ingest/formats/semgrep-app";
import { ReportSchemaError, type Document, type ParsedReport, type RawFinding } from "@/server/ingest/types";
import { describeFormatContract, expectNoReportMetadata } from "@/tests/helpers/format-contract";
import { isMalformed, loadSample, manifest, testContext } from "@/tests/helpers/samples";

const all = (r: ParsedReport): RawFinding[] => r.parts.flatMap((p) => p.findings);
const parseSample = (rel: string) => fmt.parse(loadSample(rel), testContext);
const json = (value: unknown): Document => ({ type: "json", value });

const EXPECTED: [string, number][] = [
  ["defectdojo__semgrep_pro__multiple_cwes_fabricated.json", 1],
  ["defectdojo__semgrep_pro__no_vuln.json", 0],
  ["defectdojo__semgrep_pro__one_vuln.json", 1],
];

// The ssc-vulns API page shape (as cartography's tests record it); no such sample is in the corpus.
const VULNS_PAGE = {
  vulns: [
    {
      title: "Reachable vuln",
      advisory: {
        ruleId: "ssc-92af1d99-4fb3-4d4e-a9f4-d57572cd6590",
        title: "Reachable vuln",
        description: "description",
        ecosystem: "go",
        severity: "HIGH",
        references: {
          cveIds: ["CVE-2023-37897"],
          cweIds: ["CWE-617: Reachable Assertion"],
          urls: ["https://github.com/advisories//GHSA-9436-3gmp-4f53", "https://nvd.nist.gov/vuln/detail/CVE-2023-37897"],
        },
        reachability: "MANUAL_REVIEW_REACHABLE",
        safeDependencies: [{ name: "grav", versionSpecifier: "1.7.42.2" }],
      },
      exposureType: "REACHABLE",
      matchedDependency: { name: "grav", versionSpecifier: "1.7.42.0" },
      dependencyFileLocation: { path: "go.mod", startLine: "111", url: "https://github.com/o/r/blame/abc/go.mod#L111" },
      triage: { status: "NEW" },
      closestSafeDependency: { name: "grav", versionSpecifier: "1.7.42.2" },
      repositoryName: "yourorg/yourrepo",
      transitivity: "DIRECT",
    },
  ],
  hasMore: true,
  cursor: { vulnOffset: "1", issueOffset: "19311309" },
};

describeFormatContract(fmt, { folders: ["semgrep_app_api"] });

describe("semgrep-app samples", () => {
  const rows = manifest().filter((r) => r.format === "semgrep_app_api" && !isMalformed(r));

  it("covers every semgrep_app_api row of the manifest", () => {
    expect(rows.map((r) => r.file.replace(/^semgrep_app_api\//, "")).sort()).toEqual(EXPECTED.map(([f]) => f).sort());
  });

  it.each(EXPECTED)("%s → %i findings", (file, count) => {
    const doc = loadSample(`semgrep_app_api/${file}`);
    expect(fmt.detect(doc)).toBe(true);
    const r = fmt.parse(doc, testContext);
    expect(r.format).toBe("semgrep-app");
    expect(r.tool).toEqual({ name: "Semgrep" });
    expect(r.evidence).toEqual(["sast"]);
    expect(all(r)).toHaveLength(count);
  });
});

describe("semgrep-app fields", () => {
  it("maps a code finding of the findings API", () => {
    const [f] = all(parseSample("semgrep_app_api/defectdojo__semgrep_pro__one_vuln.json"));
    expect(f).toMatchObject({
      kind: "code",
      ruleId: "typescript.react.security.audit.react-no-refs.react-no-refs",
      title: "`ref` usage found.",
      severity: "medium",
      cwes: [319],
      location: { file: "frontend/src/corpComponents/Code.tsx", startLine: 120, endLine: 124 },
      toolFingerprint:
        "0f8c79a6f7e0ff2f908ff5bc366ae1548465069bae8892088051e1c3b4b12c6b8df37d5bcbb181eb868aa79f81f239d14bf2336d552786ab8ccdc7279adf07a6_1",
      references: [
        "https://github.com/semgrep/semgrep/blob/39f95450a7d4d70e54c9edbd109bed8210a36889/src/core_cli/Core_CLI.ml#L1",
      ],
      properties: { confidence: "medium", triageState: "untriaged", repository: "semgrep" },
    });
    expect(f?.description).toContain("DOMPurify");
    expect(f?.suppressed).toBeUndefined();
    // the assistant's suggested fix code is not copied
    expect(JSON.stringify(f)).not.toContain("setHttpOnly");
  });

  it("reads several CWEs", () => {
    const [f] = all(parseSample("semgrep_app_api/defectdojo__semgrep_pro__multiple_cwes_fabricated.json"));
    expect(f?.cwes).toEqual([311, 319]);
  });

  it("suppresses ignored findings and skips fixed ones", () => {
    const base = {
      rule_name: "r.x",
      rule_message: "m",
      severity: "high",
      state: "unresolved",
      triage_state: "untriaged",
      location: { file_path: "a.py", line: 3 },
    };
    const r = fmt.parse(
      json({
        findings: [
          base,
          { ...base, triage_state: "ignored" },
          { ...base, triage_state: "provisionally_ignored" },
          { ...base, state: "muted" },
          { ...base, triage_state: "fixed" },
          { ...base, state: "fixed" },
          { ...base, state: "removed" },
        ],
      }),
      testContext,
    );
    expect(all(r).map((f) => f.suppressed ?? false)).toEqual([false, true, true, true]);
    expect(r.warnings).toEqual(["Skipped 3 finding(s) that Semgrep marks as fixed or removed."]);
  });

  it("maps a supply-chain finding of the findings API", () => {
    const r = fmt.parse(
      json({
        findings: [
          {
            id: 73537136,
            match_based_id: "cf89274a455b0f7dae15d218af143cf317fb9886d12f3dcbe0e37cad02d0d29411cecb9a2c3fedc9e973de",
            state: "unresolved",
            triage_state: "untriaged",
            rule_name: "ssc-1e99e462-0fc5-4109-ad52-d2b5a7048232",
            rule_message: "description",
            location: { file_path: "src/constants.tsx", line: 274, end_line: 274 },
            rule: {
              name: "ssc-1e99e462-0fc5-4109-ad52-d2b5a7048232",
              cwe_names: ["CWE-1333: Inefficient Regular Expression Complexity", "CWE-400: Uncontrolled Resource Consumption"],
            },
            severity: "high",
            vulnerability_identifier: "CVE-2022-31129",
            reachability: "reachable",
            found_dependency: { package: "moment", version: "2.29.2", ecosystem: "npm", transitivity: "direct" },
            fix_recommendations: [{ package: "moment", version: "2.29.4" }],
          },
        ],
      }),
      testContext,
    );
    expect(r.evidence).toEqual(["sca"]);
    expect(all(r)[0]).toMatchObject({
      kind: "dependency",
      severity: "high",
      vulnerabilityId: "CVE-2022-31129",
      cwes: [400, 1333],
      package: { purl: "pkg:npm/moment@2.29.2", ecosystem: "npm", name: "moment", version: "2.29.2", fixedVersions: ["2.29.4"] },
      location: { file: "src/constants.tsx", startLine: 274 },
      properties: { reachability: "reachable", transitivity: "direct" },
    });
  });

  it("maps a secrets-API finding without any secret value", () => {
    const r = fmt.parse(
      json({
        findings: [
          {
            id: "691234",
            severity: "SEVERITY_HIGH",
            status: "FINDING_STATUS_OPEN",
            validationState: "VALIDATION_STATE_CONFIRMED_VALID",
            type: "OpenAI",
            findingPath: "src/ai.py:232",
            findingPathUrl: "https://github.com/o/r/blob/6ad16b2/src/ai.py#L232",
            ruleHashId: "lBU41LA",
          },
        ],
        cursor: "",
      }),
      testContext,
    );
    expect(r.evidence).toEqual(["secrets"]);
    expect(all(r)[0]).toMatchObject({
      kind: "secret",
      ruleId: "lBU41LA",
      title: "OpenAI secret",
      severity: "high",
      location: { file: "src/ai.py", startLine: 232 },
      properties: { secretType: "OpenAI", validationState: "confirmed_valid" },
    });
  });

  it("maps an ssc-vulns page and warns that it is one page", () => {
    const doc = json(VULNS_PAGE);
    expect(fmt.detect(doc)).toBe(true);
    const r = fmt.parse(doc, testContext);
    expect(r.evidence).toEqual(["sca"]);
    expect(r.warnings).toHaveLength(1);
    expect(all(r)[0]).toMatchObject({
      kind: "dependency",
      ruleId: "ssc-92af1d99-4fb3-4d4e-a9f4-d57572cd6590",
      title: "Reachable vuln",
      severity: "high",
      vulnerabilityId: "CVE-2023-37897",
      aliases: ["GHSA-9436-3gmp-4f53"],
      cwes: [617],
      package: {
        purl: "pkg:golang/grav@1.7.42.0",
        ecosystem: "golang",
        name: "grav",
        version: "1.7.42.0",
        fixedVersions: ["1.7.42.2"],
      },
      location: { file: "go.mod", startLine: 111 },
      properties: {
        exposure: "REACHABLE",
        reachability: "MANUAL_REVIEW_REACHABLE",
        transitivity: "DIRECT",
        repository: "yourorg/yourrepo",
      },
    });
  });

  it("suppresses IGNORED and skips FIXED supply-chain vulns", () => {
    const [v] = VULNS_PAGE.vulns;
    const r = fmt.parse(
      json({
        vulns: [
          { ...v, triage: { status: "IGNORED" } },
          { ...v, triage: { status: "FIXED" } },
        ],
        hasMore: false,
      }),
      testContext,
    );
    expect(all(r)).toHaveLength(1);
    expect(all(r)[0]?.suppressed).toBe(true);
    expect(r.warnings).toHaveLength(1);
  });
});

describe("semgrep-app edge cases", () => {
  it("parses null, [] and {} to zero findings", () => {
    for (const v of [null, [], {}]) expect(all(fmt.parse(json(v), testContext))).toHaveLength(0);
    expect(fmt.detect(json({}))).toBe(false);
  });

  it("rejects wrong types with the path", () => {
    expect(() => fmt.parse(json({ findings: {} }), testContext)).toThrowError(/^findings: /);
    expect(() => fmt.parse(json({ vulns: "x" }), testContext)).toThrowError(/^vulns: /);
    expect(() => fmt.parse(json({ findings: [{ rule_name: "a" }, 3] }), testContext)).toThrowError(/^findings\[1\]: /);
    expect(() => fmt.parse(json("x"), testContext)).toThrow(ReportSchemaError);
  });
});

describe("semgrep-app report metadata", () => {
  it("records no report time, artifact digest or target in any sample", () => {
    // a Semgrep Cloud export lists findings, with no scan time of its own.
    expectNoReportMetadata(fmt, "semgrep_app_api");
  });
});
