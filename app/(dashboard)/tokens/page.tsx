import type { Metadata } from "next";
import { CreateTokenForm } from "@/components/tokens/create-token-form";
import { TokenStatusBadge } from "@/components/tokens/token-status";
import { TokenActions } from "@/components/tokens/token-actions";
import { CodeBlock } from "@/components/ui/code-block";
import { dateTime } from "@/components/ui/format";
import { Empty, Section } from "@/components/ui/section";
import { TimeAgo } from "@/components/ui/time-ago";
import { pageApi } from "../_lib/page-kit";

export const metadata: Metadata = { title: "Tokens" };

export default async function TokensPage() {
  const { api, user } = await pageApi("/tokens");
  const [tokens, options] = await Promise.all([api.tokens.list({}), api.tokens.options()]);
  const now = new Date();
  const teams = options.filter((t) => t.scopes.length > 0);
  const staff = user.role === "security" || user.role === "admin";
  // A hint only: the server decides again on every revoke and rotate.
  const canChange = (t: (typeof tokens)[number]) =>
    t.status !== "revoked" &&
    (staff || (user.role === "developer" && !!t.teamId && user.teamIds.includes(t.teamId)) || t.createdByUserId === user.id);

  return (
    <div className="space-y-4">
      <div>
        <h1 className="text-2xl font-bold tracking-tight">Machine tokens</h1>
        <p className="text-sm text-slate-600">
          Pipelines use these to upload reports and ask the gate. A token never grants more than the person who made it holds.
        </p>
      </div>
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
        {tokens.length === 0 ? (
          <Empty title="No tokens yet.">
            <p>Create one above for a pipeline, or from the command line:</p>
            <CodeBlock code="npm run gatehouse -- token create --team <team> --scopes scans:write,gate:evaluate" />
          </Empty>
        ) : (
          <div className="relative -mx-4 overflow-x-auto sm:mx-0">
            <table className="min-w-full text-sm">
              <thead className="border-b border-slate-200 bg-slate-50 text-left text-xs text-slate-600 uppercase">
                <tr>
                  <th scope="col" className="px-3 py-2">
                    Token
                  </th>
                  <th scope="col" className="px-3 py-2">
                    Status
                  </th>
                  <th scope="col" className="px-3 py-2">
                    Scopes
                  </th>
                  <th scope="col" className="px-3 py-2">
                    Binding
                  </th>
                  <th scope="col" className="px-3 py-2">
                    Expires
                  </th>
                  <th scope="col" className="px-3 py-2">
                    Last used
                  </th>
                  <th scope="col" className="px-3 py-2">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100">
                {tokens.map((t) => (
                  <tr key={t.id} className="align-top" data-token-id={t.id}>
                    <td className="px-3 py-2">
                      <span className="font-medium">{t.name}</span>
                      <span className="block font-mono text-xs text-slate-500">{t.displayPrefix}…</span>
                      <span className="block text-xs text-slate-500">
                        by {t.createdBy}, <TimeAgo iso={t.createdAt.toISOString()} now={now} />
                      </span>
                    </td>
                    <td className="px-3 py-2">
                      <TokenStatusBadge status={t.status} />
                    </td>
                    <td className="px-3 py-2">
                      <ul className="flex flex-wrap gap-1">
                        {t.scopes.map((s) => (
                          <li key={s} className="rounded bg-slate-100 px-1.5 py-0.5 font-mono text-xs">
                            {s}
                          </li>
                        ))}
                      </ul>
                    </td>
                    <td className="px-3 py-2">
                      <span className="font-medium">{t.team ?? "Organisation-wide"}</span>
                      <span className="block text-xs text-slate-600">
                        {t.team === null ? "stage policies" : t.services ? t.services.join(", ") : "every service"}
                      </span>
                    </td>
                    <td className="px-3 py-2 whitespace-nowrap text-slate-700">
                      {t.revokedAt ? (
                        <span>revoked {dateTime(t.revokedAt.toISOString())}</span>
                      ) : (
                        <time dateTime={t.expiresAt.toISOString()}>{dateTime(t.expiresAt.toISOString())}</time>
                      )}
                    </td>
                    <td className="px-3 py-2 whitespace-nowrap text-slate-700">
                      <TimeAgo iso={t.lastUsedAt?.toISOString() ?? null} now={now} />
                      {t.lastUsedIp ? <span className="block font-mono text-xs text-slate-500">{t.lastUsedIp}</span> : null}
                    </td>
                    <td className="px-3 py-2">
                      {canChange(t) ? <TokenActions id={t.id} name={t.name} canRotate={t.status === "active"} /> : null}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Section>
    </div>
  );
}
