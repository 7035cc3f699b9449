import { Pill } from "@/components/ui/badges";
import { epssText } from "@/server/intel/priority";

type Kev = { cveId: string; dateAdded: string; dueDate: string };
type Epss = { cveId: string; epss: number; percentile: number };

/** "On CISA KEV": the finding's vulnerability is exploited in the wild; CISA's due date says how urgent. */
export function KevBadge({ kev }: { kev: Kev | null | undefined }) {
  if (!kev) return null;
  return (
    <span
      title={`${kev.cveId} is on CISA's Known Exploited Vulnerabilities catalog since ${kev.dateAdded}; CISA due date ${kev.dueDate}`}
    >
      <Pill tone="red">
        CISA KEV · added {kev.dateAdded} · due {kev.dueDate}
      </Pill>
    </span>
  );
}

export function EpssBadge({ epss }: { epss: Epss | null | undefined }) {
  if (!epss) return null;
  return (
    <span title={`FIRST EPSS for ${epss.cveId}: probability of exploitation in the next 30 days`}>
      <Pill tone={epss.epss >= 0.1 ? "amber" : "slate"}>{epssText(epss)}</Pill>
    </span>
  );
}
