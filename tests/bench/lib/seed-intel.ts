// Threat intelligence for the views bench, imported as an operator would (importIntel): the real CISA KEV catalog
// (../shared/intel) and an EPSS file in FIRST's published shape that scores every CVE id the seeded findings name, as
// the real feed scores every published CVE (≈ 300,000 rows). Without them the remediation view's and the findings'
// intel lookups probe empty tables and the pages read faster than they would in production.
import { existsSync, readFileSync } from "node:fs";
import type { ServiceContext } from "@/server/context";
import { importIntel } from "@/server/intel/import-intel";
import { KEV_FILE } from "@/tests/helpers/intel";

/** The CVE years and numbers seed-views.ts draws dependency findings from ('CVE-' || year || '-' || lpad(n, 5, '0')). */
export const SEED_CVE_YEARS = { first: 2019, count: 7 } as const;
export const SEED_CVE_NUMBERS = 40_000;

/** A deterministic EPSS file: most scores tiny, a few high, the percentile following the score's rank. */
export function syntheticEpss(): string {
  const lines = ["#model_version:v2025.03.14,score_date:2025-09-03T00:00:00+0000", "cve,epss,percentile"];
  let state = 0x9e3779b9;
  const next = () => {
    // xorshift32: the same file every run.
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 0x1_0000_0000;
  };
  for (let y = 0; y < SEED_CVE_YEARS.count; y++)
    for (let n = 0; n < SEED_CVE_NUMBERS; n++) {
      const u = next();
      const epss = 0.0002 + 0.97 * u ** 30;
      lines.push(`CVE-${SEED_CVE_YEARS.first + y}-${String(n).padStart(5, "0")},${epss.toFixed(5)},${u.toFixed(5)}`);
    }
  return `${lines.join("\n")}\n`;
}

/** Imports both feeds; says what it did, or why KEV was left out (no catalog beside the checkout). */
export async function seedIntel(ctx: ServiceContext): Promise<string> {
  const epss = await importIntel(ctx, {
    source: "epss",
    bytes: new TextEncoder().encode(syntheticEpss()),
    origin: "bench: synthetic EPSS",
  });
  if (!existsSync(KEV_FILE)) return `EPSS ${epss.entries} scores; KEV not imported (no catalog at ${KEV_FILE})`;
  const kev = await importIntel(ctx, { source: "kev", bytes: readFileSync(KEV_FILE), origin: KEV_FILE });
  return `EPSS ${epss.entries} scores, KEV ${kev.entries} entries (${kev.version})`;
}
