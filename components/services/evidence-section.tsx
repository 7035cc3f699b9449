import type { RouterOutputs } from "@/components/trpc/types";
import { Pill } from "@/components/ui/badges";
import { ageDays, shortSha } from "@/components/ui/format";
import { Section } from "@/components/ui/section";
import { TimeAgo } from "@/components/ui/time-ago";

type Evidence = RouterOutputs["services"]["evidence"];

/** The newest scan of each kind: tool and version, age (stale past 30 days), scanner DB age, commit. */
export function EvidenceSection({ evidence, now }: { evidence: Evidence; now: Date }) {
  return (
    <Section id="evidence" title="Latest evidence" description="The newest scan of each kind, with its tool and age.">
      {evidence.length === 0 ? (
        <p className="text-sm text-slate-600">None yet.</p>
      ) : (
        <div className="overflow-x-auto">
          <table className="min-w-full text-sm">
            <thead>
              <tr className="border-b border-slate-200 text-left text-xs text-slate-500 uppercase">
                <th scope="col" className="py-2 pr-3">
                  Kind
                </th>
                <th scope="col" className="py-2 pr-3">
                  Tool
                </th>
                <th scope="col" className="py-2 pr-3">
                  Age
                </th>
                <th scope="col" className="py-2 pr-3">
                  Commit
                </th>
              </tr>
            </thead>
            <tbody>
              {evidence.map((e) => {
                const age = ageDays(e.scannedAt, now) ?? 0;
                // A report uploaded well after it was produced: show both, freshness counts from the scan.
                const late = Date.parse(e.receivedAt) - Date.parse(e.scannedAt) > 3_600_000;
                return (
                  <tr key={e.kind} className="border-b border-slate-100">
                    <td className="py-2 pr-3 font-mono text-xs">{e.kind}</td>
                    <td className="py-2 pr-3">
                      {e.tool} <span className="text-xs text-slate-500">{e.toolVersion ?? "version unknown"}</span>
                      {e.status === "failed" ? (
                        <span className="ml-1">
                          <Pill tone="red">✕ failed</Pill>
                        </span>
                      ) : null}
                    </td>
                    <td className="py-2 pr-3 whitespace-nowrap">
                      <TimeAgo iso={e.scannedAt} now={now} />
                      {late ? (
                        <span className="block text-xs text-slate-500">
                          uploaded <TimeAgo iso={e.receivedAt} now={now} />
                        </span>
                      ) : null}
                      {age > 30 ? (
                        <span className="ml-1">
                          <Pill tone="amber">stale</Pill>
                        </span>
                      ) : null}
                      {e.scannerDbBuiltAt ? (
                        <span className="block text-xs text-slate-500">
                          DB built <TimeAgo iso={e.scannerDbBuiltAt} now={now} />
                        </span>
                      ) : null}
                    </td>
                    <td className="py-2 pr-3 font-mono text-xs">
                      {shortSha(e.commit)} <span className="font-sans text-slate-500">{e.branch}</span>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </Section>
  );
}
