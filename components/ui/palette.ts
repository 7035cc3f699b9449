// Colour-blind-safe palettes (ColorBrewer RdBu, ordered by lightness), shared by badges and charts.
// Colour is never the only signal: every use also shows text or an icon.
import type { Severity } from "@/server/ingest/types";

export const SEVERITY_COLOR: Record<Severity, string> = {
  critical: "#67001f",
  high: "#b2182b",
  medium: "#ef8a62",
  low: "#67a9cf",
  info: "#bababa",
};

/** A shape per severity, so print-outs and colour-blind readers can tell them apart. */
export const SEVERITY_ICON: Record<Severity, string> = {
  critical: "◆",
  high: "▲",
  medium: "●",
  low: "▼",
  info: "○",
};

export const GRADE_COLOR: Record<string, string> = {
  A: "#2166ac",
  B: "#67a9cf",
  C: "#d1e5f0",
  D: "#fddbc7",
  E: "#ef8a62",
  F: "#b2182b",
};

export const DECISION_COLOR = { allow: "#2166ac", block: "#b2182b" } as const;

/** Heatmap fill for an area score (0–100); null (not assessed) is hatched grey in the cell itself. */
export function scoreColor(score: number): string {
  if (score >= 90) return GRADE_COLOR.A!;
  if (score >= 80) return GRADE_COLOR.B!;
  if (score >= 70) return GRADE_COLOR.C!;
  if (score >= 60) return GRADE_COLOR.D!;
  if (score >= 50) return GRADE_COLOR.E!;
  return GRADE_COLOR.F!;
}

/** Dark text on light fills, white on dark ones (WCAG contrast ≥ 4.5 for each palette entry). */
export function textOn(fill: string): string {
  return ["#67001f", "#b2182b", "#2166ac"].includes(fill) ? "#ffffff" : "#0f172a";
}
