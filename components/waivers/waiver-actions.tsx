"use client";
import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useId } from "react";
import { useTRPC } from "@/components/trpc/provider";

const btn =
  "rounded-md border px-2.5 py-1 text-xs font-medium focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-brand-600 disabled:cursor-not-allowed disabled:opacity-50";

/**
 * Security staff approve a pending waiver or revoke one. Approving your own request is refused by the server;
 * the button says so before anyone tries.
 */
export function WaiverActions({ id, status, ownRequest }: { id: string; status: string; ownRequest: boolean }) {
  const trpc = useTRPC();
  const router = useRouter();
  const hint = useId();
  const approve = useMutation(trpc.waivers.approve.mutationOptions({ onSuccess: () => router.refresh() }));
  const revoke = useMutation(trpc.waivers.revoke.mutationOptions({ onSuccess: () => router.refresh() }));
  const error = approve.error?.message ?? revoke.error?.message;
  const busy = approve.isPending || revoke.isPending;
  if (status === "revoked" || status === "expired") return null;
  return (
    <div className="flex flex-wrap items-center gap-2">
      {status === "pending" ? (
        <>
          <button
            type="button"
            disabled={busy || ownRequest}
            aria-describedby={ownRequest ? hint : undefined}
            className={`${btn} border-brand-700 bg-brand-700 text-white hover:bg-brand-900`}
            onClick={() => approve.mutate({ id })}
          >
            Approve
          </button>
          {ownRequest ? (
            <span id={hint} className="text-xs text-slate-600">
              You requested this waiver; another member of the security team approves it.
            </span>
          ) : null}
        </>
      ) : null}
      <button
        type="button"
        disabled={busy}
        className={`${btn} border-slate-300 bg-white text-slate-800 hover:bg-slate-50`}
        onClick={() => revoke.mutate({ id })}
      >
        {status === "pending" ? "Reject" : "Revoke"}
      </button>
      {error ? (
        <p role="alert" className="text-xs text-red-800">
          {error}
        </p>
      ) : null}
    </div>
  );
}
