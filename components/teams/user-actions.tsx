"use client";
import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useId, useState } from "react";
import { BTN, ConfirmButton, ErrorText } from "./controls";
import { useTRPC } from "@/components/trpc/provider";

const ROLES = ["admin", "security", "developer", "viewer"] as const;
type Role = (typeof ROLES)[number];

/** An admin changes someone's role or disables their account (never their own: the server refuses). */
export function UserActions({ email, role, disabled }: { email: string; role: Role; disabled: boolean }) {
  const trpc = useTRPC();
  const router = useRouter();
  const id = useId();
  const [next, setNext] = useState<Role>(role);
  const change = useMutation(trpc.teams.changeRole.mutationOptions({ onSuccess: () => router.refresh() }));
  const disable = useMutation(trpc.teams.disableUser.mutationOptions({ onSuccess: () => router.refresh() }));
  return (
    <div className="space-y-1">
      <div className="flex flex-wrap items-center gap-2">
        <form
          aria-label={`Change the role of ${email}`}
          className="flex items-center gap-1"
          onSubmit={(e) => {
            e.preventDefault();
            change.mutate({ email, role: next });
          }}
        >
          <label htmlFor={id} className="sr-only">
            Role of {email}
          </label>
          <select
            id={id}
            value={next}
            onChange={(e) => setNext(e.target.value as Role)}
            className="rounded-md border border-slate-300 bg-white px-2 py-1 text-sm focus-visible:outline-2 focus-visible:outline-brand-600"
          >
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
          <button type="submit" className={BTN} disabled={next === role || change.isPending}>
            Change role
          </button>
        </form>
        {!disabled ? (
          <ConfirmButton
            label="Disable"
            confirmLabel="Disable account"
            question={`Disable ${email}? Their sessions end at once and their tokens stop working.`}
            busy={disable.isPending}
            onConfirm={() => disable.mutate({ email })}
          />
        ) : null}
      </div>
      <ErrorText message={change.error?.message ?? disable.error?.message} />
    </div>
  );
}
