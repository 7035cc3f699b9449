import type { ReactNode } from "react";
import type { Severity } from "@/server/ingest/types";
import { DECISION_COLOR, GRADE_COLOR, SEVERITY_COLOR, SEVERITY_ICON, textOn } from "./palette";

const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

export function SeverityBadge({ severity, count }: { severity: Severity; count?: number }) {
  const fill = SEVERITY_COLOR[severity];
  return (
    <span
      className="inline-flex items-center gap-1 rounded px-1.5 py-0.5 text-xs font-semibold whitespace-nowrap"
      style={{ backgroundColor: fill, color: textOn(fill) }}
    >
      <span aria-hidden="true">{SEVERITY_ICON[severity]}</span>
      {count !== undefined ? `${count} ${severity}` : cap(severity)}
    </span>
  );
}

export function GradeBadge({ grade, score, size = "md" }: { grade: string | null; score?: number | null; size?: "md" | "lg" }) {
  if (!grade)
    return (
      <span className="inline-flex items-center rounded border border-dashed border-slate-400 px-2 py-0.5 text-xs text-slate-600">
        not scored
      </span>
    );
  const fill = GRADE_COLOR[grade] ?? "#bababa";
  const big = size === "lg";
  return (
    <span
      className="inline-flex items-center gap-2"
      aria-label={`Grade ${grade}${score !== null && score !== undefined ? `, score ${score}` : ""}`}
    >
      <span
        className={`inline-flex items-center justify-center rounded-md font-bold ${big ? "h-14 w-14 text-3xl" : "h-7 w-7 text-sm"}`}
        style={{ backgroundColor: fill, color: textOn(fill) }}
      >
        {grade}
      </span>
      {score !== null && score !== undefined ? (
        <span className={`tabular-nums text-slate-600 ${big ? "text-lg" : "text-xs"}`}>{score}</span>
      ) : null}
    </span>
  );
}

export function DecisionBadge({ decision }: { decision: "allow" | "block" | null }) {
  if (!decision) return <span className="text-xs text-slate-500">no decision</span>;
  const fill = DECISION_COLOR[decision];
  return (
    <span
      className="inline-flex items-center gap-1 rounded px-1.5 py-0.5 text-xs font-semibold uppercase"
      style={{ backgroundColor: fill, color: textOn(fill) }}
    >
      <span aria-hidden="true">{decision === "allow" ? "✓" : "✕"}</span>
      {decision}
    </span>
  );
}

const CHECK_STYLE = {
  pass: { icon: "✓", label: "pass", cls: "border-blue-300 bg-blue-50 text-blue-900" },
  warn: { icon: "!", label: "warn", cls: "border-amber-400 bg-amber-50 text-amber-900" },
  fail: { icon: "✕", label: "fail", cls: "border-red-400 bg-red-50 text-red-900" },
} as const;

export function CheckStatus({ status }: { status: "pass" | "warn" | "fail" }) {
  const s = CHECK_STYLE[status];
  return (
    <span className={`inline-flex items-center gap-1 rounded border px-1.5 py-0.5 text-xs font-semibold uppercase ${s.cls}`}>
      <span aria-hidden="true">{s.icon}</span>
      {s.label}
    </span>
  );
}

export function Pill({ children, tone = "slate" }: { children: ReactNode; tone?: "slate" | "amber" | "red" | "blue" }) {
  const cls = {
    slate: "bg-slate-100 text-slate-700 border-slate-200",
    amber: "bg-amber-50 text-amber-900 border-amber-300",
    red: "bg-red-50 text-red-900 border-red-300",
    blue: "bg-blue-50 text-blue-900 border-blue-200",
  }[tone];
  return <span className={`inline-flex items-center rounded border px-1.5 py-0.5 text-xs font-medium ${cls}`}>{children}</span>;
}
