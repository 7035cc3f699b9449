import Link from "next/link";
import type { RouterOutputs } from "@/components/trpc/types";
import { Pill } from "@/components/ui/badges";
import { Section } from "@/components/ui/section";
import { TimeAgo } from "@/components/ui/time-ago";
import { WaiverActions } from "@/components/waivers/waiver-actions";

/** The service's pending and active waivers; reviewers approve and revoke them here. */
export async function WaiversSection({
  data,
  slug,
  now,
  reviewer,
}: {
  data: Promise<RouterOutputs["services"]["waivers"]>;
  slug: string;
  now: Date;
  /** who may approve and revoke here (security staff and admins; their label is their email), or null */
  reviewer: string | null;
}) {
  const all = await data;
  const shown = all.filter((w) => w.status === "pending" || w.status === "active");
  return (
    <Section id="waivers" title="Waivers and false positives" description="Pending requests wait for the security team.">
      {shown.length === 0 ? (
        <p className="text-sm text-slate-600">
          None. Request one from the{" "}
          <Link className="text-brand-700 underline" href={`/services/${slug}/remediation`}>
            remediation view
          </Link>
          .
        </p>
      ) : (
        <ul className="divide-y divide-slate-100 text-sm">
          {shown.map((w) => (
            <li key={w.id} className="space-y-1 py-2">
              <div className="flex flex-wrap items-center gap-2">
                <Pill tone={w.status === "pending" ? "amber" : "blue"}>{w.status}</Pill>
                <span>{w.kind === "false_positive" ? "False positive" : "Waiver"}</span>
                <code className="text-xs break-all">
                  {w.match.type}: {w.match.value}
                </code>
                {w.stages ? <span className="text-xs text-slate-500">({w.stages.join(", ")})</span> : null}
              </div>
              <p className="text-slate-700">{w.reason}</p>
              <p className="text-xs text-slate-500">
                by {w.createdBy} <TimeAgo iso={w.createdAt} now={now} />
                {w.expiresAt ? ` · expires ${w.expiresAt.slice(0, 10)}` : " · does not expire"}
              </p>
              {reviewer ? <WaiverActions id={w.id} status={w.status} ownRequest={w.createdBy === reviewer} /> : null}
            </li>
          ))}
        </ul>
      )}
    </Section>
  );
}
