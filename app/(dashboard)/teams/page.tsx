import type { Metadata } from "next";
import { ListResults } from "@/components/list/list-results";
import { PageHeader } from "@/components/list/page-header";
import { CreateTeamForm } from "@/components/teams/create-team-form";
import { InviteForm } from "@/components/teams/invite-form";
import { PeopleTable } from "@/components/teams/people-table";
import { TeamList } from "@/components/teams/team-list";
import { CodeBlock } from "@/components/ui/code-block";
import { Empty, Section } from "@/components/ui/section";
import { pageApi } from "../_lib/page-kit";

export const metadata: Metadata = { title: "Teams" };

export default async function TeamsPage() {
  const { api, user } = await pageApi("/teams");
  const isAdmin = user.role === "admin";
  const [teams, people] = await Promise.all([api.teams.list(), isAdmin ? api.teams.users() : Promise.resolve(null)]);

  return (
    <div className="space-y-4">
      <PageHeader
        title="Teams & members"
        description="Developers and viewers see the services of their own teams; security staff and admins see every team."
      />
      <Section id="teams" title="Teams">
        <ListResults
          framed={false}
          isEmpty={teams.length === 0}
          empty={
            <Empty title={isAdmin ? "No teams yet." : "You are not in any team yet."}>
              <p>
                {isAdmin
                  ? "Create the first team below, then add people and services to it."
                  : "Ask an administrator to add you to your team."}
              </p>
            </Empty>
          }
        >
          <TeamList teams={teams} />
        </ListResults>
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
            <PeopleTable people={people} selfId={user.id} now={new Date()} />
            <p className="text-xs text-slate-600">From the command line:</p>
            <CodeBlock code="npm run gatehouse -- user invite --email ada@example.com --role developer --team payments" />
          </div>
        </Section>
      ) : null}
    </div>
  );
}
