import Link from "next/link";
import { ScoreTrendChart } from "@/components/charts/score-trend-chart";
import type { RouterOutputs } from "@/components/trpc/types";
import { GradeBadge, Pill, SeverityBadge } from "@/components/ui/badges";
import { Section } from "@/components/ui/section";

/** The live scorecard by risk area with its deductions, caps and 90-day trend; counts link to their findings. */
export async function ScorecardSection({ data, slug }: { data: Promise<RouterOutputs["services"]["scorecard"]>; slug: string }) {
  const { card, trend } = await data;
  return (
    <Section
      id="scorecard"
      title="Scorecard"
      description={
        <>
          Seven CI/CD risk areas, each from 100 down.{" "}
          <Link className="underline" href="/scoring">
            How scoring works
          </Link>
        </>
      }
    >
      <div className="grid gap-6 lg:grid-cols-3">
        <div className="space-y-3">
          <GradeBadge grade={card.grade} score={card.score} size="lg" />
          {card.uncappedScore !== card.score || card.caps.length ? (
            <ul className="space-y-1 text-sm">
              {card.caps.map((c) => (
                <li key={c.id} className="text-slate-700">
                  <Pill tone="amber">capped at {c.grade}</Pill> {c.reason}
                </li>
              ))}
            </ul>
          ) : null}
          <div className="flex flex-wrap gap-1">
            {(["critical", "high", "medium", "low"] as const).map((s) =>
              card.openBySeverity[s] ? (
                <Link key={s} href={`/findings?service=${slug}&severity=${s}`}>
                  <SeverityBadge severity={s} count={card.openBySeverity[s]} />
                </Link>
              ) : null,
            )}
          </div>
          <div>
            <h3 className="text-sm font-semibold">90-day trend</h3>
            {trend.length ? (
              <ScoreTrendChart data={trend} />
            ) : (
              <p className="text-sm text-slate-600">No daily scorecards yet: the trend starts with the first daily snapshot.</p>
            )}
          </div>
        </div>
        <div className="overflow-x-auto lg:col-span-2">
          <table className="min-w-full text-sm">
            <thead>
              <tr className="border-b border-slate-200 text-left text-xs text-slate-500 uppercase">
                <th scope="col" className="py-2 pr-3">
                  Risk area
                </th>
                <th scope="col" className="py-2 pr-3">
                  Score
                </th>
                <th scope="col" className="py-2 pr-3">
                  Evidence
                </th>
                <th scope="col" className="py-2 pr-3">
                  Deductions
                </th>
              </tr>
            </thead>
            <tbody>
              {card.areas.map((a) => (
                <tr key={a.area} className="border-b border-slate-100 align-top">
                  <th scope="row" className="py-2 pr-3 text-left font-medium">
                    <Link className="text-brand-700 underline" href={`/findings?service=${slug}&area=${a.area}`}>
                      {a.area}. {a.name}
                    </Link>
                  </th>
                  <td className="py-2 pr-3">
                    {a.status === "assessed" ? (
                      <GradeBadge grade={a.grade} score={a.score} />
                    ) : (
                      <span className="text-xs text-slate-600">
                        <Pill>not assessed</Pill>
                        <span className="mt-1 block">{a.notAssessedReason}</span>
                      </span>
                    )}
                  </td>
                  <td className="py-2 pr-3 text-xs text-slate-600">
                    {a.evidence.kinds.length ? a.evidence.kinds.join(", ") : "none"}
                    {a.evidence.ageDays !== null ? <span className="block">{a.evidence.ageDays} days old</span> : null}
                    {a.evidence.stale ? <Pill tone="amber">stale</Pill> : null}
                  </td>
                  <td className="py-2 pr-3">
                    {a.deductions.length === 0 ? (
                      <span className="text-xs text-slate-500">none</span>
                    ) : (
                      <ul className="space-y-0.5 text-xs">
                        {a.deductions.map((d) => (
                          <li key={d.id}>
                            <span className="font-semibold tabular-nums">−{d.points}</span> {d.reason}
                          </li>
                        ))}
                      </ul>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </div>
    </Section>
  );
}
