// What every format's unit test checks the same way.
import type { ParsedReport } from "@/server/ingest/types";

export type Metadata = Pick<ParsedReport, "generatedAt" | "artifactDigests" | "target">;

/** The three report-metadata fields of a parsed report; absent ones stay absent (toEqual ignores undefined). */
export function metadataOf(r: ParsedReport): Metadata {
  const out: Metadata = { generatedAt: r.generatedAt, artifactDigests: r.artifactDigests, target: r.target };
  // The deprecated single digest must always be the first of the list.
  if (r.artifactDigest !== r.artifactDigests?.[0]) throw new Error(`artifactDigest ${r.artifactDigest} is not the first digest`);
  return out;
}
