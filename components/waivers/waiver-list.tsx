import Link from "next/link";
import type { RouterOutputs } from "@/components/trpc/types";
import { Pill } from "@/components/ui/badges";
import { dateTime } from "@/components/ui/format";
import { TimeAgo } from "@/components/ui/time-ago";
import { relative } from "./format";
import { WAIVER_STATUS } from "./status";
import { WaiverActions } from "./waiver-actions";

type Waiver = RouterOutputs["waivers"]["list"]["items"][number];

/**
 * Waivers as cards: what they cover, why, who asked and who approved, until when.
 * `reviewer` is the label of a signed-in reviewer (security staff, admins), who gets approve and revoke; else null.
 */
export function WaiverList({ items, now, reviewer }: { items: readonly Waiver[]; now: Date; reviewer: string | null }) {
  return (
    <ul className="divide-y divide-slate-100" aria-label="Waivers">
      {items.map((w) => (
        <WaiverItem key={w.id} w={w} now={now} reviewer={reviewer} />
      ))}
    </ul>
  );
}

function WaiverItem({ w, now, reviewer }: { w: Waiver; now: Date; reviewer: string | null }) {
  const s = WAIVER_STATUS[w.status];
  return (
    <li className="space-y-1.5 p-4 text-sm" data-testid="waiver">
      <div className="flex flex-wrap items-center gap-2">
        <Pill tone={s.tone}>
          <span aria-hidden="true" className="mr-1">
            {s.icon}
          </span>
          {w.status}
        </Pill>
        <span className="font-medium">{w.kind === "false_positive" ? "False positive" : "Waiver"}</span>
        <span className="text-slate-500">for</span>
        {w.service ? (
          <Link className="text-brand-700 underline" href={`/services/${w.service}`}>
            {w.service}
          </Link>
        ) : (
          <span className="font-medium">every service</span>
        )}
        {w.team ? <span className="text-xs text-slate-500">team {w.team}</span> : null}
        <span className="text-xs text-slate-500">· {w.stages ? `stages ${w.stages.join(", ")}` : "every stage"}</span>
      </div>
      <p>
        <span className="text-slate-500">Covers </span>
        <code className="rounded bg-slate-100 px-1 font-mono text-xs break-all">
          {w.match.type}: {w.match.value}
        </code>
      </p>
      <p className="whitespace-pre-line text-slate-800">{w.reason}</p>
      <dl className="grid gap-x-6 gap-y-0.5 text-xs text-slate-600 sm:grid-cols-3">
        <div>
          <dt className="inline">Requested by </dt>
          <dd className="inline wrap-anywhere">
            {w.createdBy} · <TimeAgo iso={w.createdAt} now={now} />
          </dd>
        </div>
        <div>
          <dt className="inline">{w.expiresAt && new Date(w.expiresAt) <= now ? "Expired " : "Expires "}</dt>
          <dd className="inline">
            {w.expiresAt ? (
              <time dateTime={w.expiresAt} title={dateTime(w.expiresAt)}>
                {relative(w.expiresAt, now)} ({w.expiresAt.slice(0, 10)})
              </time>
            ) : (
              "never (false positive)"
            )}
          </dd>
        </div>
        <div>
          {w.revokedBy && w.revokedAt ? (
            <>
              <dt className="inline">{w.approvedBy ? "Revoked by " : "Rejected by "}</dt>
              <dd className="inline wrap-anywhere">
                {w.revokedBy} · <TimeAgo iso={w.revokedAt} now={now} />
              </dd>
            </>
          ) : w.approvedBy && w.approvedAt ? (
            <>
              <dt className="inline">Approved by </dt>
              <dd className="inline wrap-anywhere">
                {w.approvedBy} · <TimeAgo iso={w.approvedAt} now={now} />
              </dd>
            </>
          ) : (
            <>
              <dt className="sr-only">Approval</dt>
              <dd className="inline">awaiting approval by the security team</dd>
            </>
          )}
        </div>
      </dl>
      {reviewer !== null ? <WaiverActions id={w.id} status={w.status} ownRequest={w.createdBy === reviewer} /> : null}
    </li>
  );
}
