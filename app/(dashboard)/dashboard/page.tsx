import type { Metadata } from "next";
import Link from "next/link";
import { GetStartedNoServices } from "@/components/dashboard/get-started";
import { DecisionBadge, GradeBadge, SeverityBadge } from "@/components/ui/badges";
import { plural, shortSha } from "@/components/ui/format";
import { Section } from "@/components/ui/section";
import { TimeAgo } from "@/components/ui/time-ago";
import { pageApi, publicUrl } from "../_lib/page-kit";

export const metadata: Metadata = { title: "Overview" };

export default async function DashboardHome() {
  const { api, user } = await pageApi("/dashboard");
  const [posture, decisions] = await Promise.all([api.posture.overview({}), api.decisions.list({ pageSize: 6 })]);
  const now = new Date();
  const past = Object.values(posture.slaBreaches).reduce((a, b) => a + b, 0);
  const worst = posture.services.slice(0, 6);
  const seesAll = user.role === "security" || user.role === "admin";

  return (
    <div className="space-y-6">
      <div>
        <h1 className="text-2xl font-bold tracking-tight">Hello, {user.name ?? user.email}</h1>
        <p className="text-sm text-slate-600">
          {seesAll
            ? "You see every team's services."
            : `You see the services of your ${user.teamIds.length === 1 ? "team" : "teams"}.`}{" "}
          {plural(posture.services.length, "service")} · {plural(posture.openBySeverity.critical, "open critical finding")} ·{" "}
          {plural(past, "finding")} past SLA.
        </p>
      </div>

      {posture.services.length === 0 ? (
        <Section
          title="Get started"
          description={seesAll ? "No service is registered yet." : "None of your teams has a service yet."}
        >
          <GetStartedNoServices url={publicUrl()} />
        </Section>
      ) : (
        <div className="grid gap-6 lg:grid-cols-3">
          <Section
            title="Posture"
            action={
              <Link className="text-sm text-brand-700 underline" href="/posture">
                Open posture
              </Link>
            }
          >
            <ul className="flex flex-wrap gap-2">
              {posture.gradeDistribution.map((g) => (
                <li key={g.grade}>
                  <Link
                    className="inline-flex items-center gap-1.5 rounded-md border border-slate-200 px-2 py-1 text-sm hover:border-brand-600"
                    href={`/services?grade=${g.grade}`}
                  >
                    <GradeBadge grade={g.grade} /> {g.count}
                  </Link>
                </li>
              ))}
            </ul>
            <ul className="mt-4 space-y-1.5 text-sm">
              {(["critical", "high", "medium"] as const).map((s) => (
                <li key={s}>
                  <Link className="inline-flex items-center gap-2 hover:underline" href={`/findings?severity=${s}`}>
                    <SeverityBadge severity={s} /> {plural(posture.openBySeverity[s], "open finding")}
                  </Link>
                </li>
              ))}
              <li>
                <Link className="text-brand-700 underline" href="/findings?sla=breached">
                  {plural(past, "finding")} past SLA
                </Link>
              </li>
              <li>
                <Link className="text-brand-700 underline" href="/posture#bypasses">
                  {plural(posture.bypasses.total, "gate bypass", "gate bypasses")} in {posture.days} days
                </Link>
              </li>
            </ul>
          </Section>

          <Section
            title="Needs attention first"
            action={
              <Link className="text-sm text-brand-700 underline" href="/services">
                All services
              </Link>
            }
          >
            <ul className="divide-y divide-slate-100">
              {worst.map((s) => (
                <li key={s.id} className="flex items-center gap-3 py-2 text-sm">
                  <GradeBadge grade={s.score?.grade ?? null} />
                  <div className="min-w-0 flex-1">
                    <Link className="font-medium text-brand-700 underline" href={`/services/${s.slug}`}>
                      {s.name}
                    </Link>
                    <span className="block text-xs text-slate-500">
                      {s.team} · {s.openTotal.critical} critical, {s.openTotal.high} high
                    </span>
                  </div>
                  <Link className="text-xs text-brand-700 underline" href={`/services/${s.slug}/remediation`}>
                    Fix
                  </Link>
                </li>
              ))}
            </ul>
          </Section>

          <Section
            title="Latest gate decisions"
            action={
              <Link className="text-sm text-brand-700 underline" href="/decisions">
                All decisions
              </Link>
            }
          >
            {decisions.items.length === 0 ? (
              <p className="text-sm text-slate-600">The gate has not been asked yet.</p>
            ) : (
              <ul className="divide-y divide-slate-100">
                {decisions.items.map((d) => (
                  <li key={d.id} className="flex flex-wrap items-center gap-2 py-2 text-sm">
                    <Link href={`/decisions/${d.id}`} aria-label={`${d.service.name} ${d.stage}: ${d.decision}`}>
                      <DecisionBadge decision={d.decision} />
                    </Link>
                    <span className="font-medium">{d.service.name}</span>
                    <span className="capitalize text-slate-600">→ {d.stage}</span>
                    <code className="text-xs">{shortSha(d.commit)}</code>
                    <span className="ml-auto text-xs text-slate-500">
                      <TimeAgo iso={d.evaluatedAt} now={now} />
                    </span>
                  </li>
                ))}
              </ul>
            )}
          </Section>
        </div>
      )}
    </div>
  );
}
