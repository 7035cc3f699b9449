// Real pipeline definitions and pipeline-security tool outputs in ../shared/pipeline-samples (never copied here).
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { decodeDocument, decodeText } from "@/server/ingest/decode";
import { detectFormat } from "@/server/ingest/detect";
import { normalizeReport, type NormalizedFinding } from "@/server/ingest/normalize";
import type { ParsedReport } from "@/server/ingest/types";
import { testContext } from "@/tests/helpers/samples";

const repoRoot = path.resolve(import.meta.dirname, "../..");

export const pipelineSamplesDir =
  process.env.GATEHOUSE_PIPELINE_SAMPLES_DIR ?? path.resolve(repoRoot, "../shared/pipeline-samples");

if (!existsSync(path.join(pipelineSamplesDir, "MANIFEST.tsv"))) {
  throw new Error(`Pipeline samples not found at ${pipelineSamplesDir}; set GATEHOUSE_PIPELINE_SAMPLES_DIR`);
}

export const pipelineSampleText = (rel: string): string => decodeText(readFileSync(path.join(pipelineSamplesDir, rel)));

export type PipelineManifestRow = {
  category: string;
  file: string;
  repo: string;
  commit: string;
  path: string;
  expected: string;
};

export function pipelineManifest(): PipelineManifestRow[] {
  return readFileSync(path.join(pipelineSamplesDir, "MANIFEST.tsv"), "utf8")
    .split("\n")
    .slice(1)
    .filter((l) => l.trim() !== "")
    .map((l) => {
      const c = l.split("\t");
      return {
        category: c[0]!,
        file: c[1]!,
        repo: c[2]!,
        commit: c[3]!,
        path: c[4]!,
        expected: (c[6] ?? "").replace(/^"|"$/g, ""),
      };
    });
}

/** An insta snapshot (zizmor's tests): a `---` header block, then what the tool wrote. */
export function instaBody(text: string): string {
  return text.replace(/^---\n[\s\S]*?\n---\n/, "");
}

/** A go-snaps file (poutine's tests): `[Name - 1]` headers, each snapshot ending with a `---` line. */
export function goSnaps(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of text.matchAll(/^\[([^\]\n]+)\]\n([\s\S]*?)\n---$/gm)) out.set(m[1]!, m[2]!);
  return out;
}

/** Parses a pipeline definition or tool output as an upload would, with the repository path it came from. */
export function parsePipeline(text: string, sourcePath?: string, format?: string): ParsedReport {
  const doc = decodeDocument(text);
  return detectFormat(doc, format).parse(doc, { ...testContext, ...(sourcePath ? { sourcePath } : {}) });
}

/** The findings as they would be stored: normalized, with fingerprints. */
export function normalizedFindings(report: ParsedReport): NormalizedFinding[] {
  return normalizeReport(report, testContext.hash).flatMap((p) => p.findings);
}
