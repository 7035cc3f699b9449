import { describe, it, expect } from "vitest";
import { gatehouseFormat as fmt, gatehouseReportSchema } from "@/server/ingest/formats/gatehouse";
import { ReportSchemaError, type Document, type ParsedReport, type RawFinding } from "@/server/ingest/types";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describeFormatContract, metadataOf } from "@/tests/helpers/format-contract";
import { testContext } from "@/tests/helpers/samples";

const all = (r: ParsedReport): RawFinding[] => r.parts.flatMap((p) => p.findings);
const json = (value: unknown): Document => ({ type: "json", value });

const SECRET = "ghp_R8x2mQ4vN7kL1pZ9sT3wY6bC0dF5hJ2aE4gU"; // secretlint-disable-line -- fake token: the redaction test

const finding = (extra: Record<string, unknown> = {}) => ({
  kind: "code",
  ruleId: "no-eval",
  title: "eval() on user input",
  severity: "high",
  ...extra,
});

const report = (findings: unknown[], extra: Record<string, unknown> = {}) => ({
  gatehouse: "1",
  tool: { name: "in-house-linter", version: "2.4.1" },
  findings,
  ...extra,
});

/** The JSON example of docs/formats/gatehouse-generic.md. */
const documentedExample = (): string => {
  const doc = readFileSync(path.resolve(import.meta.dirname, "../../../docs/formats/gatehouse-generic.md"), "utf8");
  return /```json\n([\s\S]*?)\n```/.exec(doc)![1]!;
};

/** The path of the ReportSchemaError the document raises. */
function errorPath(value: unknown): string {
  try {
    fmt.parse(json(value), testContext);
  } catch (e) {
    expect(e).toBeInstanceOf(ReportSchemaError);
    return (e as ReportSchemaError).path;
  }
  throw new Error("expected a ReportSchemaError");
}

describeFormatContract(fmt, { folders: [], examples: { "the documented example": json(JSON.parse(documentedExample())) } });

