"use client";
import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useId, useState } from "react";
import { BTN_PRIMARY, ErrorText, INPUT, LABEL } from "./controls";
import { useTRPC } from "@/components/trpc/provider";

/** Adds an existing account to the team by email; `people` suggests the accounts not in it yet. */
export function AddMemberForm({ team, people }: { team: string; people: string[] }) {
  const trpc = useTRPC();
  const router = useRouter();
  const listId = useId();
  const [email, setEmail] = useState("");
  const add = useMutation(
    trpc.teams.addMember.mutationOptions({
      onSuccess: () => {
        setEmail("");
        router.refresh();
      },
    }),
  );
  return (
    <form
      aria-label="Add a member"
      className="flex flex-wrap items-end gap-2"
      onSubmit={(e) => {
        e.preventDefault();
        add.mutate({ team, email });
      }}
    >
      <label className={`${LABEL} min-w-64 flex-1`}>
        Email of an existing account
        <input type="email" required list={listId} value={email} onChange={(e) => setEmail(e.target.value)} className={INPUT} />
        <datalist id={listId}>
          {people.map((p) => (
            <option key={p} value={p} />
          ))}
        </datalist>
      </label>
      <button type="submit" className={BTN_PRIMARY} disabled={add.isPending}>
        Add member
      </button>
      <div className="w-full">
        <ErrorText message={add.error?.message} />
        {add.data ? (
          <p role="status" className="text-sm text-blue-900">
            Added {add.data.email}.
          </p>
        ) : null}
      </div>
    </form>
  );
}
