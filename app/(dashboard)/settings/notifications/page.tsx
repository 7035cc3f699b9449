import type { Metadata } from "next";
import { SubscriptionActions } from "@/components/notifications/subscription-actions";
import { SubscriptionForm } from "@/components/notifications/subscription-form";
import { Pill } from "@/components/ui/badges";
import { CodeBlock } from "@/components/ui/code-block";
import { dateTime } from "@/components/ui/format";
import { Empty, Section } from "@/components/ui/section";
import { TimeAgo } from "@/components/ui/time-ago";
import { EVENT_HELP } from "@/server/notify/events";
import { pageApi } from "../../_lib/page-kit";

export const metadata: Metadata = { title: "Notifications" };

/** Recent deliveries shown per subscription. */
const RECENT = 10;

const TONE = { delivered: "blue", pending: "amber", failed: "red" } as const;

export default async function NotificationsPage() {
  const { api, user } = await pageApi("/settings/notifications");
  const [subs, options] = await Promise.all([api.notifications.list({}), api.notifications.options()]);
  const deliveries = await Promise.all(subs.map((s) => api.notifications.deliveries({ id: s.id, limit: RECENT })));
  const now = new Date();
  const staff = user.role === "security" || user.role === "admin";
  const manageable = new Set(options.teams.map((t) => t.slug));
  const canManage = (s: (typeof subs)[number]) => (s.team ? manageable.has(s.team.slug) : staff);

  return (
    <div className="space-y-4">
      <div>
        <p className="text-sm text-slate-500">Settings</p>
        <h1 className="text-2xl font-bold tracking-tight">Notifications</h1>
        <p className="text-sm text-slate-600">
          Who is told when what runs falls out of policy, the gate is bypassed or blocks, a waiver waits, an SLA passes, a scan
          fails or a pipeline goes silent. Every delivery is retried for 24 hours and keeps its webhook-id.
        </p>
      </div>
      <Section id="add" title="Add a subscription">
        <SubscriptionForm options={options} help={EVENT_HELP} />
      </Section>
      <Section id="subscriptions" title="Subscriptions" description="With each one's recent deliveries and what failed for good.">
        {subs.length === 0 ? (
          <Empty title="Nobody is told anything yet.">
            <p>Add a subscription above, or from the command line:</p>
            <CodeBlock code="npm run gatehouse -- notify add --team <team> --event stage.out_of_policy --webhook https://hooks.example.com/x" />
          </Empty>
        ) : (
          <ul className="space-y-4">
            {subs.map((s, i) => (
              <li key={s.id} className="rounded-lg border border-slate-200 p-3" data-subscription-id={s.id}>
                <div className="flex flex-wrap items-start justify-between gap-3">
                  <div className="space-y-1 text-sm">
                    <p className="flex flex-wrap items-center gap-2">
                      <Pill tone="blue">{s.channel}</Pill>
                      <span className="font-mono text-xs break-all">{s.target}</span>
                    </p>
                    <p className="text-slate-700">
                      {s.team ? `Team ${s.team.name}` : "The organisation (every team)"} ·{" "}
                      <span className="font-mono text-xs">{s.events.join(", ")}</span>
                      {s.stages ? <span className="text-xs text-slate-500"> · stages {s.stages.join(", ")}</span> : null}
                    </p>
                    <p className="text-xs text-slate-500">
                      {s.deliveries.delivered} delivered · {s.deliveries.pending} waiting ·{" "}
                      <span className={s.deliveries.failed ? "font-semibold text-red-800" : ""}>
                        {s.deliveries.failed} failed for good
                      </span>
                      {s.deliveries.lastDeliveredAt ? (
                        <>
                          {" "}
                          · last delivered <TimeAgo iso={s.deliveries.lastDeliveredAt} now={now} />
                        </>
                      ) : null}{" "}
                      · by {s.createdBy}
                    </p>
                    {s.lastFailure ? (
                      <p className="text-xs text-red-800">
                        Last failure {dateTime(s.lastFailure.at)}: {s.lastFailure.error}
                      </p>
                    ) : null}
                  </div>
                  {canManage(s) ? <SubscriptionActions id={s.id} target={s.target} /> : null}
                </div>
                <details className="mt-2 text-sm" open={deliveries[i]!.some((d) => d.status !== "delivered")}>
                  <summary className="cursor-pointer text-slate-600">Recent deliveries ({deliveries[i]!.length})</summary>
                  {deliveries[i]!.length === 0 ? (
                    <p className="mt-1 text-xs text-slate-500">None yet.</p>
                  ) : (
                    <div className="mt-1 overflow-x-auto">
                      <table className="min-w-full text-xs">
                        <thead className="text-left text-slate-500 uppercase">
                          <tr>
                            <th scope="col" className="py-1 pr-3">
                              Event
                            </th>
                            <th scope="col" className="py-1 pr-3">
                              Status
                            </th>
                            <th scope="col" className="py-1 pr-3">
                              Attempts
                            </th>
                            <th scope="col" className="py-1 pr-3">
                              Last answer
                            </th>
                            <th scope="col" className="py-1 pr-3">
                              When
                            </th>
                          </tr>
                        </thead>
                        <tbody className="divide-y divide-slate-100">
                          {deliveries[i]!.map((d) => (
                            <tr key={d.id} className="align-top">
                              <td className="py-1 pr-3">
                                <span className="font-mono">{d.event}</span>
                                <span className="block max-w-md truncate text-slate-500" title={d.summary}>
                                  {d.summary}
                                </span>
                              </td>
                              <td className="py-1 pr-3">
                                <Pill tone={TONE[d.status]}>{d.status === "failed" ? "failed for good" : d.status}</Pill>
                              </td>
                              <td className="py-1 pr-3 tabular-nums">{d.attempts}</td>
                              <td className="py-1 pr-3">
                                {d.lastError ?? (d.lastStatus ? `HTTP ${d.lastStatus}` : "—")}
                                {d.nextAttemptAt ? (
                                  <span className="block text-slate-500">next try {dateTime(d.nextAttemptAt)}</span>
                                ) : null}
                              </td>
                              <td className="py-1 pr-3 whitespace-nowrap">
                                <TimeAgo iso={d.createdAt} now={now} />
                                <span className="block font-mono text-slate-400">{d.id}</span>
                              </td>
                            </tr>
                          ))}
                        </tbody>
                      </table>
                    </div>
                  )}
                </details>
              </li>
            ))}
          </ul>
        )}
      </Section>
    </div>
  );
}
