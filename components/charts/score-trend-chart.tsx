"use client";
import { CartesianGrid, Line, LineChart, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { ChartFrame } from "./chart-frame";

export type ScorePoint = { day: string; score: number; grade: string };

export function ScoreTrendChart({ data }: { data: ScorePoint[] }) {
  const first = data[0];
  const last = data[data.length - 1];
  const summary =
    first && last
      ? `Score from ${first.score} (${first.grade}) on ${first.day} to ${last.score} (${last.grade}) on ${last.day}.`
      : "No daily scorecards yet.";
  return (
    <ChartFrame
      summary={summary}
      height={200}
      table={
        <table className="min-w-full text-xs">
          <thead>
            <tr className="text-left text-slate-500">
              <th className="pr-3">Day</th>
              <th className="pr-3">Score</th>
              <th className="pr-3">Grade</th>
            </tr>
          </thead>
          <tbody>
            {data.map((p) => (
              <tr key={p.day}>
                <td className="pr-3 tabular-nums">{p.day}</td>
                <td className="pr-3 tabular-nums">{p.score}</td>
                <td className="pr-3">{p.grade}</td>
              </tr>
            ))}
          </tbody>
        </table>
      }
    >
      <ResponsiveContainer width="100%" height="100%">
        <LineChart data={data} margin={{ top: 8, right: 12, bottom: 0, left: -20 }}>
          <CartesianGrid strokeDasharray="3 3" stroke="#e2e8f0" />
          <XAxis dataKey="day" tick={{ fontSize: 11 }} tickFormatter={(d: string) => d.slice(5)} minTickGap={24} />
          <YAxis domain={[0, 100]} ticks={[0, 50, 60, 70, 80, 90, 100]} tick={{ fontSize: 11 }} />
          {[90, 80, 70, 60, 50].map((y) => (
            <ReferenceLine key={y} y={y} stroke="#cbd5e1" strokeDasharray="2 4" />
          ))}
          <Tooltip formatter={(v) => [String(v), "score"]} />
          <Line type="monotone" dataKey="score" stroke="#1e40af" strokeWidth={2} dot={false} isAnimationActive={false} />
        </LineChart>
      </ResponsiveContainer>
    </ChartFrame>
  );
}
