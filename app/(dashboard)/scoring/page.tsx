import type { Metadata } from "next";
import { GradeBadge, SeverityBadge } from "@/components/ui/badges";
import { Section } from "@/components/ui/section";
import { pageApi } from "../_lib/page-kit";

export const metadata: Metadata = { title: "How scoring works" };

const th = "py-2 pr-4 text-left text-xs font-medium text-slate-500 uppercase";
const td = "py-2 pr-4 align-top";

export default async function ScoringPage() {
  const { api } = await pageApi("/scoring");
  const x = await api.posture.scoring();
  return (
    <div className="max-w-4xl space-y-6">
      <div>
        <h1 className="text-2xl font-bold tracking-tight">How scoring works</h1>
        <p className="text-sm text-slate-600">
          Formula version {x.version}. This page is generated from the formula&apos;s own constants.
        </p>
      </div>
      <Section title="In short">
        <ul className="list-disc space-y-1.5 pl-5 text-sm text-slate-700">
          {x.summary.map((s) => (
            <li key={s}>{s}</li>
          ))}
        </ul>
      </Section>
      <Section title="Findings" description={x.severityWhy}>
        <div className="overflow-x-auto">
          <table className="min-w-full text-sm">
            <thead>
              <tr>
                <th scope="col" className={th}>
                  Severity
                </th>
                {x.severities[0]?.costs.map((c) => (
                  <th key={c.findings} scope="col" className={th}>
                    {c.findings} open
                  </th>
                ))}
                <th scope="col" className={th}>
                  At most
                </th>
                <th scope="col" className={th}>
                  SLA
                </th>
                <th scope="col" className={th}>
                  Past SLA, each
                </th>
              </tr>
            </thead>
            <tbody>
              {x.severities.map((s) => (
                <tr key={s.severity} className="border-t border-slate-100">
                  <td className={td}>
                    <SeverityBadge severity={s.severity} />
                  </td>
                  {s.costs.map((c) => (
                    <td key={c.findings} className={`${td} tabular-nums`}>
                      −{c.points}
                    </td>
                  ))}
                  <td className={`${td} tabular-nums`}>−{s.atMost}</td>
                  <td className={td}>{s.slaDays === null ? "none" : `${s.slaDays} days`}</td>
                  <td className={`${td} tabular-nums`}>−{s.slaPoints}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <p className="mt-3 text-sm text-slate-700">{x.repeatFactor.why}</p>
        <p className="mt-1 text-sm text-slate-700">
          {x.sla.source} {x.sla.why} {x.sla.weightsWhy}
        </p>
      </Section>
      <Section title="Risk areas and their evidence" description={x.evidenceWhy}>
        <table className="min-w-full text-sm">
          <thead>
            <tr>
              <th scope="col" className={th}>
                Area
              </th>
              <th scope="col" className={th}>
                Assessed by
              </th>
            </tr>
          </thead>
          <tbody>
            {x.areas.map((a) => (
              <tr key={a.area} className="border-t border-slate-100">
                <td className={td}>
                  {a.area}. {a.name}
                </td>
                <td className={td}>{a.assessedBy}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <p className="mt-3 text-sm text-slate-700">
          Evidence older than {x.freshness.staleAfterDays} days costs {x.freshness.stalePoints} points; older than{" "}
          {x.freshness.notAssessedAfterDays} days it no longer counts. {x.freshness.why}
        </p>
        <p className="mt-1 text-sm text-slate-700">{x.posture}</p>
      </Section>
      <Section
        title="Gatehouse's own signals (area 7)"
        description={`Over the last ${x.signalWindow.days} days. ${x.signalWindow.why}`}
      >
        <ul className="space-y-2 text-sm">
          {x.signals.map((s) => (
            <li key={s.id}>
              <span className="font-medium">{s.label}</span>: −{s.points}. <span className="text-slate-600">{s.why}</span>
            </li>
          ))}
        </ul>
      </Section>
      <Section title="Overall score, grades and caps" description={x.overall.why}>
        <p className="font-mono text-sm">{x.overall.text}</p>
        <ul className="mt-3 flex flex-wrap gap-3 text-sm">
          {x.grades.map((g) => (
            <li key={g.grade} className="flex items-center gap-2">
              <GradeBadge grade={g.grade} /> {g.min}–{g.max}
            </li>
          ))}
        </ul>
        <p className="mt-2 text-sm text-slate-600">{x.gradesWhy}</p>
        <ul className="mt-3 space-y-2 text-sm">
          {x.caps.map((c) => (
            <li key={c.id}>
              At most <strong>{c.grade}</strong> when {c.when}. <span className="text-slate-600">{c.why}</span>
            </li>
          ))}
        </ul>
        <p className="mt-3 text-sm text-slate-700">{x.determinism}</p>
      </Section>
    </div>
  );
}
