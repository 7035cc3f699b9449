// Line diffs between policy versions, over a canonical rendering (sorted keys) so that only real changes show. Pure.
import { stringify as stringifyYaml } from "yaml";

export const POLICY_FORMATS = ["yaml", "json"] as const;
export type PolicyFormat = (typeof POLICY_FORMATS)[number];

export type DiffLine = {
  kind: "added" | "removed" | "unchanged";
  text: string;
  /** 1-based line number in the old text (null for an added line) */
  oldLine: number | null;
  /** 1-based line number in the new text (null for a removed line) */
  newLine: number | null;
};

export type DiffHunk = { oldStart: number; oldLines: number; newStart: number; newLines: number; lines: DiffLine[] };

export type PolicyDiff = { format: PolicyFormat; added: number; removed: number; hunks: DiffHunk[] };

/** Beyond this many cells the middle of the texts is shown as replaced rather than aligned (bounded memory). */
const MAX_LCS_CELLS = 4_000_000;

/** Objects with their keys sorted (recursively); arrays keep their order, since it can matter. */
export function canonicalize(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonicalize);
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = canonicalize(v);
    }
    return out;
  }
  return value;
}

/** A policy document as canonical YAML or pretty JSON: the same document always renders to the same text. */
export function renderPolicy(document: unknown, format: PolicyFormat): string {
  const doc = canonicalize(document);
  if (format === "json") return `${JSON.stringify(doc, null, 2)}\n`;
  return stringifyYaml(doc, { lineWidth: 0 });
}

const splitLines = (text: string): string[] => {
  if (text === "") return [];
  const lines = text.split(/\r?\n/);
  if (lines[lines.length - 1] === "") lines.pop();
  return lines;
};

/** Every line of both texts, in order, marked added, removed or unchanged (longest common subsequence). */
export function diffLines(oldText: string, newText: string): DiffLine[] {
  const a = splitLines(oldText);
  const b = splitLines(newText);
  // The common prefix and suffix need no table; usually only a few lines in the middle differ.
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const out: DiffLine[] = [];
  const same = (i: number, j: number) => out.push({ kind: "unchanged", text: a[i]!, oldLine: i + 1, newLine: j + 1 });
  const removed = (i: number) => out.push({ kind: "removed", text: a[i]!, oldLine: i + 1, newLine: null });
  const added = (j: number) => out.push({ kind: "added", text: b[j]!, oldLine: null, newLine: j + 1 });

  for (let i = 0; i < start; i++) same(i, i);
  const n = endA - start;
  const m = endB - start;
  if (n * m > MAX_LCS_CELLS) {
    for (let i = start; i < endA; i++) removed(i);
    for (let j = start; j < endB; j++) added(j);
  } else {
    // lcs[i][j]: length of the LCS of a[start+i..endA) and b[start+j..endB), flattened row by row.
    const w = m + 1;
    const lcs = new Uint32Array((n + 1) * w);
    for (let i = n - 1; i >= 0; i--) {
      for (let j = m - 1; j >= 0; j--) {
        lcs[i * w + j] =
          a[start + i] === b[start + j] ? lcs[(i + 1) * w + j + 1]! + 1 : Math.max(lcs[(i + 1) * w + j]!, lcs[i * w + j + 1]!);
      }
    }
    let i = 0;
    let j = 0;
    while (i < n && j < m) {
      if (a[start + i] === b[start + j]) {
        same(start + i, start + j);
        i++;
        j++;
      } else if (lcs[(i + 1) * w + j]! >= lcs[i * w + j + 1]!) {
        removed(start + i);
        i++;
      } else {
        added(start + j);
        j++;
      }
    }
    for (; i < n; i++) removed(start + i);
    for (; j < m; j++) added(start + j);
  }
  for (let k = 0; k < a.length - endA; k++) same(endA + k, endB + k);
  return out;
}

/** The changed lines with `context` unchanged lines around them; nearby changes share one hunk. */
export function toHunks(lines: DiffLine[], context = 3): DiffHunk[] {
  const changed = lines.flatMap((l, i) => (l.kind === "unchanged" ? [] : [i]));
  if (changed.length === 0) return [];
  const ranges: [number, number][] = [];
  for (const i of changed) {
    const from = Math.max(0, i - context);
    const to = Math.min(lines.length - 1, i + context);
    const last = ranges[ranges.length - 1];
    if (last && from <= last[1] + 1) last[1] = Math.max(last[1], to);
    else ranges.push([from, to]);
  }
  return ranges.map(([from, to]) => {
    const slice = lines.slice(from, to + 1);
    // A hunk that starts with an insertion begins after the previous old line (as in unified diffs).
    const oldBefore = lines.slice(0, from).filter((l) => l.oldLine !== null).length;
    const newBefore = lines.slice(0, from).filter((l) => l.newLine !== null).length;
    const oldLines = slice.filter((l) => l.oldLine !== null).length;
    const newLines = slice.filter((l) => l.newLine !== null).length;
    return {
      oldStart: oldLines ? oldBefore + 1 : oldBefore,
      oldLines,
      newStart: newLines ? newBefore + 1 : newBefore,
      newLines,
      lines: slice,
    };
  });
}

/** The changes from one policy document to another, in the chosen rendering. */
export function diffPolicies(from: unknown, to: unknown, opts: { format?: PolicyFormat; context?: number } = {}): PolicyDiff {
  const format = opts.format ?? "yaml";
  const lines = diffLines(renderPolicy(from, format), renderPolicy(to, format));
  return {
    format,
    added: lines.filter((l) => l.kind === "added").length,
    removed: lines.filter((l) => l.kind === "removed").length,
    hunks: toHunks(lines, opts.context ?? 3),
  };
}

/** A hunk header in unified-diff form, e.g. "@@ -3,7 +3,8 @@". */
export const hunkHeader = (h: DiffHunk): string => `@@ -${h.oldStart},${h.oldLines} +${h.newStart},${h.newLines} @@`;
