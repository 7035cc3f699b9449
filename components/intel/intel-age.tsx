import Link from "next/link";
import { Pill } from "@/components/ui/badges";
import { TimeAgo } from "@/components/ui/time-ago";

type Age = { version: string | null; importedAt: string; publishedAt: string | null; entries: number; ageDays: number };
export type IntelSummary = { syncEnabled: boolean; kev: Age | null; epss: Age | null; stale: boolean; kevOpen: number };

function Source({ name, age, now }: { name: string; age: Age | null; now: Date }) {
  if (!age) return <span>{name}: not imported</span>;
  return (
    <span>
      {name}
      {age.version ? ` ${age.version}` : ""} ({age.entries.toLocaleString("en")} entries), imported{" "}
      <TimeAgo iso={age.importedAt} now={now} />
    </span>
  );
}

/** The posture page's threat-intelligence line: how old KEV and EPSS are, and open findings on KEV. */
export function IntelAge({ intel, kevHref, now }: { intel: IntelSummary; kevHref: string; now: Date }) {
  return (
    <section aria-label="Threat intelligence" className="flex flex-wrap items-center gap-x-3 gap-y-1 text-sm text-slate-700">
      <span className="font-medium">Threat intel:</span>
      <Source name="CISA KEV" age={intel.kev} now={now} />
      <span aria-hidden="true">·</span>
      <Source name="EPSS" age={intel.epss} now={now} />
      <span aria-hidden="true">·</span>
      <span>daily sync {intel.syncEnabled ? "on" : "off"}</span>
      {intel.stale ? <Pill tone="amber">stale: not refreshed in 7 days</Pill> : null}
      {intel.kev ? (
        <Link className="text-brand-700 underline" href={kevHref}>
          {intel.kevOpen} open {intel.kevOpen === 1 ? "finding" : "findings"} on CISA KEV
        </Link>
      ) : null}
    </section>
  );
}
