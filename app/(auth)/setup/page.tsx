import type { Metadata } from "next";
import { PASSWORD_MIN } from "@/server/auth/password";
import { inspectSetupLink, type SetupLinkView } from "@/server/auth/setup-links";
import { DomainError } from "@/server/errors";
import { runtime } from "@/server/runtime";
import { AuthCard } from "../_components/auth-card";
import { SetupForm } from "../_components/setup-form";

export const dynamic = "force-dynamic";
// The link carries a one-time token: never send it on as a referrer.
export const metadata: Metadata = { title: "Set up your account", referrer: "no-referrer" };

const ROLE_NAMES = { admin: "an administrator", security: "security", developer: "a developer", viewer: "a viewer" } as const;

export default async function SetupPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const raw = (await searchParams).token;
  const token = Array.isArray(raw) ? raw[0] : raw;
  let view: SetupLinkView | null = null;
  let problem = "This page needs the one-time link printed by the server at its first start, or by `gatehouse admin create`.";
  if (token) {
    try {
      view = await inspectSetupLink(
        { db: runtime().db, actor: { type: "system", label: "setup-link" }, now: () => new Date() },
        token,
      );
    } catch (e) {
      if (!(e instanceof DomainError)) throw e;
      problem = e.message;
    }
  }
  if (!view || !token) {
    return (
      <AuthCard title="This link does not work">
        <p role="alert" className="text-sm text-slate-700" data-testid="setup-problem">
          {problem}
        </p>
        <p className="mt-4 text-sm text-slate-600">
          An operator can print a new one on the server with{" "}
          <code className="rounded bg-slate-100 px-1 py-0.5 font-mono text-xs">
            gatehouse admin create --email you@example.com
          </code>
          .
        </p>
      </AuthCard>
    );
  }
  const title =
    view.purpose === "invite" ? "Join Gatehouse" : view.email ? "Create an admin account" : "Create the first admin account";
  const intro =
    view.purpose === "invite"
      ? `You are invited as ${ROLE_NAMES[view.role]}${view.team ? ` in team ${view.team}` : ""}. Choose your password.`
      : "This account will manage Gatehouse: users, teams, policies and tokens. The link works once.";
  return (
    <AuthCard title={title} intro={intro}>
      <SetupForm token={token} email={view.email} minLength={PASSWORD_MIN} />
    </AuthCard>
  );
}
