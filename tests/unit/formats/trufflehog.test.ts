import { describe, it, expect } from "vitest";
import { trufflehogFormat as fmt } from "@/server/ingest/formats/trufflehog";
import { decodeDocument } from "@/server/ingest/decode";
import { ReportSchemaError, type Document, type ParsedReport, type RawFinding } from "@/server/ingest/types";
import { describeFormatContract, expectNoReportMetadata } from "@/tests/helpers/format-contract";
import { isMalformed, loadSample, manifest, sampleText, testContext } from "@/tests/helpers/samples";

const all = (r: ParsedReport): RawFinding[] => r.parts.flatMap((p) => p.findings);
const parseSample = (rel: string) => fmt.parse(loadSample(rel), testContext);
const json = (value: unknown): Document => ({ type: "json", value });

const EXPECTED: [string, number][] = [
  // manifest says 64 (records): each distinct string in stringsFound is its own secret; one record has two.
  ["defectdojo__trufflehog__v2_many_vulns.json", 65],
  ["defectdojo__trufflehog__v3_git.json", 4],
];

type Rec = Record<string, unknown>;
const records = (rel: string): Rec[] =>
  sampleText(rel)
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as Rec);

/** Every secret-bearing value of a TruffleHog sample (v3 Raw/RawV2/Redacted and decoded Raw; v2 strings and diffs). */
function rawSecrets(rel: string): string[] {
  const out: string[] = [];
  for (const o of records(rel)) {
    for (const k of ["Raw", "RawV2", "Redacted", "diff", "printDiff"]) {
      const s = o[k];
      if (typeof s === "string" && s.trim().length >= 4) out.push(s.trim());
    }
    if (typeof o.Raw === "string") out.push(Buffer.from(o.Raw, "base64").toString("utf8").trim());
    for (const s of Array.isArray(o.stringsFound) ? o.stringsFound : []) if (typeof s === "string") out.push(s.trim());
  }
  return out.filter((s) => s.length >= 4);
}

describeFormatContract(fmt, { folders: ["trufflehog"] });

