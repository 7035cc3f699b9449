"use client";
import { Bar, BarChart, Cell, LabelList, ResponsiveContainer, XAxis, YAxis } from "recharts";
import { GRADE_COLOR } from "@/components/ui/palette";
import { ChartFrame } from "./chart-frame";

export function GradeChart({ data }: { data: { grade: string; count: number }[] }) {
  const summary = `Services by grade: ${data.map((d) => `${d.count} ${d.grade}`).join(", ")}.`;
  return (
    <ChartFrame summary={summary} height={180}>
      <ResponsiveContainer width="100%" height="100%">
        <BarChart data={data} margin={{ top: 18, right: 8, bottom: 0, left: -24 }}>
          <XAxis dataKey="grade" tick={{ fontSize: 13, fontWeight: 600 }} />
          <YAxis allowDecimals={false} tick={{ fontSize: 11 }} />
          <Bar dataKey="count" isAnimationActive={false} stroke="#475569" strokeWidth={1}>
            {data.map((d) => (
              <Cell key={d.grade} fill={GRADE_COLOR[d.grade] ?? "#bababa"} />
            ))}
            <LabelList dataKey="count" position="top" style={{ fontSize: 12, fill: "#0f172a" }} />
          </Bar>
        </BarChart>
      </ResponsiveContainer>
    </ChartFrame>
  );
}
