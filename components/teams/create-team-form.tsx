"use client";
import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { BTN_PRIMARY, ErrorText, INPUT, LABEL } from "./controls";
import { useTRPC } from "@/components/trpc/provider";

export function CreateTeamForm() {
  const trpc = useTRPC();
  const router = useRouter();
  const create = useMutation(trpc.teams.create.mutationOptions({ onSuccess: (t) => router.push(`/teams/${t.slug}`) }));
  return (
    <form
      aria-label="Create a team"
      className="space-y-3"
      onSubmit={(e) => {
        e.preventDefault();
        const f = new FormData(e.currentTarget);
        create.mutate({ slug: String(f.get("slug") ?? "").trim(), name: String(f.get("name") ?? "").trim() || undefined });
      }}
    >
      <div className="grid gap-3 sm:grid-cols-2">
        <label className={LABEL}>
          Slug (lower-case letters, digits, dashes)
          <input name="slug" required maxLength={63} pattern="[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?" className={INPUT} />
        </label>
        <label className={LABEL}>
          Name
          <input name="name" maxLength={200} className={INPUT} />
        </label>
      </div>
      <ErrorText message={create.error?.message} />
      <button type="submit" className={BTN_PRIMARY} disabled={create.isPending}>
        {create.isPending ? "Creating…" : "Create team"}
      </button>
    </form>
  );
}
