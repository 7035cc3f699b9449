import { describe, expect, it } from "vitest";
import { dockleFormat } from "@/server/ingest/formats/dockle";
import { ReportSchemaError, type Document, type ParsedReport } from "@/server/ingest/types";
import { describeFormatContract, metadataOf } from "@/tests/helpers/format-contract";
import { isMalformed, loadSample, manifest, testContext } from "@/tests/helpers/samples";

const json = (value: unknown): Document => ({ type: "json", value });
const all = (p: ParsedReport) => p.parts.flatMap((x) => x.findings);

// [file, findings]: the only Dockle JSON sample has no `image` key and 16 passes.
const SAMPLES: [string, number][] = [["dockle/defectdojo__dockle__no_findings.json", 0]];

describeFormatContract(dockleFormat, { folders: ["dockle"] });

describe("dockle samples", () => {
  it("lists every dockle sample of the manifest", () => {
    const rows = manifest().filter((r) => r.format === "dockle" && !isMalformed(r));
    expect(rows.map((r) => r.file).sort()).toEqual(SAMPLES.map((s) => s[0]).sort());
  });

  it.each(SAMPLES)("%s", (file, findings) => {
    const doc = loadSample(file);
    expect(dockleFormat.detect(doc)).toBe(true);
    const p = dockleFormat.parse(doc, testContext);
    expect(p.tool).toEqual({ name: "Dockle" });
    expect(all(p)).toHaveLength(findings);
    expect(p.evidence).toEqual(["config", "container"]);
  });
});

describe("dockle levels (no sample with details)", () => {
  const report = {
    image: "registry.example/app:1.4.2",
    summary: { fatal: 1, warn: 1, info: 1, skip: 1, pass: 10 },
    details: [
      {
        code: "CIS-DI-0010",
        title: "Do not store credential in environment variables/files",
        level: "FATAL",
        alerts: [
          "Suspicious ENV key found : DB_PASSWORD on /bin/sh -c #(nop)  ENV DB_PASSWORD=s3cr3t-Passw0rd-value (You can suppress it with --accept-key)",
          'Suspicious filename found : app/credentials.json (You can suppress it with "-af credentials.json")',
        ],
      },
      { code: "CIS-DI-0001", title: "Create a user for the container", level: "WARN", alerts: ["Last user should not be root"] },
      {
        code: "CIS-DI-0006",
        title: "Add HEALTHCHECK instruction to the container image",
        level: "INFO",
        alerts: ["not found HEALTHCHECK statement"],
      },
      { code: "CIS-DI-0005", title: "Enable Content trust for Docker", level: "SKIP", alerts: ["export DOCKER_CONTENT_TRUST=1"] },
      { code: "DKL-DI-0006", title: "Avoid latest tag", level: "PASS", alerts: [] },
      { code: "DKL-LI-0001", title: "Avoid empty password", level: "IGNORE", alerts: [] },
    ],
  };

  it("maps FATAL/WARN/INFO and skips SKIP/PASS/IGNORE", () => {
    const p = dockleFormat.parse(json(report), testContext);
    const findings = all(p);
    expect(findings.map((f) => [f.ruleId, f.severity])).toEqual([
      ["CIS-DI-0010", "high"],
      ["CIS-DI-0001", "medium"],
      ["CIS-DI-0006", "low"],
    ]);
    expect(findings[1]).toMatchObject({
      kind: "config",
      title: "Create a user for the container",
      description: "Last user should not be root",
      location: { image: "registry.example/app:1.4.2" },
      references: ["https://github.com/goodwithtech/dockle/blob/master/CHECKPOINT.md#CIS-DI-0001"],
    });
  });

  it("never keeps an ENV value from a credential alert", () => {
    const p = dockleFormat.parse(json(report), testContext);
    expect(all(p)[0]!.description).toBe(
      'Suspicious ENV key found : DB_PASSWORD\nSuspicious filename found : app/credentials.json (You can suppress it with "-af credentials.json")',
    );
    expect(JSON.stringify(p)).not.toContain("s3cr3t");
    const other = dockleFormat.parse(
      json({
        ...report,
        details: [
          {
            code: "CIS-DI-0010",
            level: "FATAL",
            alerts: ["Found : /bin/sh -c #(nop)  ENV API_TOKEN abcd-efgh-1234 and ENV X=y-secret"],
          },
        ],
      }),
      testContext,
    );
    expect(all(other)[0]!.description).toBe("Found : /bin/sh -c #(nop)  ENV API_TOKEN ******** and ENV X=********");
  });

  it("throws ReportSchemaError on a broken structure", () => {
    expect(() => dockleFormat.parse(json({ summary: {}, details: 42 }), testContext)).toThrow(ReportSchemaError);
    expect(() => dockleFormat.parse(json({ summary: {}, details: [42] }), testContext)).toThrow(ReportSchemaError);
    expect(dockleFormat.detect(json({}))).toBe(false);
  });
});

describe("dockle report metadata", () => {
  it("names the image checked, and nothing when the report does not", () => {
    expect(metadataOf(dockleFormat.parse(loadSample("dockle/defectdojo__dockle__no_findings.json"), testContext))).toEqual({});
    const r = dockleFormat.parse(
      json({ image: "ghcr.io/acme/app:1.2", summary: { fatal: 0, warn: 0, info: 0, skip: 0, pass: 1 }, details: [] }),
      testContext,
    );
    expect(metadataOf(r)).toEqual({ target: "ghcr.io/acme/app" });
  });
});
