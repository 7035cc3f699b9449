import type { Metadata } from "next";
import { ListResults } from "@/components/list/list-results";
import { PageHeader } from "@/components/list/page-header";
import { CreateTokenForm } from "@/components/tokens/create-token-form";
import { TokensTable } from "@/components/tokens/tokens-table";
import { CodeBlock } from "@/components/ui/code-block";
import { Empty, Section } from "@/components/ui/section";
import { pageApi } from "../_lib/page-kit";

export const metadata: Metadata = { title: "Tokens" };

export default async function TokensPage() {
  const { api, user } = await pageApi("/tokens");
  const [tokens, options] = await Promise.all([api.tokens.list({}), api.tokens.options()]);
  const teams = options.filter((t) => t.scopes.length > 0);
  const staff = user.role === "security" || user.role === "admin";
  const canChange = (t: (typeof tokens)[number]) =>
    t.status !== "revoked" &&
    (staff || (user.role === "developer" && !!t.teamId && user.teamIds.includes(t.teamId)) || t.createdByUserId === user.id);

  return (
    <div className="space-y-4">
      <PageHeader
        title="Machine tokens"
        description="Pipelines use these to upload reports and ask the gate. A token never grants more than the person who made it holds."
      />
      <Section id="create" title="Create a token">
        {teams.length ? (
          <CreateTokenForm teams={teams} />
        ) : (
          <Empty title="You are not in any team yet.">
            <p>Ask an administrator to add you to a team; then you can make tokens for its pipelines.</p>
          </Empty>
        )}
      </Section>
      <Section
        id="tokens"
        title="Tokens"
        description="Newest first within each team. Secrets are never shown again after creation."
      >
        <ListResults
          framed={false}
          isEmpty={tokens.length === 0}
          empty={
            <Empty title="No tokens yet.">
              <p>Create one above for a pipeline, or from the command line:</p>
              <CodeBlock code="npm run gatehouse -- token create --team <team> --scopes scans:write,gate:evaluate" />
            </Empty>
          }
        >
          <TokensTable tokens={tokens} canChange={canChange} now={new Date()} />
        </ListResults>
      </Section>
    </div>
  );
}