describe("gatehouse generic: valid documents", () => {
  it("detects the format by its gatehouse key only", () => {
    expect(fmt.detect(json(report([])))).toBe(true);
    expect(fmt.detect(json({ gatehouse: "2" }))).toBe(true);
    expect(fmt.detect(json({}))).toBe(false);
    expect(fmt.detect(json([]))).toBe(false);
  });

  it("maps code, dependency and iac findings", () => {
    const r = fmt.parse(
      json(
        report([
          finding({
            description: "User input reaches eval().",
            cwe: [95, 94, 95],
            location: { file: "./src/app.js", startLine: 12, endLine: 14, snippet: "  eval(req.query.q)  " },
            fingerprint: "c0ffee-1",
            remediation: "Parse the input instead.",
            references: ["https://cwe.mitre.org/data/definitions/95.html"],
          }),
          {
            kind: "dependency",
            ruleId: "ghsa-jf85-cpcp-j695",
            title: "Prototype pollution in lodash",
            severity: "critical",
            vulnerabilityId: "ghsa-jf85-cpcp-j695",
            aliases: ["cve-2019-10744", "GHSA-JF85-CPCP-J695"],
            cvss: { score: 9.1, vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:H/A:H", version: "3.1" },
            package: { ecosystem: "npm", name: "lodash", version: "4.17.11", fixedVersions: ["4.17.12", "4.17.12"] },
            location: { file: "package-lock.json" },
          },
          {
            kind: "iac",
            ruleId: "S3-001",
            title: "Bucket is public",
            severity: "medium",
            package: undefined,
            location: { file: "infra/main.tf", resource: "aws_s3_bucket.logs" },
            suppressed: true,
          },
        ]),
      ),
      testContext,
    );
    expect(r.format).toBe("gatehouse");
    expect(r.tool).toEqual({ name: "in-house-linter", version: "2.4.1" });
    expect(r.evidence).toEqual(["sast", "sca", "iac"]);
    const [code, dep, iac] = all(r);
    expect(code).toEqual({
      kind: "code",
      ruleId: "no-eval",
      title: "eval() on user input",
      description: "User input reaches eval().",
      severity: "high",
      aliases: [],
      cwes: [94, 95],
      location: { file: "src/app.js", startLine: 12, endLine: 14, snippetHash: testContext.hash("eval(req.query.q)") },
      toolFingerprint: "c0ffee-1",
      remediation: "Parse the input instead.",
      references: ["https://cwe.mitre.org/data/definitions/95.html"],
    });
    expect(dep).toMatchObject({
      vulnerabilityId: "GHSA-jf85-cpcp-j695",
      aliases: ["CVE-2019-10744"],
      cvss: { score: 9.1, version: "3.1" },
      package: {
        purl: "pkg:npm/lodash@4.17.11",
        ecosystem: "npm",
        name: "lodash",
        version: "4.17.11",
        fixedVersions: ["4.17.12"],
      },
    });
    expect(iac).toMatchObject({ suppressed: true, location: { file: "infra/main.tf", resource: "aws_s3_bucket.logs" } });
  });

  it("takes the ecosystem from a purl and keeps explicit evidence", () => {
    const r = fmt.parse(
      json(
        report(
          [
            {
              kind: "dependency",
              ruleId: "CVE-2022-42889",
              title: "Text4Shell",
              severity: "critical",
              package: { purl: "pkg:maven/org.apache.commons/commons-text@1.9", name: "commons-text", version: "1.9" },
            },
          ],
          { evidence: ["sca", "container"] },
        ),
      ),
      testContext,
    );
    expect(r.evidence).toEqual(["sca", "container"]);
    expect(all(r)[0]?.package).toEqual({
      purl: "pkg:maven/org.apache.commons/commons-text@1.9",
      ecosystem: "maven",
      name: "commons-text",
      version: "1.9",
      fixedVersions: [],
    });
  });

  it("redacts the secret and masks it wherever the document quotes it", () => {
    const r = fmt.parse(
      json(
        report([
          {
            kind: "secret",
            ruleId: "github-pat",
            title: `GitHub token ${SECRET}`,
            severity: "critical",
            description: `Found ${SECRET} in the CI config.`,
            secret: SECRET,
            location: { file: ".github/workflows/ci.yml", startLine: 7, snippet: `token: ${SECRET}` },
            remediation: `Revoke ${SECRET}.`,
          },
        ]),
      ),
      testContext,
    );
    expect(r.evidence).toEqual(["secrets"]);
    const [f] = all(r);
    expect(f?.secret).toEqual(testContext.redact(SECRET));
    expect(f?.title).toBe("GitHub token ghp_********");
    expect(f?.location?.snippetHash).toBe(testContext.hash("token: ghp_********"));
    expect(JSON.stringify(r)).not.toContain(SECRET);
  });

  it("exports the zod schema for the API document", () => {
    expect(gatehouseReportSchema.safeParse(report([finding()])).success).toBe(true);
  });

  it("parses null, [] and {} to zero findings when named explicitly", () => {
    for (const v of [null, [], {}]) expect(all(fmt.parse(json(v), testContext))).toHaveLength(0);
  });
});

describe("gatehouse generic: report metadata", () => {
  it("reads generatedAt, artifact and target", () => {
    const digest = "sha256:" + "AB".repeat(32);
    const r = fmt.parse(
      json(report([], { generatedAt: "2024-06-27T15:25:44.5+02:00", artifact: digest, target: "ghcr.io/acme/app" })),
      testContext,
    );
    expect(metadataOf(r)).toEqual({
      generatedAt: "2024-06-27T13:25:44.500Z",
      artifactDigests: ["sha256:" + "ab".repeat(32)],
      target: "ghcr.io/acme/app",
    });
  });

  it("leaves them out when the document does", () => {
    expect(metadataOf(fmt.parse(json(report([finding()])), testContext))).toEqual({});
  });

  it("documents them: the example of docs/formats/gatehouse-generic.md parses with its time and target", () => {
    const doc = readFileSync(path.resolve(import.meta.dirname, "../../../docs/formats/gatehouse-generic.md"), "utf8");
    const r = fmt.parse(json(JSON.parse(documentedExample())), testContext);
    expect(metadataOf(r)).toEqual({ generatedAt: "2024-06-27T13:25:44.000Z", target: "services/api" });
    for (const field of ["generatedAt", "artifact", "target"]) expect(doc).toContain(`| \`${field}\``);
  });
});

describe("gatehouse generic: schema errors carry the exact path", () => {
  it.each<[string, unknown, string]>([
    ["a root that is not an object", [finding()], "$"],
    ["a missing version", { tool: { name: "x" }, findings: [] }, "gatehouse"],
    ["an unknown version", { ...report([]), gatehouse: "2" }, "gatehouse"],
    ["a missing tool", { gatehouse: "1", findings: [] }, "tool"],
    ["an empty tool name", { ...report([]), tool: { name: " " } }, "tool.name"],
    ["findings that are not an array", { ...report([]), findings: {} }, "findings"],
    ["an unknown evidence kind", report([], { evidence: ["sca", "fuzzing"] }), "evidence[1]"],
    ["an unknown severity", report([finding(), finding(), finding(), finding({ severity: "urgent" })]), "findings[3].severity"],
    ["an unknown kind", report([finding({ kind: "bug" })]), "findings[0].kind"],
    ["a missing rule id", report([finding({ ruleId: undefined })]), "findings[0].ruleId"],
    ["a CWE that is not an integer", report([finding({ cwe: [79, "CWE-89"] })]), "findings[0].cwe[1]"],
    ["a CVSS score above 10", report([finding({ cvss: { score: 11 } })]), "findings[0].cvss.score"],
    [
      "a package without a name",
      report([finding({ kind: "dependency", package: { version: "1.0" } })]),
      "findings[0].package.name",
    ],
    ["a purl that is not one", report([finding({ package: { name: "a", purl: "npm/a" } })]), "findings[0].package.purl"],
    ["a negative line", report([finding({ location: { file: "a", startLine: -1 } })]), "findings[0].location.startLine"],
    [
      "an end line before the start",
      report([finding({ location: { startLine: 9, endLine: 3 } })]),
      "findings[0].location.endLine",
    ],
    ["a reference that is not a URL", report([finding({ references: ["see the wiki"] })]), "findings[0].references[0]"],
    ["a secret that is not a string", report([finding({ kind: "secret", secret: 1234 })]), "findings[0].secret"],
    ["a time without a zone", report([], { generatedAt: "2024-06-27T13:25:44" }), "generatedAt"],
    ["a time that is no date", report([], { generatedAt: "2024-02-30T10:00:00Z" }), "generatedAt"],
    ["an artifact that is not a digest", report([], { artifact: "ghcr.io/acme/app:1.2" }), "artifact"],
    ["a truncated digest", report([], { artifact: "sha256:abc" }), "artifact"],
    ["an empty target", report([], { target: " " }), "target"],
  ])("%s", (_name, value, path) => {
    expect(errorPath(value)).toBe(path);
  });

  it("names the first problem and counts the rest", () => {
    expect(() => fmt.parse(json(report([finding({ severity: "x", kind: "y" })])), testContext)).toThrowError(
      /^findings\[0\]\.kind: .*\(and 1 more problem\)$/,
    );
  });

  it("rejects XML", () => {
    const xml: Document = { type: "xml", value: { name: "report", attrs: {}, children: [], text: "" } };
    expect(() => fmt.parse(xml, testContext)).toThrow(ReportSchemaError);
  });
});
