// Query strings for links that keep the current filters: server-side filtering, sorting and pagination.
export type Params = Record<string, string | number | readonly string[] | undefined | null>;

export function href(path: string, params: Params, change: Params = {}): string {
  const merged = { ...params, ...change };
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(merged)) {
    if (v === undefined || v === null || v === "") continue;
    if (Array.isArray(v)) for (const x of v) q.append(k, String(x));
    else q.set(k, String(v));
  }
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}
