import type { Metadata } from "next";
import Link from "next/link";
import { CreateTeamForm } from "@/components/teams/create-team-form";
import { InviteForm } from "@/components/teams/invite-form";
import { UserActions } from "@/components/teams/user-actions";
import { Pill } from "@/components/ui/badges";
import { CodeBlock } from "@/components/ui/code-block";
import { plural } from "@/components/ui/format";
import { Empty, Section } from "@/components/ui/section";
import { TimeAgo } from "@/components/ui/time-ago";
import { pageApi } from "../_lib/page-kit";

export const metadata: Metadata = { title: "Teams" };

export default async function TeamsPage() {
  const { api, user } = await pageApi("/teams");
  const isAdmin = user.role === "admin";
  const [teams, people] = await Promise.all([api.teams.list(), isAdmin ? api.teams.users() : Promise.resolve(null)]);
  const now = new Date();

  return (
    <div className="space-y-4">
      <div>
        <h1 className="text-2xl font-bold tracking-tight">Teams &amp; members</h1>
        <p className="text-sm text-slate-600">
          Developers and viewers see the services of their own teams; security staff and admins see every team.
        </p>
      </div>
      <Section id="teams" title="Teams">
        {teams.length === 0 ? (
          <Empty title={isAdmin ? "No teams yet." : "You are not in any team yet."}>
            <p>
              {isAdmin
                ? "Create the first team below, then add people and services to it."
                : "Ask an administrator to add you to your team."}
            </p>
          </Empty>
        ) : (
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
        )}
      </Section>
      {isAdmin ? (
        <Section id="create-team" title="Create a team" description="Only administrators see this.">
          <CreateTeamForm />
        </Section>
      ) : null}
      {people ? (
        <Section
          id="people"
          title="People"
          description="Change a role, disable an account, or invite someone. Only administrators see this."
        >
          <div className="space-y-4">
            <h3 className="text-sm font-semibold text-slate-900">Invite someone</h3>
            <InviteForm teams={teams.map((t) => ({ slug: t.slug, name: t.name }))} />
            <h3 className="border-t border-slate-200 pt-4 text-sm font-semibold text-slate-900">Everyone</h3>
            <div className="relative -mx-4 overflow-x-auto sm:mx-0">
              <table className="min-w-full text-sm">
                <thead className="border-b border-slate-200 bg-slate-50 text-left text-xs text-slate-600 uppercase">
                  <tr>
                    <th scope="col" className="px-3 py-2">
                      Person
                    </th>
                    <th scope="col" className="px-3 py-2">
                      Role
                    </th>
                    <th scope="col" className="px-3 py-2">
                      Teams
                    </th>
                    <th scope="col" className="px-3 py-2">
                      Last sign-in
                    </th>
                    <th scope="col" className="px-3 py-2">
                      <span className="sr-only">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody className="divide-y divide-slate-100">
                  {people.map((p) => (
                    <tr key={p.id} className="align-top">
                      <td className="px-3 py-2">
                        <span className="font-medium">{p.name ?? p.email}</span>
                        <span className="block text-xs break-all text-slate-600">{p.email}</span>
                        {p.status === "disabled" ? <Pill tone="red">✕ disabled</Pill> : null}
                      </td>
                      <td className="px-3 py-2 capitalize">{p.role}</td>
                      <td className="px-3 py-2 text-xs">{p.teams.length ? p.teams.join(", ") : "—"}</td>
                      <td className="px-3 py-2 whitespace-nowrap text-slate-700">
                        <TimeAgo iso={p.lastSignInAt?.toISOString() ?? null} now={now} />
                      </td>
                      <td className="px-3 py-2">
                        {p.id === user.id ? (
                          <span className="text-xs text-slate-500">you</span>
                        ) : (
                          <UserActions email={p.email} role={p.role} disabled={p.status === "disabled"} />
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <p className="text-xs text-slate-600">From the command line:</p>
            <CodeBlock code="npm run gatehouse -- user invite --email ada@example.com --role developer --team payments" />
          </div>
        </Section>
      ) : null}
    </div>
  );
}
