"use client";
import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { BTN, ConfirmButton, ErrorText } from "@/components/teams/controls";
import { useTRPC } from "@/components/trpc/provider";

/** "Send a test" (the answer shows at once) and remove, for a subscription the person may manage. */
export function SubscriptionActions({ id, target }: { id: string; target: string }) {
  const trpc = useTRPC();
  const router = useRouter();
  const test = useMutation(trpc.notifications.test.mutationOptions({ onSettled: () => router.refresh() }));
  const remove = useMutation(trpc.notifications.remove.mutationOptions({ onSuccess: () => router.refresh() }));
  const r = test.data;
  return (
    <div className="space-y-1">
      <div className="flex flex-wrap items-center gap-2">
        <button type="button" className={BTN} disabled={test.isPending} onClick={() => test.mutate({ id })}>
          {test.isPending ? "Sending…" : "Send a test"}
        </button>
        <ConfirmButton
          label="Remove"
          confirmLabel="Remove now"
          question={`Stop sending to ${target}?`}
          busy={remove.isPending}
          onConfirm={() => remove.mutate({ id })}
        />
      </div>
      {r ? (
        <p role="status" className={`text-sm ${r.ok ? "text-emerald-800" : "text-red-800"}`}>
          {r.ok ? `Test delivered${r.status ? ` (HTTP ${r.status})` : ""}.` : `Test not delivered: ${r.error ?? "failed"}.`}
        </p>
      ) : null}
      <ErrorText message={test.error?.message ?? remove.error?.message} />
    </div>
  );
}
