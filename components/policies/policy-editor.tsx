"use client";
import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useId, useState } from "react";
import { useTRPC } from "@/components/trpc/provider";

type Format = "yaml" | "json";
type PolicyError = { path: string; message: string };

const btn =
  "rounded-md px-3 py-1.5 text-sm font-medium focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-brand-600 disabled:opacity-50";

/**
 * Edits a stage's policy as YAML or JSON: "Validate" shows each error by its path and saves nothing;
 * "Save as new version" validates again and saves with a required comment.
 */
export function PolicyEditor({
  stage,
  baseVersion,
  yaml,
  json,
}: {
  stage: string;
  baseVersion: number;
  yaml: string;
  json: string;
}) {
  const trpc = useTRPC();
  const router = useRouter();
  const id = useId();
  const [format, setFormat] = useState<Format>("yaml");
  const [text, setText] = useState(yaml);
  const [dirty, setDirty] = useState(false);
  const [comment, setComment] = useState("");
  const [errors, setErrors] = useState<PolicyError[] | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  const validate = useMutation(trpc.policies.validate.mutationOptions());
  const save = useMutation(
    trpc.policies.save.mutationOptions({
      onSuccess: (v) => {
        setStatus(`Saved as version ${v.version}. The gate uses it from now on.`);
        setDirty(false);
        setComment("");
        router.push(`/policies/${stage}?from=${baseVersion}&to=${v.version}#diff`);
        router.refresh();
      },
    }),
  );
  const busy = validate.isPending || save.isPending;
  const failure = validate.error?.message ?? save.error?.message;

  /** Validates the draft; returns true when it is a valid policy. */
  async function check(): Promise<boolean> {
    setStatus(null);
    save.reset();
    const r = await validate.mutateAsync({ stage, text, format });
    if (r.ok) {
      setErrors([]);
      return true;
    }
    setErrors(r.errors);
    return false;
  }

  return (
    <form
      aria-label={`Edit the ${stage} policy`}
      className="space-y-3"
      onSubmit={async (e) => {
        e.preventDefault();
        if (!(await check().catch(() => false))) return;
        save.mutate({ stage, text, format, comment, baseVersion });
      }}
    >
      <fieldset className="flex flex-wrap items-center gap-4 text-sm">
        <legend className="sr-only">Format of the document</legend>
        {(["yaml", "json"] as const).map((f) => (
          <label key={f} className="flex items-center gap-1.5">
            <input
              type="radio"
              name={`${id}-format`}
              value={f}
              checked={format === f}
              onChange={() => {
                setFormat(f);
                setErrors(null);
                // An untouched draft switches rendering; an edited one is kept and read in the new format.
                if (!dirty) setText(f === "yaml" ? yaml : json);
              }}
            />
            {f.toUpperCase()}
          </label>
        ))}
        {dirty ? <span className="text-xs text-slate-500">Switching format keeps your edited text.</span> : null}
      </fieldset>
      <div>
        <label htmlFor={`${id}-text`} className="mb-1 block text-sm font-medium text-slate-800">
          Policy document ({format.toUpperCase()})
        </label>
        <textarea
          id={`${id}-text`}
          value={text}
          onChange={(e) => {
            setText(e.target.value);
            setDirty(true);
            setErrors(null);
            setStatus(null);
          }}
          rows={Math.min(30, Math.max(12, text.split("\n").length + 1))}
          spellCheck={false}
          autoCapitalize="off"
          autoCorrect="off"
          aria-describedby={`${id}-feedback`}
          aria-invalid={errors !== null && errors.length > 0}
          className="w-full rounded-md border border-slate-300 bg-white p-2 font-mono text-xs leading-relaxed text-slate-900 focus-visible:outline-2 focus-visible:outline-brand-600"
        />
      </div>
      <div id={`${id}-feedback`} className="space-y-2">
        {errors && errors.length > 0 ? (
          <div role="alert" className="rounded-lg border border-red-300 bg-red-50 p-3 text-sm text-red-900">
            <p className="font-medium">
              <span aria-hidden="true">✕ </span>
              {errors.length === 1 ? "1 problem" : `${errors.length} problems`}: nothing was saved.
            </p>
            <ul className="mt-1 list-disc space-y-0.5 pl-5" aria-label="Problems by path">
              {errors.map((e, i) => (
                <li key={i}>
                  <code className="rounded bg-white px-1 font-mono text-xs">{e.path}</code> {e.message}
                </li>
              ))}
            </ul>
          </div>
        ) : null}
        {errors && errors.length === 0 && !status ? (
          <p role="status" className="rounded border border-blue-200 bg-blue-50 px-2 py-1 text-sm text-blue-900">
            <span aria-hidden="true">✓ </span>Valid policy. Nothing is saved until you save it as a new version.
          </p>
        ) : null}
        {status ? (
          <p role="status" className="rounded border border-blue-200 bg-blue-50 px-2 py-1 text-sm text-blue-900">
            <span aria-hidden="true">✓ </span>
            {status}
          </p>
        ) : null}
        {failure ? (
          <p role="alert" className="text-sm text-red-800">
            {failure}
          </p>
        ) : null}
      </div>
      <div className="flex flex-wrap items-end gap-3">
        <button
          type="button"
          disabled={busy}
          onClick={() => void check().catch(() => {})}
          className={`${btn} border border-slate-300 bg-white text-slate-800 hover:bg-slate-50`}
        >
          Validate
        </button>
        <label className="flex min-w-64 flex-1 flex-col gap-1 text-xs font-medium text-slate-600">
          Why this change (required)
          <input
            type="text"
            required
            minLength={3}
            maxLength={500}
            value={comment}
            onChange={(e) => setComment(e.target.value)}
            placeholder="e.g. SLA breaches now block promotion to test"
            className="rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm text-slate-900 focus-visible:outline-2 focus-visible:outline-brand-600"
          />
        </label>
        <button type="submit" disabled={busy} className={`${btn} bg-brand-700 text-white hover:bg-brand-900`}>
          Save as new version
        </button>
      </div>
    </form>
  );
}
