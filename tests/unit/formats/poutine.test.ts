// poutine JSON (its own snapshot tests in ../shared/pipeline-samples/poutine) and SARIF.
import { describe, expect, it } from "vitest";
import { decodeDocument } from "@/server/ingest/decode";
import { poutineFormat } from "@/server/ingest/formats/poutine";
import { describeFormatContract } from "@/tests/helpers/format-contract";
import { goSnaps, normalizedFindings, parsePipeline, pipelineSampleText } from "@/tests/helpers/pipeline-samples";

const snaps = goSnaps(pipelineSampleText("poutine/boostsecurityio__poutine__snapshot_test.snap"));

/**
 * SARIF shaped exactly as poutine's formatter writes it (boostsecurityio/poutine formatters/sarif/sarif.go at c89412a:
 * one run per package with the purl in run.properties, rule level as result level, message = rule description,
 * partialFingerprints.primaryLocationLineHash, boost/confidence). poutine ships no SARIF fixture to copy.
 */
const sarif = (results: { line: number; path: string; rule: string; level: string }[]) =>
  JSON.stringify({
    version: "2.1.0",
    $schema: "https://json.schemastore.org/sarif-2.1.0-rtm.5.json",
    runs: [
      {
        tool: {
          driver: {
            informationUri: "https://github.com/boostsecurityio/poutine",
            name: "poutine",
            organization: "boostsecurity",
            semanticVersion: "1.0.0",
            rules: [...new Set(results.map((r) => r.rule))].map((id) => ({
              id,
              name: id === "injection" ? "Injection with Arbitrary External Contributor Input" : "Test Rule",
              shortDescription: { text: id },
              helpUri: `https://boostsecurityio.github.io/poutine/rules/${id}`,
            })),
          },
        },
        results: results.map((r) => ({
          ruleId: r.rule,
          level: r.level,
          message: {
            text: "The pipeline contains an injection into bash or JavaScript with an expression that can contain user input.",
          },
          locations: [
            { physicalLocation: { artifactLocation: { uri: r.path }, region: { startLine: r.line, endLine: r.line } } },
          ],
          partialFingerprints: { primaryLocationLineHash: `${r.path}${r.line}` },
          properties: { "boost/confidence": r.level === "error" ? "high" : "medium" },
        })),
        properties: { purl: "pkg:github/acme/app@main" },
      },
    ],
  });

// Its samples are pipeline samples, not scan samples: they are the contract's examples.
describeFormatContract(poutineFormat, {
  folders: [],
  examples: {
    "a repository's analysis": decodeDocument(snaps.get("TestSnapshotAnalyzeRepo - 1")!),
    "an organisation's analysis": decodeDocument(snaps.get("TestSnapshotAnalyzeOrg - 1")!),
  },
});

describe("poutine", () => {
  it("reads its JSON: rule levels to severity, job, step and triggers kept", () => {
    const r = parsePipeline(snaps.get("TestSnapshotAnalyzeRepo - 1")!);
    expect(r.format).toBe("poutine");
    expect(r.evidence).toEqual(["posture"]);
    const f = r.parts[0]!.findings;
    expect(f).toHaveLength(19);
    const inj = f.find((x) => x.ruleId === "injection" && x.properties?.job === "fries")!;
    expect(inj).toMatchObject({ severity: "medium", title: "Injection with Arbitrary External Contributor Input" });
    expect(inj.location).toMatchObject({ file: ".github/workflows/level0.yml", startLine: 41 });
    expect(inj.description).toMatch(/github\.event\.issue\.body/);
    expect(f.find((x) => x.ruleId === "untrusted_checkout_exec")!.severity).toBe("high");
    expect(f.find((x) => x.ruleId === "debug_enabled")!.severity).toBe("low");
  });

  it("gives poutine's findings fingerprints without its line numbers", () => {
    const text = snaps.get("TestSnapshotAnalyzeOrg - 1")!;
    const shifted = text.replace(/"line": (\d+)/g, (_m, n: string) => `"line": ${Number(n) + 3}`);
    const fp = (t: string) =>
      normalizedFindings(parsePipeline(t))
        .map((x) => x.fingerprint)
        .sort();
    expect(fp(shifted)).toEqual(fp(text));
  });

  it("reads its SARIF before the generic SARIF parser, telling same-rule results apart by order", () => {
    const r = parsePipeline(
      sarif([
        { line: 12, path: ".github/workflows/a.yml", rule: "injection", level: "warning" },
        { line: 40, path: ".github/workflows/a.yml", rule: "injection", level: "warning" },
        { line: 5, path: ".github/workflows/b.yml", rule: "untrusted_checkout_exec", level: "error" },
      ]),
    );
    expect(r.format).toBe("poutine");
    expect(r.parts[0]!.category).toBe("pkg:github/acme/app");
    expect(r.parts[0]!.findings.map((x) => [x.ruleId, x.severity, x.location?.startLine])).toEqual([
      ["injection", "medium", 12],
      ["injection", "medium", 40],
      ["untrusted_checkout_exec", "high", 5],
    ]);
    expect(new Set(normalizedFindings(r).map((x) => x.fingerprint)).size).toBe(3);
  });
});
