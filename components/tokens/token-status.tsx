import type { TokenStatus } from "@/server/tokens/tokens";

// Text and a shape, never colour alone.
const STYLE: Record<TokenStatus, { icon: string; cls: string; hint: string }> = {
  active: { icon: "●", cls: "border-blue-300 bg-blue-50 text-blue-900", hint: "accepted" },
  grace: { icon: "◐", cls: "border-amber-400 bg-amber-50 text-amber-900", hint: "rotated; accepted until it expires" },
  expired: { icon: "○", cls: "border-slate-300 bg-slate-100 text-slate-700", hint: "no longer accepted" },
  revoked: { icon: "✕", cls: "border-red-400 bg-red-50 text-red-900", hint: "no longer accepted" },
};

export function TokenStatusBadge({ status }: { status: TokenStatus }) {
  const s = STYLE[status];
  return (
    <span
      title={s.hint}
      className={`inline-flex items-center gap-1 rounded border px-1.5 py-0.5 text-xs font-semibold uppercase ${s.cls}`}
    >
      <span aria-hidden="true">{s.icon}</span>
      {status}
    </span>
  );
}
