import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { AddMemberForm } from "@/components/teams/add-member-form";
import { InviteForm } from "@/components/teams/invite-form";
import { RemoveMember } from "@/components/teams/member-actions";
import { Pill } from "@/components/ui/badges";
import { CodeBlock } from "@/components/ui/code-block";
import { TimeAgo } from "@/components/ui/time-ago";
import { Empty, Section } from "@/components/ui/section";
import { orNotFound, pageApi } from "../../_lib/page-kit";

export const metadata: Metadata = { title: "Team" };

export default async function TeamPage({ params }: { params: Promise<{ slug: string }> }) {
  const { slug } = await params;
  if (!/^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/.test(slug) || slug.length > 63) notFound();
  const { api, user } = await pageApi(`/teams/${encodeURIComponent(slug)}`);
  const isAdmin = user.role === "admin";
  const team = await orNotFound(api.teams.get({ team: slug }));
  const people = isAdmin ? await api.teams.users() : [];
  const now = new Date();
  const members = new Set(team.members.map((m) => m.email));

  return (
    <div className="space-y-4">
      <div>
        <p className="text-sm">
          <Link className="text-brand-700 underline" href="/teams">
            ← Teams
          </Link>
        </p>
        <h1 className="text-2xl font-bold tracking-tight">{team.team.name}</h1>
        <p className="font-mono text-sm text-slate-600">{team.team.slug}</p>
      </div>
      <Section id="members" title="Members" description="Security staff and admins see every team without being members.">
        <div className="space-y-4">
          {team.members.length === 0 ? (
            <Empty title="Nobody is in this team yet.">
              <p>
                {isAdmin
                  ? "Add an existing account below, or invite someone straight into this team."
                  : "An administrator can add people to it."}
              </p>
            </Empty>
          ) : (
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
                      Member since
                    </th>
                    {isAdmin ? (
                      <th scope="col" className="px-3 py-2">
                        <span className="sr-only">Actions</span>
                      </th>
                    ) : null}
                  </tr>
                </thead>
                <tbody className="divide-y divide-slate-100">
                  {team.members.map((m) => (
                    <tr key={m.id} className="align-top">
                      <td className="px-3 py-2">
                        <span className="font-medium">{m.name ?? m.email}</span>
                        <span className="block text-xs break-all text-slate-600">{m.email}</span>
                        {m.status === "disabled" ? <Pill tone="red">✕ disabled</Pill> : null}
                      </td>
                      <td className="px-3 py-2 capitalize">{m.role}</td>
                      <td className="px-3 py-2 whitespace-nowrap text-slate-700">
                        <TimeAgo iso={m.joinedAt.toISOString()} now={now} />
                      </td>
                      {isAdmin ? (
                        <td className="px-3 py-2">
                          <RemoveMember team={team.team.slug} email={m.email} />
                        </td>
                      ) : null}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          {isAdmin ? (
            <>
              <AddMemberForm
                team={team.team.slug}
                people={people.filter((p) => p.status === "active" && !members.has(p.email)).map((p) => p.email)}
              />
              <details>
                <summary className="cursor-pointer text-sm text-brand-700 underline">Invite someone new to this team</summary>
                <div className="mt-3">
                  <InviteForm teams={[{ slug: team.team.slug, name: team.team.name }]} team={team.team.slug} />
                </div>
              </details>
            </>
          ) : null}
        </div>
      </Section>
      <Section id="services" title="Services">
        {team.services.length === 0 ? (
          <Empty title="This team has no services yet.">
            <p>An operator registers them from the command line:</p>
            <CodeBlock
              code={`npm run gatehouse -- service create <slug> --team ${team.team.slug} --repo https://github.com/acme/<repo>`}
            />
          </Empty>
        ) : (
          <ul className="divide-y divide-slate-100">
            {team.services.map((s) => (
              <li key={s.slug} className="flex flex-wrap items-center justify-between gap-2 py-2">
                <Link className="font-medium text-brand-700 underline" href={`/services/${s.slug}`}>
                  {s.name}
                </Link>
                <span className="text-xs text-slate-600">{s.criticality} criticality</span>
              </li>
            ))}
          </ul>
        )}
      </Section>
    </div>
  );
}
