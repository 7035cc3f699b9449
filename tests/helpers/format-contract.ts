// What every format's unit test checks the same way.
import { expect } from "vitest";
import type { Document, FormatModule, ParsedReport } from "@/server/ingest/types";
import { isMalformed, isWrongFormat, loadSample, manifest, testContext } from "@/tests/helpers/samples";

export type Metadata = Pick<ParsedReport, "generatedAt" | "artifactDigests" | "target">;

/** The three report-metadata fields of a parsed report; absent ones stay absent (toEqual ignores undefined). */
export function metadataOf(r: ParsedReport): Metadata {
  const out: Metadata = { generatedAt: r.generatedAt, artifactDigests: r.artifactDigests, target: r.target };
  // The deprecated single digest must always be the first of the list.
  if (r.artifactDigest !== r.artifactDigests?.[0]) throw new Error(`artifactDigest ${r.artifactDigest} is not the first digest`);
  return out;
}

/** The decodable samples of one manifest folder that this format claims. */
export function ownSamples(fmt: FormatModule, dir: string): { file: string; doc: Document }[] {
  const out: { file: string; doc: Document }[] = [];
  for (const row of manifest().filter((r) => r.format === dir && !isMalformed(r) && !isWrongFormat(r))) {
    let doc: Document;
    try {
      doc = loadSample(row.file);
    } catch {
      continue;
    }
    if (fmt.detect(doc)) out.push({ file: row.file, doc });
  }
  return out;
}

/** For formats that record none of the three: no sample of the folder yields a time, digest or target. */
export function expectNoReportMetadata(fmt: FormatModule, dir: string): void {
  const samples = ownSamples(fmt, dir);
  expect(samples.length).toBeGreaterThan(0);
  for (const { file, doc } of samples) expect(metadataOf(fmt.parse(doc, testContext)), file).toEqual({});
}
