import type { Metadata } from "next";
import Link from "next/link";
import { redirect } from "next/navigation";
import type { ReactNode } from "react";
import { Pill, SeverityBadge } from "@/components/ui/badges";
import { EpssBadge, KevBadge } from "@/components/intel/intel-badges";
import { dateTime, shortSha } from "@/components/ui/format";
import { Section } from "@/components/ui/section";
import { TimeAgo } from "@/components/ui/time-ago";
import { WaiverRequest } from "@/components/remediation/waiver-request";
import { canActOnTeam } from "@/server/auth/permissions";
import { userActor } from "@/server/auth/current-user";
import { orNotFound, pageApi } from "../../_lib/page-kit";

type Params = Promise<{ id: string }>;

export const metadata: Metadata = { title: "Finding" };

export default async function FindingPage({ params }: { params: Params }) {
  const { id } = await params;
  const { api, user } = await pageApi(`/findings/${encodeURIComponent(id)}`);
  const [f, stages] = await Promise.all([orNotFound(api.findings.get({ id: id.slice(0, 100) })), api.me.stages()]);
  // A finding merged into another (a report tied their vulnerability ids together) lives on under the other's id.
  if (f.id !== id) redirect(`/findings/${encodeURIComponent(f.id)}`);
  // The server decides again on submit; this only hides a form the user could not use.
  const canAct = canActOnTeam(userActor(user), f.service.teamId);
  const covered = f.waivers.some((w) => w.status === "active" || w.status === "pending");
  const now = new Date();
  const row = (label: string, value: ReactNode) =>
    value === null || value === undefined || value === "" ? null : (
      <>
        <dt className="text-slate-500">{label}</dt>
        <dd className="break-words">{value}</dd>
      </>
    );

  return (
    <div className="space-y-6">
      <div>
        <p className="text-sm text-slate-500">
          <Link className="underline" href={`/services/${f.service.slug}`}>
            {f.service.name}
          </Link>{" "}
          /{" "}
          <Link className="underline" href={`/findings?service=${f.service.slug}`}>
            Findings
          </Link>
        </p>
        <h1 className="mt-1 flex flex-wrap items-center gap-2 text-xl font-bold tracking-tight break-words">
          <SeverityBadge severity={f.severity} /> {f.title}
        </h1>
        <p className="mt-1 flex flex-wrap gap-1 text-sm">
          <Pill tone={f.status === "open" ? "red" : "slate"}>{f.status}</Pill>
          {f.suppressed ? <Pill>suppressed by the tool</Pill> : null}
          <Pill>
            area {f.area.id}: {f.area.name}
          </Pill>
          <Pill>{f.kind}</Pill>
          <KevBadge kev={f.kev} />
          <EpssBadge epss={f.epss} />
        </p>
      </div>

      <div className="grid gap-6 lg:grid-cols-3">
        <Section title="Details" className="lg:col-span-2">
          <dl className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-1.5 text-sm">
            {row("Rule", <code className="font-mono text-xs">{f.ruleId}</code>)}
            {row(
              "Vulnerability",
              f.vulnerabilityId ? (
                <span className="font-mono text-xs">{[f.vulnerabilityId, ...f.aliases].join(", ")}</span>
              ) : null,
            )}
            {row(
              "Known exploited",
              f.kev ? (
                <span>
                  {f.kev.cveId} ({f.kev.vendorProject} {f.kev.product}: {f.kev.name}) is on CISA&apos;s Known Exploited
                  Vulnerabilities catalog since {f.kev.dateAdded}; CISA due date {f.kev.dueDate}
                  {f.kev.knownRansomware === "Known" ? "; used in ransomware campaigns" : ""}. {f.kev.requiredAction}
                </span>
              ) : null,
            )}
            {row(
              "EPSS",
              f.epss ? (
                <span>
                  {f.epss.cveId}: {(f.epss.epss * 100).toFixed(1)}% chance of exploitation in the next 30 days (
                  {Math.floor(f.epss.percentile * 100)}th percentile)
                </span>
              ) : null,
            )}
            {row(
              "Package",
              f.package ? (
                <span className="font-mono text-xs">
                  {f.package.ecosystem ? `${f.package.ecosystem}/` : ""}
                  {f.package.name} {f.package.version}
                  {f.package.fixedVersions.length ? ` → fixed in ${f.package.fixedVersions.join(", ")}` : " (no fix known)"}
                </span>
              ) : null,
            )}
            {row(
              "Location",
              f.location ? (
                f.link ? (
                  <a
                    className="font-mono text-xs break-all text-brand-700 underline"
                    href={f.link}
                    target="_blank"
                    rel="noopener noreferrer"
                  >
                    {f.location} @ {shortSha(f.lastCommit)} ↗
                  </a>
                ) : (
                  <span className="font-mono text-xs break-all">{f.location}</span>
                )
              ) : null,
            )}
            {row("Resource", f.resource)}
            {row("URL", f.url ? <span className="font-mono text-xs break-all">{f.url}</span> : null)}
            {row("Image", f.image)}
            {row(
              "Secret",
              f.secretPreview ? <span className="font-mono text-xs">{f.secretPreview} (masked; only a hash is kept)</span> : null,
            )}
            {row("CVSS", f.cvss.score !== null ? `${f.cvss.score}${f.cvss.vector ? ` (${f.cvss.vector})` : ""}` : null)}
            {row("CWE", f.cwes.length ? f.cwes.map((c) => `CWE-${c}`).join(", ") : null)}
            {row("Found by", f.tools.join(", "))}
            {row("Fingerprint", <code className="font-mono text-xs break-all">{f.fingerprint}</code>)}
          </dl>
          {f.description ? <p className="mt-3 text-sm whitespace-pre-line text-slate-700">{f.description}</p> : null}
          {f.remediation ? (
            <p className="mt-3 text-sm">
              <span className="font-medium">Remediation: </span>
              {f.remediation}
            </p>
          ) : null}
          {f.references.length ? (
            <ul className="mt-3 list-disc pl-5 text-sm">
              {f.references.map((r) => (
                <li key={r}>
                  {/^https?:\/\//.test(r) ? (
                    <a className="break-all text-brand-700 underline" href={r} target="_blank" rel="noopener noreferrer nofollow">
                      {r}
                    </a>
                  ) : (
                    <span className="break-all">{r}</span>
                  )}
                </li>
              ))}
            </ul>
          ) : null}
        </Section>
        <Section title="History">
          <dl className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-1.5 text-sm">
            <dt className="text-slate-500">First seen</dt>
            <dd>
              <TimeAgo iso={f.firstSeenAt} now={now} /> at <code className="font-mono text-xs">{shortSha(f.firstCommit)}</code>
            </dd>
            <dt className="text-slate-500">Last seen</dt>
            <dd>
              <TimeAgo iso={f.lastSeenAt} now={now} /> at <code className="font-mono text-xs">{shortSha(f.lastCommit)}</code>
            </dd>
            {f.closedAt ? (
              <>
                <dt className="text-slate-500">Closed</dt>
                <dd>
                  <TimeAgo iso={f.closedAt} now={now} />
                </dd>
              </>
            ) : null}
            <dt className="text-slate-500">Reopened</dt>
            <dd>{f.tracks.reduce((n, s) => n + s.reopenedCount, 0)} times</dd>
          </dl>
        </Section>
      </div>

      <Section title="Sources" description="The finding's lifecycle per tool and branch.">
        <div className="overflow-x-auto">
          <table className="min-w-full text-sm">
            <thead>
              <tr className="border-b border-slate-200 text-left text-xs text-slate-500 uppercase">
                <th scope="col" className="py-2 pr-3">
                  Tool
                </th>
                <th scope="col" className="py-2 pr-3">
                  Branch
                </th>
                <th scope="col" className="py-2 pr-3">
                  Status
                </th>
                <th scope="col" className="py-2 pr-3">
                  First seen
                </th>
                <th scope="col" className="py-2 pr-3">
                  Last seen
                </th>
                <th scope="col" className="py-2 pr-3">
                  Closed
                </th>
                <th scope="col" className="py-2 pr-3">
                  Reopened
                </th>
              </tr>
            </thead>
            <tbody>
              {f.tracks.map((s) => (
                <tr key={`${s.tool}:${s.branch}:${s.category}`} className="border-b border-slate-100">
                  <td className="py-2 pr-3">
                    {s.tool}
                    {s.category ? <span className="text-xs text-slate-500"> {s.category}</span> : null}
                  </td>
                  <td className="py-2 pr-3">{s.branch}</td>
                  <td className="py-2 pr-3">
                    <Pill tone={s.status === "open" ? "red" : "slate"}>{s.status}</Pill>
                  </td>
                  <td className="py-2 pr-3 whitespace-nowrap">{dateTime(s.firstSeenAt)}</td>
                  <td className="py-2 pr-3 whitespace-nowrap">{dateTime(s.lastSeenAt)}</td>
                  <td className="py-2 pr-3 whitespace-nowrap">{s.closedAt ? dateTime(s.closedAt) : "—"}</td>
                  <td className="py-2 pr-3 tabular-nums">{s.reopenedCount}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </Section>

      <div className="grid gap-6 lg:grid-cols-2">
        <Section
          title="Commits"
          description={`Scans that saw it${f.commitsTotal > f.commits.length ? ` (latest ${f.commits.length} of ${f.commitsTotal})` : ""}.`}
        >
          <ul className="divide-y divide-slate-100 text-sm">
            {f.commits.map((c) => (
              <li key={c.scanId} className="flex flex-wrap gap-x-3 py-1.5">
                <code className="font-mono text-xs">{shortSha(c.commit)}</code>
                <span>{c.branch}</span>
                <span className="text-slate-600">{c.tool}</span>
                {c.line ? <span className="text-slate-500">line {c.line}</span> : null}
                <span className="ml-auto text-slate-500">
                  <TimeAgo iso={c.receivedAt} now={now} />
                </span>
              </li>
            ))}
          </ul>
        </Section>
        <Section title="Waivers" id="waivers">
          {canAct && f.status === "open" && !covered ? (
            <div className="mb-3">
              <WaiverRequest
                size="sm"
                service={f.service.slug}
                match={
                  f.vulnerabilityId
                    ? { type: "vulnerability", value: f.vulnerabilityId }
                    : { type: "fingerprint", value: f.fingerprint }
                }
                covers={f.vulnerabilityId ?? "this finding"}
                stages={stages}
              />
            </div>
          ) : null}
          {f.waivers.length === 0 ? (
            <p className="text-sm text-slate-600">
              None.{" "}
              {canAct ? "Request one here, or group them from the " : <>A developer of the team can request one from the </>}
              <Link className="text-brand-700 underline" href={`/services/${f.service.slug}/remediation`}>
                remediation view
              </Link>
              .
            </p>
          ) : (
            <ul className="divide-y divide-slate-100 text-sm">
              {f.waivers.map((w) => (
                <li key={w.id} className="py-2">
                  <p className="flex flex-wrap items-center gap-2">
                    <Pill tone={w.status === "active" ? "blue" : w.status === "pending" ? "amber" : "slate"}>{w.status}</Pill>
                    {w.kind === "false_positive" ? "False positive" : "Waiver"} by {w.createdBy}
                    {w.approvedBy ? `, approved by ${w.approvedBy}` : ""}
                  </p>
                  <p className="text-slate-700">{w.reason}</p>
                  <p className="text-xs text-slate-500">
                    {w.match.type}: {w.match.value} · {w.expiresAt ? `expires ${w.expiresAt.slice(0, 10)}` : "no expiry"}
                  </p>
                </li>
              ))}
            </ul>
          )}
        </Section>
      </div>
    </div>
  );
}
