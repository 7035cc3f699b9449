/** The database's own message behind drizzle's "Failed query" wrapper. */
export function rootMessage(e: unknown): string {
  let cur: unknown = e;
  const parts: string[] = [];
  for (let i = 0; i < 5 && cur; i++) {
    parts.push((cur as Error).message ?? String(cur));
    cur = (cur as { cause?: unknown }).cause;
  }
  return parts.join(" | ");
}
