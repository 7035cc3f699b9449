// Pure helpers for the remediation view: version order, the upgrade target, titles and source links.
import type { Severity } from "../ingest/types";

/** Splits a version into numeric and alphabetic runs: "2.4.47+dfsg-3" → [2, 4, 47, "dfsg", 3]. */
function tokens(v: string): (number | string)[] {
  return (
    v
      .trim()
      .replace(/^v(?=\d)/i, "")
      .match(/\d+|[a-z]+/gi) ?? []
  ).map((t) => (/^\d+$/.test(t) ? Number(t) : t.toLowerCase()));
}

/** Orders versions the way package managers mostly agree on: numbers numerically, a longer version after its prefix. */
export function compareVersions(a: string, b: string): number {
  const x = tokens(a);
  const y = tokens(b);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const p = x[i];
    const q = y[i];
    if (p === undefined) return -1;
    if (q === undefined) return 1;
    if (p === q) continue;
    if (typeof p === "number" && typeof q === "number") return p - q;
    if (typeof p === "number") return 1;
    if (typeof q === "number") return -1;
    return p < q ? -1 : 1;
  }
  return 0;
}

/** "≥ 4.17.21", "4.17.21, 5.0.0" → clean candidate versions. */
export function cleanFixedVersions(raw: readonly string[]): string[] {
  return raw
    .flatMap((v) => v.split(/[,|]|\s+\|\|\s+/))
    .map((v) => v.trim().replace(/^[<>=^~≥\s]+/, ""))
    .filter((v) => /\d/.test(v));
}

/** The smallest fixed version above the installed one (any fix when the installed version is unknown). */
export function nearestFix(installed: string | null, fixed: readonly string[]): string | null {
  const candidates = cleanFixedVersions(fixed)
    .filter((v) => !installed || compareVersions(v, installed) > 0)
    .sort(compareVersions);
  return candidates[0] ?? null;
}

/** The version that fixes every finding of a package that can be fixed: the highest of their nearest fixes. */
export function upgradeTarget(
  installed: string | null,
  perFinding: readonly (readonly string[])[],
): { target: string | null; unfixed: number } {
  let target: string | null = null;
  let unfixed = 0;
  for (const fixed of perFinding) {
    const v = nearestFix(installed, fixed);
    if (v === null) unfixed++;
    else if (target === null || compareVersions(v, target) > 0) target = v;
  }
  return { target, unfixed };
}

export const SEVERITY_ORDER: Severity[] = ["critical", "high", "medium", "low", "info"];
/** How much risk a finding of each severity carries: one critical outweighs nine highs. */
export const RISK_WEIGHT: Record<Severity, number> = { critical: 1000, high: 100, medium: 10, low: 1, info: 0 };

export type SeverityCounts = Record<Severity, number>;

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** "fixes 3 findings, 1 critical"; "fixes 5 high findings" when they share one severity. */
export function fixesSummary(counts: SeverityCounts): string {
  const total = SEVERITY_ORDER.reduce((n, s) => n + counts[s], 0);
  const present = SEVERITY_ORDER.filter((s) => counts[s] > 0);
  if (present.length === 1) return `fixes ${plural(total, `${present[0]} finding`)}`;
  const worst = present.filter((s) => s === "critical" || s === "high").map((s) => `${counts[s]} ${s}`);
  return `fixes ${plural(total, "finding")}${worst.length ? `, ${worst.join(", ")}` : ""}`;
}

export const locationText = (file: string | null, line: number | null): string | null =>
  file ? `${file}${line ? `:${line}` : ""}` : null;

/**
 * A link to a file and line at a commit, for GitHub and GitLab repositories; null for other hosts.
 * The path comes from a report, so every segment is encoded.
 */
export function sourceLink(repoUrl: string | null, commit: string, file: string | null, line: number | null): string | null {
  if (!repoUrl || !file || !/^[0-9a-f]{7,64}$/i.test(commit)) return null;
  let u: URL;
  try {
    u = new URL(repoUrl);
  } catch {
    return null;
  }
  if (u.protocol !== "https:" && u.protocol !== "http:") return null;
  const host = u.hostname.toLowerCase();
  const kind = /(^|\.)github\./.test(host) ? "github" : /(^|\.)gitlab\./.test(host) ? "gitlab" : null;
  if (!kind) return null;
  const clean = file.replace(/\\/g, "/").replace(/^(\.\/|\/)+/, "");
  if (!clean || clean.split("/").some((s) => s === "..")) return null;
  const path = clean.split("/").map(encodeURIComponent).join("/");
  const base = `${u.origin}${u.pathname.replace(/\/+$/, "").replace(/\.git$/, "")}`;
  const blob = kind === "gitlab" ? "/-/blob/" : "/blob/";
  return `${base}${blob}${commit}/${path}${line && line > 0 ? `#L${line}` : ""}`;
}