describe("trufflehog samples", () => {
  const rows = manifest().filter((r) => r.format === "trufflehog" && !isMalformed(r));

  it("covers every trufflehog row of the manifest", () => {
    expect(rows.map((r) => r.file.replace(/^trufflehog\//, "")).sort()).toEqual(EXPECTED.map(([f]) => f).sort());
  });

  it.each(EXPECTED)("%s → %i findings, no secret in the output", (file, count) => {
    const doc = loadSample(`trufflehog/${file}`);
    expect(doc.type).toBe("ndjson");
    expect(fmt.detect(doc)).toBe(true);
    const r = fmt.parse(doc, testContext);
    expect(r.format).toBe("trufflehog");
    expect(r.tool).toEqual({ name: "TruffleHog" });
    expect(r.evidence).toEqual(["secrets"]);
    expect(r.warnings).toEqual([]);
    expect(all(r)).toHaveLength(count);
    const out = JSON.stringify(r);
    for (const s of rawSecrets(`trufflehog/${file}`)) expect(out).not.toContain(s);
    for (const f of all(r)) expect(f.secret?.hash).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe("trufflehog fields", () => {
  it("maps a verified v3 result to critical, with its git location", () => {
    const [f] = all(parseSample("trufflehog/defectdojo__trufflehog__v3_git.json"));
    expect(f).toEqual({
      kind: "secret",
      ruleId: "AWS",
      title: "AWS secret",
      severity: "critical",
      aliases: [],
      cwes: [],
      location: { file: "keys", startLine: 4 },
      secret: testContext.redact("QUtJQVlWUDRDSVBQRVJVVklGWEc="),
      properties: {
        verified: true,
        commit: "fbc14303ffbf8fb1c2c1914e8dda7d0121633aca",
        source: "trufflehog - git",
      },
    });
  });

  it("maps an unverified v3 result to high and drops ExtraData and the verification error text", () => {
    const line = JSON.stringify({
      SourceMetadata: { Data: { Filesystem: { file: "./config/app.env", line: 3 } } },
      SourceType: 15,
      SourceName: "trufflehog - filesystem",
      DetectorType: 17,
      DetectorName: "URI",
      DecoderName: "PLAIN",
      Verified: false,
      VerificationError: "dial tcp: lookup admin:hunter2hunter2@db.example.com",
      Raw: "postgres://admin:hunter2hunter2@db.example.com", // secretlint-disable-line -- fake credential
      RawV2: "postgres://admin:hunter2hunter2@db.example.com:5432", // secretlint-disable-line -- fake credential
      Redacted: "postgres://admin:********@db.example.com",
      ExtraData: { note: "hunter2hunter2" },
    });
    const r = fmt.parse(decodeDocument(line), testContext);
    const [f] = all(r);
    expect(f).toMatchObject({
      ruleId: "URI",
      severity: "high",
      location: { file: "config/app.env", startLine: 3 },
      properties: { verified: false, decoder: "PLAIN", verificationFailed: true },
    });
    expect(f?.severityDefaulted).toBeUndefined();
    expect(JSON.stringify(r)).not.toContain("hunter2");
  });

  it("reads v3 records wrapped in a JSON array (post-processed)", () => {
    const recs = records("trufflehog/defectdojo__trufflehog__v3_git.json");
    const doc = json(recs);
    expect(fmt.detect(doc)).toBe(true);
    expect(all(fmt.parse(doc, testContext))).toHaveLength(4);
  });

  it("reads a one-record stream, which decodes as a single JSON object", () => {
    const [first] = sampleText("trufflehog/defectdojo__trufflehog__v3_git.json").split("\n");
    const doc = decodeDocument(first!);
    expect(doc.type).toBe("json");
    expect(fmt.detect(doc)).toBe(true);
    expect(all(fmt.parse(doc, testContext))).toHaveLength(1);
  });

  it("maps each string of a v2 record to its own finding", () => {
    const fs = all(parseSample("trufflehog/defectdojo__trufflehog__v2_many_vulns.json"));
    const generic = fs.filter(
      (f) => f.ruleId === "Generic Secret" && f.properties?.commit === "288f35ed2e73145e3578207e896a4cf1600bea45",
    );
    expect(generic).toHaveLength(2);
    expect(generic[0]).toEqual({
      kind: "secret",
      ruleId: "Generic Secret",
      title: "Generic Secret",
      severity: "high",
      severityDefaulted: true,
      aliases: [],
      cwes: [],
      location: { file: "test_all.py" },
      secret: testContext.redact("secret = 'd15627104d07846ac2914a976e8e347a663bbd9b'"),
      properties: { commit: "288f35ed2e73145e3578207e896a4cf1600bea45", branch: "origin/dev" },
    });
    expect(generic[1]?.secret?.hash).not.toBe(generic[0]?.secret?.hash);
  });
});

describe("trufflehog edge cases", () => {
  it("parses null, [] and {} to zero findings", () => {
    for (const v of [null, [], {}]) expect(all(fmt.parse(json(v), testContext))).toHaveLength(0);
  });

  it("rejects a v2 record whose stringsFound is not an array", () => {
    const doc: Document = {
      type: "ndjson",
      values: [
        { branch: "main", commitHash: "abc", path: "a.txt", reason: "High Entropy", stringsFound: ["x1234567"] },
        { branch: "main", commitHash: "abc", path: "b.txt", reason: "High Entropy", stringsFound: "x1234567" },
      ],
    };
    expect(() => fmt.parse(doc, testContext)).toThrow(ReportSchemaError);
    expect(() => fmt.parse(doc, testContext)).toThrowError(/^\[1\]\.stringsFound:/);
  });

  it("warns about records that are not TruffleHog results", () => {
    const doc: Document = {
      type: "ndjson",
      values: [...records("trufflehog/defectdojo__trufflehog__v3_git.json"), { level: "info" }],
    };
    const r = fmt.parse(doc, testContext);
    expect(all(r)).toHaveLength(4);
    expect(r.warnings).toHaveLength(1);
  });
});

describe("trufflehog report metadata", () => {
  it("records no report time, artifact digest or target in any sample", () => {
    // TruffleHog writes only findings (their timestamp is the commit's).
    expectNoReportMetadata(fmt, "trufflehog");
  });
});
