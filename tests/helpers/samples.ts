// Real scanner reports live in ../shared/scan-samples (never copied into this repo).
import { createHash, createHmac } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { decodeDocument, decodeText } from "@/server/ingest/decode";
import { makeRedactor } from "@/server/ingest/redact";
import type { Document, ParseContext } from "@/server/ingest/types";

const repoRoot = path.resolve(import.meta.dirname, "../..");

export const samplesDir = process.env.GATEHOUSE_SAMPLES_DIR ?? path.resolve(repoRoot, "../shared/scan-samples");

if (!existsSync(path.join(samplesDir, "MANIFEST.tsv"))) {
  throw new Error(`Scan samples not found at ${samplesDir}; set GATEHOUSE_SAMPLES_DIR`);
}

export const sampleBytes = (rel: string): Buffer => readFileSync(path.join(samplesDir, rel));
export const sampleText = (rel: string): string => decodeText(sampleBytes(rel));
export const loadSample = (rel: string): Document => decodeDocument(sampleText(rel));

export const testContext: ParseContext = {
  redact: makeRedactor("test-salt", (key, text) => createHmac("sha256", key).update(text).digest("hex")),
  hash: (text) => createHash("sha256").update(text).digest("hex"),
};

export type ManifestRow = {
  format: string;
  file: string;
  bytes: number;
  flags: string[];
  findings: number | undefined;
  detail: string;
  notes: string;
  sha256: string;
};

export function manifest(): ManifestRow[] {
  const lines = readFileSync(path.join(samplesDir, "MANIFEST.tsv"), "utf8").split("\n").slice(1);
  return lines
    .filter((l) => l.trim() !== "")
    .map((l) => {
      const c = l.split("\t");
      return {
        format: c[0]!,
        file: c[1]!,
        bytes: Number(c[5]),
        flags: (c[7] ?? "")
          .split(",")
          .map((f) => f.trim())
          .filter(Boolean),
        findings: c[8] ? Number(c[8]) : undefined,
        detail: c[9] ?? "",
        notes: c[10] ?? "",
        sha256: c[11] ?? "",
      };
    });
}

export const isMalformed = (r: ManifestRow) => r.flags.some((f) => f.startsWith("MALFORMED"));
/** A file in one tool's folder that holds another format. */
export const isWrongFormat = (r: ManifestRow) => r.flags.includes("WRONG-FORMAT");
