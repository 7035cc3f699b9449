"use client";
import { Area, AreaChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { SEVERITY_COLOR, SEVERITY_ICON } from "@/components/ui/palette";
import type { Severity } from "@/server/ingest/types";
import { ChartFrame } from "./chart-frame";

const SHOWN: Severity[] = ["critical", "high", "medium", "low"];
export type OpenTrendPoint = { day: string } & Record<Severity, number>;

export function OpenTrendChart({ data }: { data: OpenTrendPoint[] }) {
  const last = data[data.length - 1];
  const summary = last
    ? `Open findings by severity over ${data.length} days; on ${last.day}: ${SHOWN.map((s) => `${last[s]} ${s}`).join(", ")}.`
    : "No daily scorecards yet.";
  return (
    <ChartFrame
      summary={summary}
      height={240}
      table={
        <table className="min-w-full text-xs">
          <thead>
            <tr className="text-left text-slate-500">
              <th className="pr-3">Day</th>
              {SHOWN.map((s) => (
                <th key={s} className="pr-3 capitalize">
                  {s}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {data.map((p) => (
              <tr key={p.day}>
                <td className="pr-3 tabular-nums">{p.day}</td>
                {SHOWN.map((s) => (
                  <td key={s} className="pr-3 tabular-nums">
                    {p[s]}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      }
    >
      <ResponsiveContainer width="100%" height="100%">
        <AreaChart data={data} margin={{ top: 8, right: 8, bottom: 0, left: -16 }}>
          <CartesianGrid strokeDasharray="3 3" stroke="#e2e8f0" />
          <XAxis dataKey="day" tick={{ fontSize: 11 }} tickFormatter={(d: string) => d.slice(5)} minTickGap={24} />
          <YAxis allowDecimals={false} tick={{ fontSize: 11 }} />
          <Tooltip />
          <Legend
            itemSorter={null}
            formatter={(v: string) => `${SEVERITY_ICON[v as Severity] ?? ""} ${v}`}
            wrapperStyle={{ fontSize: 12 }}
          />
          {SHOWN.map((s) => (
            <Area
              key={s}
              type="monotone"
              dataKey={s}
              stackId="1"
              stroke={SEVERITY_COLOR[s]}
              fill={SEVERITY_COLOR[s]}
              fillOpacity={0.85}
              isAnimationActive={false}
            />
          ))}
        </AreaChart>
      </ResponsiveContainer>
    </ChartFrame>
  );
}
