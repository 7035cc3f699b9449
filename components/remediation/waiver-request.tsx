"use client";
import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useId, useState } from "react";
import { useTRPC } from "@/components/trpc/provider";

type Match = { type: "fingerprint" | "vulnerability" | "rule"; value: string };
type Mode = "waiver" | "false_positive";
const EXPIRY_DAYS = [7, 14, 30, 60, 90];

/**
 * Request a waiver (reason and expiry) or mark a false positive (reason) for what `match` covers.
 * Both are created PENDING; the security team approves them.
 *
 * A remediation page shows a hundred of these: the buttons are all that is rendered until one is pressed (the form
 * and its mutations come with it), and their classes are short (`btn-quiet`, app/globals.css).
 */
export function WaiverRequest({
  service,
  match,
  covers,
  stages,
  size = "md",
}: {
  service: string;
  match: Match;
  covers: string;
  stages: { slug: string; name: string }[];
  size?: "sm" | "md";
}) {
  const id = useId();
  const [mode, setMode] = useState<Mode | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const btn = size === "sm" ? "btn-quiet btn-quiet-sm" : "btn-quiet";

  return (
    <div className="space-y-2">
      <div className="flex flex-wrap gap-2">
        <button
          type="button"
          className={btn}
          aria-expanded={mode === "waiver"}
          aria-controls={`${id}-form`}
          onClick={() => setMode(mode === "waiver" ? null : "waiver")}
        >
          Request waiver
        </button>
        <button
          type="button"
          className={btn}
          aria-expanded={mode === "false_positive"}
          aria-controls={`${id}-form`}
          onClick={() => setMode(mode === "false_positive" ? null : "false_positive")}
        >
          Mark false positive
        </button>
      </div>
      {done ? (
        <p role="status" className="rounded border border-blue-200 bg-blue-50 px-2 py-1 text-sm text-blue-900">
          {done}
        </p>
      ) : null}
      {mode ? (
        <WaiverForm
          key={mode}
          id={`${id}-form`}
          mode={mode}
          service={service}
          match={match}
          covers={covers}
          stages={stages}
          btn={btn}
          onCancel={() => setMode(null)}
          onDone={(message) => {
            setDone(message);
            setMode(null);
          }}
        />
      ) : null}
    </div>
  );
}

function WaiverForm({
  id,
  mode,
  service,
  match,
  covers,
  stages,
  btn,
  onCancel,
  onDone,
}: {
  id: string;
  mode: Mode;
  service: string;
  match: Match;
  covers: string;
  stages: { slug: string; name: string }[];
  btn: string;
  onCancel: () => void;
  onDone: (message: string) => void;
}) {
  const trpc = useTRPC();
  const router = useRouter();
  const onSuccess = (w: { id: string; kind: string }) => {
    onDone(
      `${w.kind === "false_positive" ? "False positive" : "Waiver"} ${w.id} requested: pending approval by the security team.`,
    );
    router.refresh();
  };
  const waiver = useMutation(trpc.remediation.requestWaiver.mutationOptions({ onSuccess }));
  const fp = useMutation(trpc.remediation.markFalsePositive.mutationOptions({ onSuccess }));
  const pending = waiver.isPending || fp.isPending;
  const error = mode === "waiver" ? waiver.error?.message : fp.error?.message;

  return (
    <form
      id={id}
      aria-label={mode === "waiver" ? "Request a waiver" : "Mark a false positive"}
      className="space-y-3 rounded-lg border border-slate-200 bg-slate-50 p-3 text-sm"
      onSubmit={(e) => {
        e.preventDefault();
        const f = new FormData(e.currentTarget);
        const reason = String(f.get("reason") ?? "");
        if (mode === "false_positive") {
          fp.mutate({ service, match, reason });
        } else {
          const chosen = f.getAll("stages").map(String);
          waiver.mutate({
            service,
            match,
            reason,
            expiresInDays: Number(f.get("expiresInDays")),
            stages: chosen.length ? chosen : undefined,
          });
        }
      }}
    >
      <p className="text-slate-700">
        {mode === "waiver" ? "Accept the risk of" : "Mark as not a real problem"}:{" "}
        <span className="font-medium break-all">{covers}</span>
      </p>
      <label className="block">
        <span className="text-xs font-medium text-slate-600">Reason (at least 10 characters; the approver reads it)</span>
        <textarea
          name="reason"
          required
          minLength={10}
          maxLength={2000}
          rows={3}
          className="mt-1 block w-full rounded-md border border-slate-300 bg-white px-2 py-1.5 focus-visible:outline-2 focus-visible:outline-brand-600"
        />
      </label>
      {mode === "waiver" ? (
        <div className="flex flex-wrap gap-6">
          <label className="block">
            <span className="text-xs font-medium text-slate-600">Expires in</span>
            <select
              name="expiresInDays"
              defaultValue="30"
              className="mt-1 block rounded-md border border-slate-300 bg-white px-2 py-1.5 focus-visible:outline-2 focus-visible:outline-brand-600"
            >
              {EXPIRY_DAYS.map((d) => (
                <option key={d} value={d}>
                  {d} days
                </option>
              ))}
            </select>
          </label>
          <fieldset>
            <legend className="text-xs font-medium text-slate-600">Stages (none: every stage)</legend>
            <div className="mt-1 flex flex-wrap gap-3">
              {stages.map((s) => (
                <label key={s.slug} className="inline-flex items-center gap-1">
                  <input type="checkbox" name="stages" value={s.slug} className="h-4 w-4" /> {s.name}
                </label>
              ))}
            </div>
          </fieldset>
        </div>
      ) : null}
      {error ? (
        <p role="alert" className="text-sm text-red-800">
          {error}
        </p>
      ) : null}
      <div className="flex gap-2">
        <button
          type="submit"
          disabled={pending}
          className="rounded-md bg-brand-700 px-3 py-1.5 font-medium text-white hover:bg-brand-900 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-brand-600 disabled:opacity-50"
        >
          {pending ? "Sending…" : mode === "waiver" ? "Request waiver" : "Mark false positive"}
        </button>
        <button type="button" className={btn} onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
