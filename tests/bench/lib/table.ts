// Markdown tables and number formats for bench output.

export function table(headers: string[], rows: (string | number)[][]): string {
  const cells = rows.map((r) => r.map((c) => String(c)));
  const width = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => (r[i] ?? "").length)));
  const numeric = headers.map(
    (_, i) => cells.length > 0 && cells.every((r) => /^[-+≈<>≥ ]*[\d.,]+( ?[a-zA-Z%]+| \(\d+×\))?$|^$|^–$/.test(r[i] ?? "")),
  );
  const line = (r: string[]) => `| ${r.map((c, i) => (numeric[i] ? c.padStart(width[i]!) : c.padEnd(width[i]!))).join(" | ")} |`;
  const rule = `|${width.map((w, i) => (numeric[i] ? `${"-".repeat(w + 1)}:` : "-".repeat(w + 2))).join("|")}|`;
  return [line(headers), rule, ...cells.map(line)].join("\n");
}

export const int = (n: number) => Math.round(n).toLocaleString("en-US");
export const secs = (ms: number) => (ms / 1000).toFixed(2);
export const mib = (bytes: number) => int(bytes / (1024 * 1024));
export const mb = (bytes: number) => (bytes / 1e6).toFixed(1);
export const pct = (part: number, whole: number) => (whole > 0 ? `${((100 * part) / whole).toFixed(0)}%` : "–");
