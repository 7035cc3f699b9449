"use client";
import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useId, useState } from "react";
import { BTN, BTN_PRIMARY, ErrorText, INPUT, LABEL, SecretOnce } from "@/components/teams/controls";
import { useTRPC } from "@/components/trpc/provider";

export type TeamOption = {
  /** "" for the organisation (org: true) */
  slug: string;
  name: string;
  /** an organisation token: bound to no team, for the stage policies */
  org: boolean;
  services: { slug: string; name: string }[];
  /** the scopes this person may grant in this team */
  scopes: string[];
};

const ALL_SCOPES = ["scans:write", "gate:evaluate", "deployments:write", "waivers:write", "policies:write", "read"] as const;
const SCOPE_HELP: Record<string, string> = {
  "scans:write": "upload scanner reports",
  "gate:evaluate": "ask the gate",
  "deployments:write": "record deployments",
  "waivers:write": "request waivers (people approve them)",
  "policies:write": "change stage policies (organisation tokens only)",
  read: "read results",
};
const EXPIRY_DAYS = [7, 30, 90, 180, 365];

/** Create a machine token: the secret comes back once and is shown here until the page is left. */
export function CreateTokenForm({ teams }: { teams: TeamOption[] }) {
  const trpc = useTRPC();
  const router = useRouter();
  const id = useId();
  const [open, setOpen] = useState(false);
  const [team, setTeam] = useState(teams.find((t) => !t.org)?.slug ?? teams[0]?.slug ?? "");
  const [bound, setBound] = useState(false);
  const current = teams.find((t) => t.slug === team);
  const create = useMutation(
    trpc.tokens.create.mutationOptions({
      onSuccess: () => {
        setOpen(false);
        router.refresh();
      },
    }),
  );
  const made = create.data;

  return (
    <div className="space-y-3">
      {made ? (
        <SecretOnce title={`Token ${made.id} created for ${made.team ?? "the organisation"}`} secret={made.token}>
          <p>
            Scopes {made.scopes.join(", ")};{" "}
            {made.team === null
              ? "bound to no team (stage policies)"
              : made.services
                ? `services ${made.services.join(", ")}`
                : "every service of the team"}
            ; expires {made.expiresAt.toISOString().slice(0, 10)}. Pipelines send it as{" "}
            <code className="font-mono">Authorization: Bearer gth_…</code>.
          </p>
        </SecretOnce>
      ) : null}
      {!open ? (
        <button type="button" className={BTN_PRIMARY} aria-controls={`${id}-form`} onClick={() => setOpen(true)}>
          New token
        </button>
      ) : (
        <form
          id={`${id}-form`}
          aria-label="Create a token"
          className="space-y-4 rounded-lg border border-slate-200 bg-slate-50 p-3"
          onSubmit={(e) => {
            e.preventDefault();
            const f = new FormData(e.currentTarget);
            const services = bound ? f.getAll("services").map(String) : [];
            const common = {
              name: String(f.get("name") ?? "").trim() || undefined,
              scopes: f.getAll("scopes").map(String) as (typeof ALL_SCOPES)[number][],
              expiresInDays: Number(f.get("expiresInDays")),
            };
            create.mutate(
              current?.org
                ? { ...common, org: true }
                : { ...common, team, services: bound && services.length ? services : undefined },
            );
          }}
        >
          <div className="grid gap-3 sm:grid-cols-3">
            <label className={LABEL}>
              Name
              <input name="name" required maxLength={100} placeholder="e.g. checkout CI" className={INPUT} />
            </label>
            <div>
              <label htmlFor={`${id}-team`} className={LABEL}>
                Team
              </label>
              <select id={`${id}-team`} name="team" value={team} onChange={(e) => setTeam(e.target.value)} className={INPUT}>
                {teams.map((t) => (
                  <option key={t.slug} value={t.slug}>
                    {t.name}
                  </option>
                ))}
              </select>
            </div>
            <div>
              <label htmlFor={`${id}-expiry`} className={LABEL}>
                Expires in
              </label>
              <select id={`${id}-expiry`} name="expiresInDays" defaultValue="90" className={INPUT}>
                {EXPIRY_DAYS.map((d) => (
                  <option key={d} value={d}>
                    {d} days
                  </option>
                ))}
              </select>
            </div>
          </div>
          <fieldset>
            <legend className={LABEL}>Scopes (at least one)</legend>
            <div className="mt-1 flex flex-wrap gap-x-5 gap-y-2 text-sm">
              {ALL_SCOPES.map((s) => {
                const allowed = current?.scopes.includes(s) ?? false;
                return (
                  <label key={s} className={`inline-flex items-center gap-1.5 ${allowed ? "" : "text-slate-400"}`}>
                    <input type="checkbox" name="scopes" value={s} disabled={!allowed} className="h-4 w-4" />
                    <span className="font-mono">{s}</span>
                    <span className="text-xs text-slate-500">
                      {SCOPE_HELP[s]}
                      {allowed ? "" : " (not for your role)"}
                    </span>
                  </label>
                );
              })}
            </div>
          </fieldset>
          {current?.org ? (
            <p className="text-sm text-slate-600">
              An organisation token is bound to no team or service: it may change the stage policies, which apply to every team,
              and read them.
            </p>
          ) : (
            <fieldset>
              <legend className={LABEL}>Binding</legend>
              <div className="mt-1 flex flex-wrap gap-5 text-sm">
                <label className="inline-flex items-center gap-1.5">
                  <input type="radio" name="binding" checked={!bound} onChange={() => setBound(false)} className="h-4 w-4" />
                  Every service of the team
                </label>
                <label className="inline-flex items-center gap-1.5">
                  <input type="radio" name="binding" checked={bound} onChange={() => setBound(true)} className="h-4 w-4" />
                  Only some services
                </label>
              </div>
              {bound ? (
                current?.services.length ? (
                  <div className="mt-2 flex flex-wrap gap-x-5 gap-y-2 text-sm">
                    {current.services.map((s) => (
                      <label key={s.slug} className="inline-flex items-center gap-1.5">
                        <input type="checkbox" name="services" value={s.slug} className="h-4 w-4" /> {s.name}
                      </label>
                    ))}
                  </div>
                ) : (
                  <p className="mt-2 text-sm text-slate-600">This team has no services yet.</p>
                )
              ) : null}
            </fieldset>
          )}
          <ErrorText message={create.error?.message} />
          <div className="flex gap-2">
            <button type="submit" disabled={create.isPending} className={BTN_PRIMARY}>
              {create.isPending ? "Creating…" : "Create token"}
            </button>
            <button type="button" className={BTN} onClick={() => setOpen(false)}>
              Cancel
            </button>
          </div>
        </form>
      )}
    </div>
  );
}
