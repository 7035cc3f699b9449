// The format contract: what every format's unit test checks the same way (docs/formats/adding-a-format.md).
import { describe, expect, it } from "vitest";
import { formatById } from "@/server/ingest/formats";
import {
  EVIDENCE_KINDS,
  FINDING_KINDS,
  ReportSchemaError,
  SEVERITIES,
  type Document,
  type FormatModule,
  type ParsedReport,
} from "@/server/ingest/types";
import { isMalformed, isWrongFormat, loadSample, manifest, testContext, type ManifestRow } from "@/tests/helpers/samples";

export type Metadata = Pick<ParsedReport, "generatedAt" | "artifactDigests" | "target">;

/** The three report-metadata fields of a parsed report; absent ones stay absent (toEqual ignores undefined). */
export function metadataOf(r: ParsedReport): Metadata {
  const out: Metadata = { generatedAt: r.generatedAt, artifactDigests: r.artifactDigests, target: r.target };
  // The deprecated single digest must always be the first of the list.
  if (r.artifactDigest !== r.artifactDigests?.[0]) throw new Error(`artifactDigest ${r.artifactDigest} is not the first digest`);
  return out;
}

// Decoding is most of the cost: each sample is decoded once per test file.
const decoded = new Map<string, Document | null>();
function decodedSample(file: string): Document | undefined {
  if (!decoded.has(file)) {
    try {
      decoded.set(file, loadSample(file));
    } catch {
      decoded.set(file, null); // malformed, or not text: no format may claim it anyway
    }
  }
  return decoded.get(file) ?? undefined;
}

/** The decodable samples of one manifest folder that this format claims. */
export function ownSamples(fmt: FormatModule, dir: string): { file: string; doc: Document }[] {
  const out: { file: string; doc: Document }[] = [];
  for (const row of manifest().filter((r) => r.format === dir && !isMalformed(r) && !isWrongFormat(r))) {
    const doc = decodedSample(row.file);
    if (doc && fmt.detect(doc)) out.push({ file: row.file, doc });
  }
  return out;
}

/** For formats that record none of the three: no sample of the folder yields a time, digest or target. */
export function expectNoReportMetadata(fmt: FormatModule, dir: string): void {
  const samples = ownSamples(fmt, dir);
  expect(samples.length).toBeGreaterThan(0);
  for (const { file, doc } of samples) expect(metadataOf(fmt.parse(doc, testContext)), file).toEqual({});
}

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const DIGEST = /^sha256:[0-9a-f]{64}$/;

/** What every parsed report must look like, whatever the format. */
export function expectWellFormedReport(fmt: FormatModule, r: ParsedReport, file: string): void {
  expect(r.format, file).toBe(fmt.id);
  expect(r.tool.name, file).not.toBe("");
  for (const e of r.evidence) expect(EVIDENCE_KINDS, file).toContain(e);
  if (r.generatedAt !== undefined) expect(r.generatedAt, file).toMatch(ISO_UTC);
  for (const d of r.artifactDigests ?? []) expect(d, file).toMatch(DIGEST);
  expect(r.artifactDigest, file).toBe(r.artifactDigests?.[0]);
  if (r.target !== undefined) expect(r.target.trim(), file).not.toBe("");
  for (const f of r.parts.flatMap((p) => p.findings)) {
    expect(FINDING_KINDS, file).toContain(f.kind);
    expect(SEVERITIES, file).toContain(f.severity);
    expect(f.ruleId.trim(), file).not.toBe("");
    expect(f.title.trim(), file).not.toBe("");
  }
}

export type ContractOptions = {
  /** the manifest folders whose samples are this format's */
  folders: string[];
  /** samples in other folders that really are this format (each with the reason in a comment at the call) */
  alsoOwn?: string[];
  /** samples above this size are left out (they add time, not shapes); default 200 kB */
  maxBytes?: number;
  /** larger samples of other formats to check all the same (a format this one is easily mistaken for) */
  alsoCheck?: string[];
  /** documents of this format beyond the corpus (a format with no samples there, such as Gatehouse generic) */
  examples?: Record<string, Document>;
};

/**
 * The shared tests of one format: it is registered under its id; it claims no other format's sample (so
 * detection order never decides); and every own sample it claims parses into a well-formed report.
 */
export function describeFormatContract(fmt: FormatModule, o: ContractOptions): void {
  const maxBytes = o.maxBytes ?? 200_000;
  const inFolder = (r: ManifestRow) => o.folders.includes(r.format);
  const isOwn = (r: ManifestRow) => (inFolder(r) && !isWrongFormat(r)) || (o.alsoOwn ?? []).includes(r.file);
  const usable = (r: ManifestRow) => !isMalformed(r) && r.bytes > 0 && r.bytes < maxBytes;

  const refusal = (e: unknown) => e instanceof ReportSchemaError && e.format === fmt.id;

  describe(`${fmt.id}: format contract`, () => {
    it("is registered under its id", () => {
      expect(formatById(fmt.id)).toBe(fmt);
    });

    it("does not claim other formats' samples", { timeout: 60_000 }, () => {
      // Another format's file that sits in this format's folder (WRONG-FORMAT) is that format's business.
      const others = manifest().filter((r) => !isOwn(r) && !inFolder(r) && (usable(r) || (o.alsoCheck ?? []).includes(r.file)));
      const claimed: string[] = [];
      let checked = 0;
      for (const row of others) {
        const doc = decodedSample(row.file);
        if (!doc) continue;
        checked++;
        if (fmt.detect(doc)) claimed.push(row.file);
      }
      expect(claimed).toEqual([]);
      expect(checked).toBeGreaterThan(300);
    });

    it(
      "parses every own sample it claims into a well-formed report, or refuses it with a schema error",
      { timeout: 60_000 },
      () => {
        const own = manifest()
          .filter((r) => isOwn(r) && usable(r))
          .map((r) => [r.file, decodedSample(r.file)] as const);
        let parsed = 0;
        for (const [name, doc] of [...own, ...Object.entries(o.examples ?? {})]) {
          if (!doc || !fmt.detect(doc)) continue;
          let r: ParsedReport;
          try {
            r = fmt.parse(doc, testContext);
          } catch (e) {
            // Valid JSON that breaks the format (codeql-action's invalid-sarif.sarif) is a 422, never a crash.
            if (refusal(e)) continue;
            throw e;
          }
          expectWellFormedReport(fmt, r, name);
          parsed++;
        }
        expect(parsed).toBeGreaterThan(0);
      },
    );
  });
}
