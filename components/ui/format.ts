// Formatting shared by the pages. Ages are computed against a `now` the server passes in.
const DAY = 86_400_000;

export function ago(iso: string | null, now: Date): string {
  if (!iso) return "never";
  const ms = now.getTime() - new Date(iso).getTime();
  if (ms < 60_000) return "just now";
  if (ms < 3_600_000) return `${Math.floor(ms / 60_000)} min ago`;
  if (ms < DAY) return `${Math.floor(ms / 3_600_000)} h ago`;
  const d = Math.floor(ms / DAY);
  return d === 1 ? "1 day ago" : `${d} days ago`;
}

export const ageDays = (iso: string | null, now: Date): number | null =>
  iso ? Math.floor((now.getTime() - new Date(iso).getTime()) / DAY) : null;

export const shortSha = (sha: string | null) => (sha ? sha.slice(0, 8) : "—");
export const shortDigest = (d: string | null) => (d ? `${d.slice(0, 7 + 12)}…` : "—");

export const dateTime = (iso: string) => new Date(iso).toISOString().replace("T", " ").slice(0, 16) + " UTC";
export const day = (iso: string) => new Date(iso).toISOString().slice(0, 10);

export const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString("en")} ${n === 1 ? one : many}`;

export const AREA_SHORT: Record<number, string> = {
  1: "Code",
  2: "Pipeline",
  3: "Dependencies",
  4: "Secrets",
  5: "IaC",
  6: "Attack surface",
  7: "Logging",
};
