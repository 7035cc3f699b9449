import Link from "next/link";
import type { RouterOutputs } from "@/components/trpc/types";
import { plural } from "@/components/ui/format";

type Team = RouterOutputs["teams"]["list"][number];

/** The teams one can see, each with its size. */
export function TeamList({ teams }: { teams: readonly Team[] }) {
  return (
    <ul className="divide-y divide-slate-100">
      {teams.map((t) => (
        <li key={t.slug} className="flex flex-wrap items-center justify-between gap-2 py-2">
          <div>
            <Link className="font-medium text-brand-700 underline" href={`/teams/${t.slug}`}>
              {t.name}
            </Link>
            {t.name !== t.slug ? <span className="ml-2 font-mono text-xs text-slate-500">{t.slug}</span> : null}
          </div>
          <p className="text-sm text-slate-600">
            {plural(t.members, "member")} · {plural(t.services, "service")}
          </p>
        </li>
      ))}
    </ul>
  );
}
