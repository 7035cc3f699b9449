import { DataTable, type Column } from "@/components/list/data-table";
import type { RouterOutputs } from "@/components/trpc/types";
import { dateTime } from "@/components/ui/format";
import { TimeAgo } from "@/components/ui/time-ago";
import { TokenActions } from "./token-actions";
import { TokenStatusBadge } from "./token-status";

type Token = RouterOutputs["tokens"]["list"][number];

/** Machine tokens (never their secrets): scopes, binding, expiry, last use; revoke and rotate where `canChange` says. */
export function TokensTable({
  tokens,
  canChange,
  now,
}: {
  tokens: readonly Token[];
  /** a hint only: the server decides again on every revoke and rotate */
  canChange: (t: Token) => boolean;
  now: Date;
}) {
  const columns: Column<Token>[] = [
    {
      id: "token",
      header: "Token",
      cell: (t) => (
        <>
          <span className="font-medium">{t.name}</span>
          <span className="block font-mono text-xs text-slate-500">{t.displayPrefix}…</span>
          <span className="block text-xs text-slate-500">
            by {t.createdBy}, <TimeAgo iso={t.createdAt.toISOString()} now={now} />
          </span>
        </>
      ),
    },
    { id: "status", header: "Status", cell: (t) => <TokenStatusBadge status={t.status} /> },
    {
      id: "scopes",
      header: "Scopes",
      cell: (t) => (
        <ul className="flex flex-wrap gap-1">
          {t.scopes.map((s) => (
            <li key={s} className="rounded bg-slate-100 px-1.5 py-0.5 font-mono text-xs">
              {s}
            </li>
          ))}
        </ul>
      ),
    },
    {
      id: "binding",
      header: "Binding",
      cell: (t) => (
        <>
          <span className="font-medium">{t.team ?? "Organisation-wide"}</span>
          <span className="block text-xs text-slate-600">
            {t.team === null ? "stage policies" : t.services ? t.services.join(", ") : "every service"}
          </span>
        </>
      ),
    },
    {
      id: "expires",
      header: "Expires",
      className: "whitespace-nowrap text-slate-700",
      cell: (t) =>
        t.revokedAt ? (
          <span>revoked {dateTime(t.revokedAt.toISOString())}</span>
        ) : (
          <time dateTime={t.expiresAt.toISOString()}>{dateTime(t.expiresAt.toISOString())}</time>
        ),
    },
    {
      id: "last-used",
      header: "Last used",
      className: "whitespace-nowrap text-slate-700",
      cell: (t) => (
        <>
          <TimeAgo iso={t.lastUsedAt?.toISOString() ?? null} now={now} />
          {t.lastUsedIp ? <span className="block font-mono text-xs text-slate-500">{t.lastUsedIp}</span> : null}
        </>
      ),
    },
    {
      id: "actions",
      header: "Actions",
      hideHeader: true,
      cell: (t) => (canChange(t) ? <TokenActions id={t.id} name={t.name} canRotate={t.status === "active"} /> : null),
    },
  ];
  return (
    <DataTable
      label="Tokens"
      columns={columns}
      rows={tokens}
      rowKey={(t) => t.id}
      rowData={(t) => ({ "data-token-id": t.id })}
      bleed
    />
  );
}
