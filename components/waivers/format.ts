import { ago } from "@/components/ui/format";

const DAY = 86_400_000;

/** A time before or after `now` in words: "in 5 days", "in 3 h", or the past as ago() says it. */
export function relative(iso: string, now: Date): string {
  const ms = new Date(iso).getTime() - now.getTime();
  if (ms <= 0) return ago(iso, now);
  if (ms < 3_600_000) return `in ${Math.max(1, Math.floor(ms / 60_000))} min`;
  // Rounded, not floored: a 7-day waiver created a minute ago still reads "in 7 days".
  if (ms < DAY) return `in ${Math.round(ms / 3_600_000)} h`;
  const d = Math.round(ms / DAY);
  return d === 1 ? "in 1 day" : `in ${d} days`;
}
