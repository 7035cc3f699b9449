"use client";
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { DECISION_COLOR } from "@/components/ui/palette";
import { ChartFrame } from "./chart-frame";

export type GateWeek = { week: string; allow: number; block: number };

export function GateRateChart({ stage, weeks }: { stage: string; weeks: GateWeek[] }) {
  const allow = weeks.reduce((n, w) => n + w.allow, 0);
  const block = weeks.reduce((n, w) => n + w.block, 0);
  const summary = `${stage}: ${allow} allowed and ${block} blocked over ${weeks.length} weeks.`;
  return (
    <ChartFrame
      summary={summary}
      height={160}
      table={
        <table className="min-w-full text-xs">
          <thead>
            <tr className="text-left text-slate-500">
              <th className="pr-3">Week of</th>
              <th className="pr-3">Allowed</th>
              <th className="pr-3">Blocked</th>
            </tr>
          </thead>
          <tbody>
            {weeks.map((w) => (
              <tr key={w.week}>
                <td className="pr-3 tabular-nums">{w.week}</td>
                <td className="pr-3 tabular-nums">{w.allow}</td>
                <td className="pr-3 tabular-nums">{w.block}</td>
              </tr>
            ))}
          </tbody>
        </table>
      }
    >
      <ResponsiveContainer width="100%" height="100%">
        <BarChart data={weeks} margin={{ top: 8, right: 8, bottom: 0, left: -24 }}>
          <CartesianGrid strokeDasharray="3 3" stroke="#e2e8f0" vertical={false} />
          <XAxis dataKey="week" tick={{ fontSize: 10 }} tickFormatter={(d: string) => d.slice(5)} minTickGap={16} />
          <YAxis allowDecimals={false} tick={{ fontSize: 10 }} />
          <Tooltip />
          <Legend
            itemSorter={null}
            formatter={(v: string) => (v === "allow" ? "✓ allowed" : "✕ blocked")}
            wrapperStyle={{ fontSize: 11 }}
          />
          <Bar dataKey="allow" stackId="d" fill={DECISION_COLOR.allow} isAnimationActive={false} />
          <Bar dataKey="block" stackId="d" fill={DECISION_COLOR.block} isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
    </ChartFrame>
  );
}
