"use client";
import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useId, useState } from "react";
import { BTN, ConfirmButton, ErrorText, INPUT, SecretOnce } from "@/components/teams/controls";
import { useTRPC } from "@/components/trpc/provider";

/** Revoke (after a confirmation) or rotate with a grace period; a rotation shows the new secret once. */
export function TokenActions({ id, name, canRotate }: { id: string; name: string; canRotate: boolean }) {
  const trpc = useTRPC();
  const router = useRouter();
  const fieldId = useId();
  const [rotating, setRotating] = useState(false);
  const [grace, setGrace] = useState("24");
  const revoke = useMutation(trpc.tokens.revoke.mutationOptions({ onSuccess: () => router.refresh() }));
  const rotate = useMutation(
    trpc.tokens.rotate.mutationOptions({
      onSuccess: () => {
        setRotating(false);
        router.refresh();
      },
    }),
  );
  return (
    <div className="space-y-2">
      <div className="flex flex-wrap items-center gap-2">
        <ConfirmButton
          label="Revoke"
          confirmLabel="Revoke now"
          question={`Revoke ${name}? Pipelines using it stop at once.`}
          busy={revoke.isPending}
          onConfirm={() => revoke.mutate({ id })}
        />
        {canRotate && !rotating ? (
          <button type="button" className={BTN} onClick={() => setRotating(true)}>
            Rotate
          </button>
        ) : null}
      </div>
      {rotating ? (
        <form
          aria-label={`Rotate ${name}`}
          className="flex flex-wrap items-end gap-2"
          onSubmit={(e) => {
            e.preventDefault();
            rotate.mutate({ id, graceHours: Number(grace) });
          }}
        >
          <label htmlFor={fieldId} className="text-xs font-medium text-slate-600">
            Old token keeps working for (hours)
            <input
              id={fieldId}
              type="number"
              min={0}
              max={168}
              required
              value={grace}
              onChange={(e) => setGrace(e.target.value)}
              className={`${INPUT} w-28`}
            />
          </label>
          <button type="submit" className={BTN} disabled={rotate.isPending}>
            Rotate now
          </button>
          <button type="button" className={BTN} onClick={() => setRotating(false)}>
            Cancel
          </button>
        </form>
      ) : null}
      <ErrorText message={revoke.error?.message ?? rotate.error?.message} />
      {rotate.data ? (
        <SecretOnce title={`New token ${rotate.data.id} replaces ${name}`} secret={rotate.data.token}>
          <p>
            The old token keeps working until {rotate.data.replaced.expiresAt.toISOString().replace("T", " ").slice(0, 16)} UTC.
          </p>
        </SecretOnce>
      ) : null}
    </div>
  );
}
