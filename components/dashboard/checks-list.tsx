import Link from "next/link";
import { CheckStatus } from "@/components/ui/badges";
import type { GateCheck } from "@/server/gate/types";

const show = (v: GateCheck["actual"]) => (v === null ? "—" : String(v));

/** Gate checks as recorded: status, what was measured against what, the message and the way out. */
export function ChecksList({ checks, compact = false }: { checks: GateCheck[]; compact?: boolean }) {
  if (!checks.length) return <p className="text-sm text-slate-600">No checks: the policy has no rules.</p>;
  return (
    <ul className="divide-y divide-slate-100">
      {checks.map((c) => (
        <li key={c.id} className="py-2 text-sm">
          <div className="flex flex-wrap items-center gap-2">
            <CheckStatus status={c.status} />
            <span className="font-medium">{c.title}</span>
            {!compact ? (
              <span className="text-xs text-slate-500">
                actual {show(c.actual)} · threshold {show(c.threshold)}
              </span>
            ) : null}
          </div>
          <p className="mt-0.5 text-slate-700">{c.message}</p>
          {c.remediation ? (
            <p className="mt-0.5 text-slate-900">
              <span className="font-medium">To fix: </span>
              {c.remediation}
            </p>
          ) : null}
          {!compact && c.findings.length ? (
            <p className="mt-1 flex flex-wrap gap-x-2 text-xs">
              <span className="text-slate-500">Findings:</span>
              {c.findings.slice(0, 20).map((id) => (
                <Link key={id} className="font-mono text-brand-700 underline" href={`/findings/${id}`}>
                  {id}
                </Link>
              ))}
              {c.findings.length > 20 ? <span>+{c.findings.length - 20} more</span> : null}
            </p>
          ) : null}
        </li>
      ))}
    </ul>
  );
}
