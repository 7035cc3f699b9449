import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { safeNext } from "@/server/auth/forms";
import { currentUser } from "@/server/auth/current-user";
import { externalProviders } from "@/server/auth/settings";
import { providerSignInAction } from "../actions";
import { AuthCard } from "../_components/auth-card";
import { SignInForm } from "../_components/sign-in-form";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Sign in" };

type Params = Record<string, string | string[] | undefined>;
const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

/** Messages for the states other pages and Auth.js send people here with. */
function noticeFor(p: Params): { notice?: string; error?: string } {
  if (one(p.signed_out)) return { notice: "You have signed out." };
  if (one(p.setup)) return { notice: "Your account is ready. Sign in with your new password." };
  if (one(p.password_changed)) return { notice: "Your password has changed. Sign in with the new one." };
  const error = one(p.error);
  if (!error) return {};
  const code = one(p.code) ?? "";
  if (code.startsWith("rate_limited")) return { error: "Too many sign-in attempts. Wait a while, then try again." };
  if (error === "CredentialsSignin") return { error: "The email or password is not right." };
  if (error === "AccessDenied")
    return {
      error: "No Gatehouse account matches a verified email of that sign-in. Ask an administrator for an invitation.",
    };
  return { error: "Sign-in did not work. Try again." };
}

export default async function SignInPage({ searchParams }: { searchParams: Promise<Params> }) {
  const params = await searchParams;
  const next = safeNext(one(params.callbackUrl) ?? one(params.next));
  if (await currentUser()) redirect(next);
  const { notice, error } = noticeFor(params);
  const ext = externalProviders();
  const others = [
    ext.oidc ? { id: "oidc", name: ext.oidc.name } : null,
    ext.github ? { id: "github", name: "GitHub" } : null,
  ].filter((p) => p !== null);
  return (
    <AuthCard title="Sign in">
      {error ? (
        <div role="alert" className="mb-5 rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800">
          {error}
        </div>
      ) : null}
      <SignInForm next={next} notice={notice} email={one(params.email)} />
      {others.length ? (
        <div className="mt-6">
          <div className="relative text-center text-xs text-slate-500">
            <span className="relative z-10 bg-white px-2">or</span>
            <span aria-hidden="true" className="absolute inset-x-0 top-1/2 border-t border-slate-200" />
          </div>
          <div className="mt-4 space-y-3">
            {others.map((p) => (
              <form key={p.id} action={providerSignInAction}>
                <input type="hidden" name="provider" value={p.id} />
                <input type="hidden" name="next" value={next} />
                <button
                  type="submit"
                  className="flex w-full justify-center rounded-md border border-slate-300 bg-white px-4 py-2.5 text-sm font-semibold text-slate-800 shadow-sm hover:bg-slate-50 focus:outline-none focus-visible:ring-2 focus-visible:ring-brand-600 focus-visible:ring-offset-2"
                >
                  Continue with {p.name}
                </button>
              </form>
            ))}
          </div>
        </div>
      ) : null}
      <p className="mt-6 text-xs text-slate-500">
        No account yet? Accounts are created by invitation: ask a Gatehouse administrator.
      </p>
    </AuthCard>
  );
}
