// A pure CVSS v3.0/v3.1 base-score calculator: OSV records and some SBOMs carry only the vector.

/** version is undefined when the vector has no "CVSS:3.x/" prefix. */
export type CvssResult = { score: number; version?: string; vector: string };

const AV: Record<string, number> = { N: 0.85, A: 0.62, L: 0.55, P: 0.2 };
const AC: Record<string, number> = { L: 0.77, H: 0.44 };
const UI: Record<string, number> = { N: 0.85, R: 0.62 };
const CIA: Record<string, number> = { H: 0.56, L: 0.22, N: 0 };
const PR_UNCHANGED: Record<string, number> = { N: 0.85, L: 0.62, H: 0.27 };
const PR_CHANGED: Record<string, number> = { N: 0.85, L: 0.68, H: 0.5 };

/** CVSS v3.1 "Roundup": the smallest one-decimal number >= x, robust to floating-point noise. */
export function roundUp(x: number): number {
  const i = Math.round(x * 100000);
  return i % 10000 === 0 ? i / 100000 : (Math.floor(i / 10000) + 1) / 10;
}

/**
 * Base score of a CVSS v3.x vector ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H").
 * A vector without the "CVSS:3.x/" prefix is accepted when it has the v3 base metrics.
 * Returns undefined for v2, v4, or malformed vectors.
 */
export function cvss3BaseScore(vector: unknown): CvssResult | undefined {
  if (typeof vector !== "string") return undefined;
  const v = vector.trim();
  const parts = v.split("/");
  let version: string | undefined;
  const metrics: Record<string, string> = {};
  for (const [i, part] of parts.entries()) {
    const [k, val] = part.split(":");
    if (!k || val === undefined) return undefined;
    if (i === 0 && k.toUpperCase() === "CVSS") {
      if (val !== "3.0" && val !== "3.1") return undefined;
      version = val;
      continue;
    }
    metrics[k.toUpperCase()] = val.toUpperCase();
  }
  const av = AV[metrics.AV ?? ""];
  const ac = AC[metrics.AC ?? ""];
  const ui = UI[metrics.UI ?? ""];
  const scope = metrics.S;
  const c = CIA[metrics.C ?? ""];
  const integ = CIA[metrics.I ?? ""];
  const a = CIA[metrics.A ?? ""];
  if (av === undefined || ac === undefined || ui === undefined || c === undefined || integ === undefined || a === undefined) {
    return undefined;
  }
  if (scope !== "U" && scope !== "C") return undefined;
  const changed = scope === "C";
  const pr = (changed ? PR_CHANGED : PR_UNCHANGED)[metrics.PR ?? ""];
  if (pr === undefined) return undefined;

  const iss = 1 - (1 - c) * (1 - integ) * (1 - a);
  const impact = changed ? 7.52 * (iss - 0.029) - 3.25 * Math.pow(iss - 0.02, 15) : 6.42 * iss;
  const exploitability = 8.22 * av * ac * pr * ui;
  let score: number;
  if (impact <= 0) score = 0;
  else if (changed) score = roundUp(Math.min(1.08 * (impact + exploitability), 10));
  else score = roundUp(Math.min(impact + exploitability, 10));
  return { score, version, vector: v };
}

/** "CVSSv31" / "CVSS_V3" / "CVSS:3.1/…" → "3.1", "3.0", "2.0", "4.0" (undefined when unknown). */
export function cvssVersionOf(method: unknown, vector?: unknown): string | undefined {
  if (typeof vector === "string") {
    const m = /^CVSS:(\d\.\d)\//i.exec(vector.trim());
    if (m?.[1]) return m[1];
  }
  if (typeof method !== "string") return undefined;
  const t = method.replace(/[^0-9a-z]/gi, "").toLowerCase();
  if (/^cvssv?31$/.test(t)) return "3.1";
  if (/^cvssv?30?$/.test(t)) return "3.0";
  if (/^cvssv?2/.test(t)) return "2.0";
  if (/^cvssv?4/.test(t)) return "4.0";
  return undefined;
}
