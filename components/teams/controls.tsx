"use client";
// Small interactive pieces shared by the tokens and teams pages: a two-step confirm and a shown-once secret.
import { useState, type ReactNode } from "react";
import { CopyButton } from "@/components/ui/copy-button";

export const BTN =
  "rounded-md border border-slate-300 bg-white px-2.5 py-1 text-sm font-medium text-slate-800 hover:bg-slate-50 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-brand-600 disabled:opacity-50";
export const BTN_PRIMARY =
  "rounded-md bg-brand-700 px-3 py-1.5 text-sm font-medium text-white hover:bg-brand-900 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-brand-600 disabled:opacity-50";
export const BTN_DANGER =
  "rounded-md border border-red-700 bg-red-700 px-2.5 py-1 text-sm font-medium text-white hover:bg-red-800 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-red-700 disabled:opacity-50";
export const INPUT =
  "mt-1 block w-full rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm text-slate-900 focus-visible:outline-2 focus-visible:outline-brand-600";
export const LABEL = "block text-xs font-medium text-slate-600";

/** A destructive action asks once more, in place (no browser dialog), and says what it will do. */
export function ConfirmButton({
  label,
  confirmLabel,
  question,
  busy,
  onConfirm,
}: {
  label: string;
  confirmLabel: string;
  question: string;
  busy?: boolean;
  onConfirm: () => void;
}) {
  const [asking, setAsking] = useState(false);
  if (!asking)
    return (
      <button type="button" className={BTN} onClick={() => setAsking(true)}>
        {label}
      </button>
    );
  return (
    <span role="group" aria-label={question} className="inline-flex flex-wrap items-center gap-2">
      <span className="text-sm text-slate-700">{question}</span>
      <button
        type="button"
        className={BTN_DANGER}
        disabled={busy}
        onClick={() => {
          onConfirm();
          setAsking(false);
        }}
      >
        {confirmLabel}
      </button>
      <button type="button" className={BTN} onClick={() => setAsking(false)}>
        Cancel
      </button>
    </span>
  );
}

/** A secret the server returns once: copy it now, it is never shown again (only its hash is kept). */
export function SecretOnce({ title, secret, children }: { title: string; secret: string; children?: ReactNode }) {
  return (
    <div role="status" className="space-y-2 rounded-lg border border-amber-400 bg-amber-50 p-3 text-sm text-amber-950">
      <p className="font-semibold">
        <span aria-hidden="true">! </span>
        {title}
      </p>
      <p>Copy it now and store it somewhere safe: it is shown only this once. Gatehouse keeps only a hash.</p>
      <div className="flex items-center gap-2 overflow-hidden rounded-md bg-slate-900 px-3 py-2">
        <code data-testid="secret" className="min-w-0 flex-1 font-mono text-xs break-all text-slate-100">
          {secret}
        </code>
        <CopyButton text={secret} />
      </div>
      {children}
    </div>
  );
}

export function ErrorText({ message }: { message: string | undefined }) {
  return message ? (
    <p role="alert" className="text-sm text-red-800">
      {message}
    </p>
  ) : null;
}
