import Link from "next/link";
import { GradeBadge, Pill } from "@/components/ui/badges";
import { AREA_SHORT } from "@/components/ui/format";
import { scoreColor, textOn } from "@/components/ui/palette";
import type { Severity } from "@/server/ingest/types";
import type { PostureRow } from "@/server/views/posture";

const AREAS = [1, 2, 3, 4, 5, 6, 7];
const sum = (o: Record<Severity, number> | undefined) => (o ? Object.values(o).reduce((a, b) => a + b, 0) : 0);

/** Services (worst first) × the seven risk areas: each cell is the area score and links to its findings. */
export function AreaHeatmap({ rows }: { rows: PostureRow[] }) {
  return (
    <div className="-mx-4 overflow-x-auto sm:mx-0">
      <table className="min-w-full border-separate border-spacing-1 text-sm">
        <thead>
          <tr className="text-left text-xs text-slate-500">
            <th scope="col" className="sticky left-0 z-10 bg-white px-2 py-1">
              Service
            </th>
            <th scope="col" className="px-2 py-1">
              Grade
            </th>
            {AREAS.map((a) => (
              <th key={a} scope="col" className="px-1 py-1 text-center font-medium">
                <span className="block text-slate-400">{a}</span>
                {AREA_SHORT[a]}
              </th>
            ))}
            <th scope="col" className="px-2 py-1">
              Open
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.id}>
              <th scope="row" className="sticky left-0 z-10 bg-white px-2 py-1 text-left font-medium">
                <Link className="text-brand-700 underline" href={`/services/${r.slug}`}>
                  {r.name}
                </Link>
                <span className="block text-xs font-normal text-slate-500">
                  {r.team} · {r.tier}
                </span>
              </th>
              <td className="px-2 py-1">
                <GradeBadge grade={r.score?.grade ?? null} score={r.score?.score} />
              </td>
              {AREAS.map((a) => {
                const area = r.score?.areas.find((x) => x.area === a);
                const open = sum(r.open[a]);
                const score = area?.score ?? null;
                const fill = score === null ? null : scoreColor(score);
                const label = `${r.name}, ${AREA_SHORT[a]}: ${score === null ? "not assessed" : `score ${score}`}, ${open} open findings`;
                return (
                  <td key={a} className="p-0">
                    <Link
                      href={`/findings?service=${r.slug}&area=${a}`}
                      aria-label={label}
                      title={label}
                      className={fill === null ? "heat-cell heat-na" : "heat-cell"}
                      style={fill === null ? undefined : { backgroundColor: fill, color: textOn(fill) }}
                    >
                      <span className="heat-score">{score === null ? "n/a" : score}</span>
                      <span className="heat-open">{open} open</span>
                    </Link>
                  </td>
                );
              })}
              <td className="px-2 py-1 whitespace-nowrap">
                {r.openTotal.critical ? <Pill tone="red">◆ {r.openTotal.critical} critical</Pill> : null}{" "}
                {r.openTotal.high ? <Pill tone="amber">▲ {r.openTotal.high} high</Pill> : null}
                {!r.openTotal.critical && !r.openTotal.high ? (
                  <span className="text-xs text-slate-500">none critical/high</span>
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
