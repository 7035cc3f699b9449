import { ago, dateTime } from "./format";

/** A relative time with the exact one for hover and assistive technology. */
export function TimeAgo({ iso, now }: { iso: string | null; now: Date }) {
  if (!iso) return <span className="text-slate-500">never</span>;
  return (
    <time dateTime={iso} title={dateTime(iso)}>
      {ago(iso, now)}
    </time>
  );
}
