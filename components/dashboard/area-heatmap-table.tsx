"use client";
import Link from "next/link";
import { GradeBadge, Pill } from "@/components/ui/badges";
import { AREA_SHORT } from "@/components/ui/format";
import { scoreColor, textOn } from "@/components/ui/palette";

const AREAS = [1, 2, 3, 4, 5, 6, 7];

/** One service's row: the area scores (null: not assessed) and open findings, areas 1–7 in order. */
export type HeatmapRow = {
  id: string;
  slug: string;
  name: string;
  team: string;
  tier: string;
  grade: string | null;
  score: number | null;
  areas: (number | null)[];
  open: number[];
  critical: number;
  high: number;
};

/**
 * Services (worst first) × the seven risk areas: each cell is the area score and links to its findings. A client
 * component fed compact rows: rendered on the server all the same, but its 350 linked cells are not sent twice
 * (HTML and the RSC payload's element tree; that tree was a third of the posture page).
 */
export function AreaHeatmapTable({ rows }: { rows: HeatmapRow[] }) {
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
                <GradeBadge grade={r.grade} score={r.score} />
              </td>
              {AREAS.map((a, i) => {
                const score = r.areas[i] ?? null;
                const open = r.open[i] ?? 0;
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
                {r.critical ? <Pill tone="red">◆ {r.critical} critical</Pill> : null}{" "}
                {r.high ? <Pill tone="amber">▲ {r.high} high</Pill> : null}
                {!r.critical && !r.high ? <span className="text-xs text-slate-500">none critical/high</span> : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
