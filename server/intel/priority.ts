// Exploit-aware priority: a finding on CISA KEV comes first, then EPSS × severity. Pure; the reasons are shown.
import type { Severity } from "../ingest/types";

export type KevMatch = { cveId: string; dateAdded: string; dueDate: string };
export type EpssMatch = { cveId: string; epss: number; percentile: number };
export type ExploitIntel = { kev: KevMatch | null; epss: EpssMatch | null };

/** The weight severity gives EPSS: a 0.9 EPSS low still ranks below a 0.5 EPSS critical. */
export const SEVERITY_FACTOR: Record<Severity, number> = { critical: 1, high: 0.7, medium: 0.4, low: 0.1, info: 0 };

/** EPSS × severity; KEV entries rank above every score (compare `kev` first). */
export const exploitScore = (severity: Severity, epss: number | null): number => (epss ?? 0) * SEVERITY_FACTOR[severity];

const pct = (p: number) => {
  const n = Math.floor(p * 100);
  const suffix =
    n % 10 === 1 && n % 100 !== 11 ? "st" : n % 10 === 2 && n % 100 !== 12 ? "nd" : n % 10 === 3 && n % 100 !== 13 ? "rd" : "th";
  return `${n}${suffix} percentile`;
};

export const epssText = (e: { epss: number; percentile: number }) => `EPSS ${e.epss.toFixed(2)} (${pct(e.percentile)})`;
export const kevText = (k: KevMatch) => `${k.cveId} on CISA KEV since ${k.dateAdded}, due ${k.dueDate}`;

/** Why an item is where it is in the order: "CVE-… on CISA KEV since 2021-12-10, due 2021-12-24; EPSS 0.94 (99th percentile)". */
export function priorityReason(intel: ExploitIntel): string | null {
  const parts: string[] = [];
  if (intel.kev) parts.push(kevText(intel.kev));
  if (intel.epss) parts.push(epssText(intel.epss));
  return parts.length ? parts.join("; ") : null;
}

export type Prioritized = { severity: Severity; intel: ExploitIntel; risk: number };

/** KEV first (earliest due date first), then EPSS × severity, then the severity-based risk. */
export function compareExploitPriority(a: Prioritized, b: Prioritized): number {
  const ka = a.intel.kev ? 1 : 0;
  const kb = b.intel.kev ? 1 : 0;
  if (ka !== kb) return kb - ka;
  if (a.intel.kev && b.intel.kev && a.intel.kev.dueDate !== b.intel.kev.dueDate)
    return a.intel.kev.dueDate < b.intel.kev.dueDate ? -1 : 1;
  const ea = exploitScore(a.severity, a.intel.epss?.epss ?? null);
  const eb = exploitScore(b.severity, b.intel.epss?.epss ?? null);
  if (ea !== eb) return eb - ea;
  return b.risk - a.risk;
}
