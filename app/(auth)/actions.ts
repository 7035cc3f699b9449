"use server";
// Server actions of the sign-in pages: thin glue between the forms and server/auth.
import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { ZodError } from "zod";
import { changePassword } from "@/server/auth/account";
import { signIn, signOut } from "@/server/auth/config";
import { safeNext, type FormState } from "@/server/auth/forms";
import { currentUser, userContext } from "@/server/auth/current-user";
import { endSession } from "@/server/auth/sessions";
import { redeemSetupLink } from "@/server/auth/setup-links";
import { describeWait } from "@/server/auth/sign-in";
import type { ServiceContext } from "@/server/context";
import { DomainError } from "@/server/errors";
import { runtime } from "@/server/runtime";

const text = (f: FormData, name: string) => {
  const v = f.get(name);
  return typeof v === "string" ? v : "";
};

// Auth.js errors are told apart by `type` (class names do not survive minification).
const refusalCode = (e: unknown): string | undefined =>
  e instanceof Error && (e as { type?: unknown }).type === "CredentialsSignin"
    ? String((e as { code?: unknown }).code ?? "")
    : undefined;

/** Signs in through Auth.js; returns the form's error state, or redirects (throws) on success. */
async function credentialsSignIn(email: string, password: string, redirectTo: string): Promise<FormState | null> {
  try {
    await signIn("credentials", { email, password, redirectTo });
    return null;
  } catch (e) {
    const code = refusalCode(e);
    if (code === undefined) throw e; // Next's redirect on success, or a real fault
    const limited = /^rate_limited_(\d+)$/.exec(code);
    if (limited) {
      const seconds = Number(limited[1]);
      return {
        error: `Too many sign-in attempts. Try again in ${describeWait(seconds)}.`,
        retryAfter: seconds,
        values: { email },
      };
    }
    return { error: "The email or password is not right.", values: { email } };
  }
}

export async function signInAction(_prev: FormState, form: FormData): Promise<FormState> {
  const email = text(form, "email").trim();
  const password = text(form, "password");
  const fieldErrors: Record<string, string> = {};
  if (!email) fieldErrors.email = "Enter your email address.";
  if (!password) fieldErrors.password = "Enter your password.";
  if (Object.keys(fieldErrors).length) return { error: "Enter your email and password.", fieldErrors, values: { email } };
  return (await credentialsSignIn(email, password, safeNext(text(form, "next")))) ?? {};
}

export async function providerSignInAction(form: FormData): Promise<void> {
  const provider = text(form, "provider");
  if (provider !== "oidc" && provider !== "github") redirect("/sign-in");
  await signIn(provider, { redirectTo: safeNext(text(form, "next")) });
}

export async function signOutAction(): Promise<void> {
  const user = await currentUser();
  if (user) await endSession(await userContext(user), user.sessionId);
  await signOut({ redirectTo: "/sign-in?signed_out=1" });
}

async function anonymousContext(label: string): Promise<ServiceContext> {
  const h = await headers();
  return {
    db: runtime().db,
    actor: { type: "system", label },
    ip: h.get("x-gatehouse-client-ip") || undefined,
    requestId: h.get("x-request-id") ?? undefined,
    now: () => new Date(),
  };
}

function zodFieldErrors(e: ZodError): Record<string, string> {
  const out: Record<string, string> = {};
  for (const i of e.issues) {
    const key = String(i.path[0] ?? "form");
    out[key] ??= i.message.charAt(0).toUpperCase() + i.message.slice(1) + ".";
  }
  return out;
}

export async function setupAction(_prev: FormState, form: FormData): Promise<FormState> {
  const values = { email: text(form, "email").trim(), name: text(form, "name").trim() };
  const password = text(form, "password");
  if (password !== text(form, "confirm"))
    return { error: "Check the highlighted fields.", fieldErrors: { confirm: "The passwords do not match." }, values };
  let email: string;
  try {
    const created = await redeemSetupLink(await anonymousContext("setup-link"), {
      token: text(form, "token"),
      email: values.email || undefined,
      name: values.name,
      password,
    });
    email = created.email;
  } catch (e) {
    if (e instanceof ZodError) return { error: "Check the highlighted fields.", fieldErrors: zodFieldErrors(e), values };
    if (e instanceof DomainError) {
      const field = e.extra.field;
      return typeof field === "string"
        ? { error: "Check the highlighted fields.", fieldErrors: { [field]: e.message }, values }
        : { error: e.message, values };
    }
    throw e;
  }
  const refused = await credentialsSignIn(email, password, "/");
  // The account exists; if signing in right away is refused (e.g. rate limit), the sign-in page takes over.
  if (refused) redirect(`/sign-in?setup=done&email=${encodeURIComponent(email)}`);
  return {};
}

export async function changePasswordAction(_prev: FormState, form: FormData): Promise<FormState> {
  const user = await currentUser();
  if (!user) redirect("/sign-in?callbackUrl=/account");
  const newPassword = text(form, "newPassword");
  if (newPassword !== text(form, "confirm"))
    return { error: "Check the highlighted fields.", fieldErrors: { confirm: "The passwords do not match." } };
  try {
    await changePassword(await userContext(user), { currentPassword: text(form, "currentPassword"), newPassword });
  } catch (e) {
    if (e instanceof ZodError) return { error: "Check the highlighted fields.", fieldErrors: zodFieldErrors(e) };
    if (e instanceof DomainError) {
      const field = e.extra.field;
      return typeof field === "string"
        ? { error: "Check the highlighted fields.", fieldErrors: { [field]: e.message } }
        : { error: e.message };
    }
    throw e;
  }
  // Every session ended with the change; this browser gets a fresh one with the new password.
  const refused = await credentialsSignIn(user.email, newPassword, "/account?password_changed=1");
  if (refused) redirect("/sign-in?password_changed=1");
  return {};
}
