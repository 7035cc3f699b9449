"use client";
import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useId } from "react";
import { BTN_PRIMARY, ErrorText, INPUT, LABEL, SecretOnce } from "./controls";
import { useTRPC } from "@/components/trpc/provider";

const ROLES = ["viewer", "developer", "security", "admin"] as const;

/** Invites a person: the one-time setup link is shown here once; send it to them yourself. */
export function InviteForm({ teams, team }: { teams: { slug: string; name: string }[]; team?: string }) {
  const trpc = useTRPC();
  const router = useRouter();
  const id = useId();
  const invite = useMutation(trpc.teams.invite.mutationOptions({ onSuccess: () => router.refresh() }));
  return (
    <div className="space-y-3">
      <form
        aria-label="Invite a person"
        className="space-y-3"
        onSubmit={(e) => {
          e.preventDefault();
          const f = new FormData(e.currentTarget);
          invite.mutate({
            email: String(f.get("email") ?? ""),
            role: String(f.get("role")) as (typeof ROLES)[number],
            team: String(f.get("team") ?? "") || undefined,
          });
        }}
      >
        <div className="grid gap-3 sm:grid-cols-3">
          <label className={LABEL}>
            Email
            <input type="email" name="email" required maxLength={254} className={INPUT} />
          </label>
          <div>
            <label htmlFor={`${id}-role`} className={LABEL}>
              Role
            </label>
            <select id={`${id}-role`} name="role" defaultValue="developer" className={INPUT}>
              {ROLES.map((r) => (
                <option key={r} value={r}>
                  {r}
                </option>
              ))}
            </select>
          </div>
          <div>
            <label htmlFor={`${id}-team`} className={LABEL}>
              Team
            </label>
            <select id={`${id}-team`} name="team" defaultValue={team ?? ""} className={INPUT}>
              <option value="">No team</option>
              {teams.map((t) => (
                <option key={t.slug} value={t.slug}>
                  {t.name}
                </option>
              ))}
            </select>
          </div>
        </div>
        <ErrorText message={invite.error?.message} />
        <button type="submit" className={BTN_PRIMARY} disabled={invite.isPending}>
          {invite.isPending ? "Inviting…" : "Create invitation link"}
        </button>
      </form>
      {invite.data ? (
        <SecretOnce title={`Invitation for ${invite.data.email} (${invite.data.role})`} secret={invite.data.url}>
          <p>
            Send this link to them: it works once, until {invite.data.expiresAt.toISOString().replace("T", " ").slice(0, 16)} UTC.
          </p>
        </SecretOnce>
      ) : null}
    </div>
  );
}
