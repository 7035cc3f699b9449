"use client";
import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useId, useState } from "react";
import { BTN_PRIMARY, ErrorText, INPUT, LABEL } from "@/components/teams/controls";
import { useTRPC } from "@/components/trpc/provider";
import { CopyButton } from "@/components/ui/copy-button";

export type SubscriptionOptions = {
  teams: { slug: string; name: string }[];
  organisation: boolean;
  email: boolean;
  events: string[];
  stages: string[];
};

const CHANNELS = [
  { id: "webhook", label: "Webhook (signed)", placeholder: "https://hooks.example.com/gatehouse" },
  { id: "slack", label: "Slack-compatible", placeholder: "https://hooks.slack.com/services/…" },
  { id: "email", label: "E-mail", placeholder: "oncall@example.com" },
] as const;

/** Subscribe a team (or the organisation) to events; a webhook's signing secret is shown once, here. */
export function SubscriptionForm({ options, help }: { options: SubscriptionOptions; help: Record<string, string> }) {
  const trpc = useTRPC();
  const router = useRouter();
  const id = useId();
  const [channel, setChannel] = useState<"webhook" | "slack" | "email">("webhook");
  const create = useMutation(trpc.notifications.create.mutationOptions({ onSuccess: () => router.refresh() }));
  const made = create.data;
  const scopes = [
    ...options.teams.map((t) => ({ value: t.slug, label: `Team ${t.name}: its events` })),
    ...(options.organisation ? [{ value: "", label: "The organisation: every team's events" }] : []),
  ];
  if (scopes.length === 0)
    return <p className="text-sm text-slate-600">You cannot subscribe anyone: ask a developer of your team.</p>;
  return (
    <div className="space-y-3">
      {made?.secret ? (
        <div role="status" className="space-y-2 rounded-lg border border-amber-400 bg-amber-50 p-3 text-sm text-amber-950">
          <p className="font-semibold">Subscription {made.subscription.id} created. Its signing secret:</p>
          <p>
            Copy it now into the receiver: it is shown only this once. Deliveries carry webhook-id, webhook-timestamp and
            webhook-signature (Standard Webhooks).
          </p>
          <div className="flex items-center gap-2 overflow-hidden rounded-md bg-slate-900 px-3 py-2">
            <code data-testid="secret" className="min-w-0 flex-1 font-mono text-xs break-all text-slate-100">
              {made.secret}
            </code>
            <CopyButton text={made.secret} />
          </div>
        </div>
      ) : made ? (
        <p role="status" className="text-sm text-emerald-800">
          Subscription {made.subscription.id} created.
        </p>
      ) : null}
      <form
        aria-label="Add a subscription"
        className="space-y-4 rounded-lg border border-slate-200 bg-slate-50 p-3"
        onSubmit={(e) => {
          e.preventDefault();
          const f = new FormData(e.currentTarget);
          const team = String(f.get("team") ?? "");
          const stages = f.getAll("stages").map(String);
          create.mutate({
            team: team || undefined,
            events: f.getAll("events").map(String) as never,
            stages: stages.length ? stages : undefined,
            channel,
            target: String(f.get("target") ?? "").trim(),
          });
        }}
      >
        <div className="grid gap-3 sm:grid-cols-2">
          <div>
            <label htmlFor={`${id}-team`} className={LABEL}>
              Whose events
            </label>
            <select id={`${id}-team`} name="team" className={INPUT} defaultValue={scopes[0]!.value}>
              {scopes.map((s) => (
                <option key={s.value} value={s.value}>
                  {s.label}
                </option>
              ))}
            </select>
          </div>
          <fieldset>
            <legend className={LABEL}>Channel</legend>
            <div className="mt-1 flex flex-wrap gap-4 text-sm">
              {CHANNELS.map((c) => (
                <label key={c.id} className="inline-flex items-center gap-1.5">
                  <input
                    type="radio"
                    name="channel"
                    value={c.id}
                    checked={channel === c.id}
                    disabled={c.id === "email" && !options.email}
                    onChange={() => setChannel(c.id)}
                    className="h-4 w-4"
                  />
                  {c.label}
                  {c.id === "email" && !options.email ? <span className="text-xs text-slate-500">(not configured)</span> : null}
                </label>
              ))}
            </div>
          </fieldset>
        </div>
        <label className={LABEL}>
          {channel === "email" ? "Address" : "URL"}
          <input
            name="target"
            required
            maxLength={2000}
            type={channel === "email" ? "email" : "url"}
            placeholder={CHANNELS.find((c) => c.id === channel)!.placeholder}
            className={INPUT}
          />
        </label>
        <fieldset>
          <legend className={LABEL}>Events (at least one)</legend>
          <div className="mt-1 grid gap-x-5 gap-y-1.5 text-sm sm:grid-cols-2">
            {options.events.map((ev) => (
              <label key={ev} className="inline-flex items-start gap-1.5">
                <input type="checkbox" name="events" value={ev} className="mt-0.5 h-4 w-4" />
                <span>
                  <span className="font-mono text-xs">{ev}</span> <span className="text-xs text-slate-500">{help[ev]}</span>
                </span>
              </label>
            ))}
          </div>
        </fieldset>
        <fieldset>
          <legend className={LABEL}>Only these stages (none ticked: every stage)</legend>
          <div className="mt-1 flex flex-wrap gap-4 text-sm">
            {options.stages.map((s) => (
              <label key={s} className="inline-flex items-center gap-1.5">
                <input type="checkbox" name="stages" value={s} className="h-4 w-4" /> {s}
              </label>
            ))}
          </div>
        </fieldset>
        <ErrorText message={create.error?.message} />
        <button type="submit" className={BTN_PRIMARY} disabled={create.isPending}>
          Subscribe
        </button>
      </form>
    </div>
  );
}
