import { describe, it, expect } from "vitest";
import { hadolintFormat as fmt } from "@/server/ingest/formats/hadolint";
import { ReportSchemaError, type Document, type ParsedReport, type RawFinding } from "@/server/ingest/types";
import { describeFormatContract, expectNoReportMetadata } from "@/tests/helpers/format-contract";
import { isMalformed, loadSample, manifest, testContext } from "@/tests/helpers/samples";

const all = (r: ParsedReport): RawFinding[] => r.parts.flatMap((p) => p.findings);
const json = (value: unknown): Document => ({ type: "json", value });

const EXPECTED: [string, number][] = [["defectdojo__hadolint__one_dockerfile.json", 4]];

describeFormatContract(fmt, { folders: ["hadolint"] });

describe("hadolint samples", () => {
  const rows = manifest().filter((r) => r.format === "hadolint" && !isMalformed(r));

  it("covers every hadolint row of the manifest", () => {
    expect(rows.map((r) => r.file.replace(/^hadolint\//, "")).sort()).toEqual(EXPECTED.map(([f]) => f).sort());
  });

  it.each(EXPECTED)("%s → %i findings", (file, count) => {
    const doc = loadSample(`hadolint/${file}`);
    expect(fmt.detect(doc)).toBe(true);
    const r = fmt.parse(doc, testContext);
    expect(r.format).toBe("hadolint");
    // hadolint's JSON carries no version
    expect(r.tool).toEqual({ name: "Hadolint" });
    expect(r.evidence).toEqual(["iac"]);
    expect(all(r)).toHaveLength(count);
  });
});

describe("hadolint fields", () => {
  it("maps a violation, with Windows paths normalized", () => {
    const fs = all(fmt.parse(loadSample("hadolint/defectdojo__hadolint__one_dockerfile.json"), testContext));
    expect(fs[0]).toEqual({
      kind: "iac",
      ruleId: "DL3008",
      title: "Pin versions in apt get install. Instead of `apt-get install <package>` use `apt-get install <package>=<version>`",
      severity: "medium",
      aliases: [],
      cwes: [],
      location: { file: "django-DefectDojo/Dockerfile.django", startLine: 9 },
      references: ["https://github.com/hadolint/hadolint/wiki/DL3008"],
    });
    expect(fs.map((f) => f.severity)).toEqual(["medium", "low", "medium", "medium"]);
  });

  it("maps every level, ShellCheck codes and stdin", () => {
    const doc = json([
      { code: "DL3000", column: 1, file: "-", level: "error", line: 3, message: "Use absolute WORKDIR" },
      {
        code: "SC2086",
        column: 5,
        file: "Dockerfile",
        level: "style",
        line: 7,
        message: "Double quote to prevent globbing and word splitting.",
      },
      { code: "DL4000", column: 1, file: "Dockerfile", level: "ignore", line: 1, message: "MAINTAINER is deprecated" },
    ]);
    expect(fmt.detect(doc)).toBe(true);
    const [err, style, odd] = all(fmt.parse(doc, testContext));
    expect(err).toMatchObject({ severity: "high", location: { startLine: 3 } });
    expect(err?.location?.file).toBeUndefined();
    expect(style).toMatchObject({ severity: "info", references: ["https://www.shellcheck.net/wiki/SC2086"] });
    expect(odd).toMatchObject({ severity: "medium", severityDefaulted: true });
  });
});

describe("hadolint edge cases", () => {
  it("parses null, [] and {} to zero findings", () => {
    for (const v of [null, [], {}]) expect(all(fmt.parse(json(v), testContext))).toHaveLength(0);
    expect(fmt.detect(json([]))).toBe(false);
  });

  it("rejects wrong types with the path", () => {
    expect(() => fmt.parse(json({ violations: [] }), testContext)).toThrowError(/^\$: /);
    expect(() => fmt.parse(json([{ code: "DL3008", level: "info", line: 1, file: "D" }, "x"]), testContext)).toThrowError(
      /^\[1\]: /,
    );
    expect(() => fmt.parse(json([{ level: "info", line: 1, file: "D" }]), testContext)).toThrow(ReportSchemaError);
  });
});

describe("hadolint report metadata", () => {
  it("records no report time, artifact digest or target in any sample", () => {
    // hadolint writes only findings.
    expectNoReportMetadata(fmt, "hadolint");
  });
});
