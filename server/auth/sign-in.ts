// Proving who you are: email + password (rate-limited per account and per address), or a verified email
// from OIDC/GitHub matched to an existing user. Every failure is audited with the email tried and the address.
import { createHash } from "node:crypto";
import { eq, sql } from "drizzle-orm";
import { users } from "@/db/schema";
import { recordAudit } from "../audit/record-audit";
import { withTransaction, type ServiceContext } from "../context";
import { DomainError } from "../errors";
import { hit, reset, type Limit } from "../security/rate-limit";
import { verifyPassword } from "./password";
import { SIGN_IN_LIMITS } from "./settings";

export type SignedInUser = { id: string; email: string; name: string | null };

export type SignInFailure = "invalid_credentials" | "rate_limited" | "disabled" | "unknown_email" | "unverified_email";

/** Why a sign-in was refused. The message is safe to show: it never says whether the account exists. */
export class SignInRefused extends DomainError {
  constructor(
    readonly reason: "invalid" | "rate_limited",
    readonly retryAfterSeconds?: number,
  ) {
    super(
      reason === "rate_limited" ? "rate_limited" : "unauthorized",
      reason === "rate_limited"
        ? `Too many sign-in attempts. Try again in ${describeWait(retryAfterSeconds ?? 60)}.`
        : "The email or password is not right.",
      reason === "rate_limited" ? "rate-limited" : "invalid-credentials",
      reason === "rate_limited" ? { retryAfter: retryAfterSeconds } : {},
    );
  }
}

export function describeWait(seconds: number): string {
  if (seconds < 60) return `${seconds} second${seconds === 1 ? "" : "s"}`;
  const minutes = Math.ceil(seconds / 60);
  return `${minutes} minute${minutes === 1 ? "" : "s"}`;
}

// Keys hold a hash, so the rate_limits table lists no email addresses.
const keyOf = (kind: string, value: string) => `signin:${kind}:${createHash("sha256").update(value).digest("hex").slice(0, 32)}`;

export const accountLimit = (email: string): Limit => ({
  key: keyOf("account", email),
  max: SIGN_IN_LIMITS.accountMax,
  windowSeconds: SIGN_IN_LIMITS.windowSeconds,
});
export const ipLimit = (ip: string): Limit => ({
  key: keyOf("ip", ip),
  max: SIGN_IN_LIMITS.ipMax,
  windowSeconds: SIGN_IN_LIMITS.windowSeconds,
});

/** Gives back one counted attempt (a successful sign-in is not a failure). */
async function refund(ctx: ServiceContext, key: string): Promise<void> {
  await ctx.db.execute(sql`update rate_limits set count = greatest(count - 1, 0) where key = ${key}`);
}

/** Audits a refused sign-in in its own transaction: the refusal is the event. */
export async function recordSignInFailure(
  ctx: ServiceContext,
  f: { email: string; reason: SignInFailure; method: string; userId?: string },
): Promise<void> {
  await withTransaction({ ...ctx, actor: { type: "system", label: "sign-in" } }, (tx) =>
    recordAudit(tx, {
      action: "auth.sign_in_failed",
      targetType: f.userId ? "user" : undefined,
      targetId: f.userId,
      after: { email: f.email.slice(0, 254), reason: f.reason, method: f.method },
    }),
  );
}

const normalizeEmail = (s: string) => s.trim().toLowerCase();

/**
 * Checks an email and password. Each attempt is counted before the password is checked, so parallel
 * guesses cannot slip past the limit; a success gives its attempt back and clears the account's count.
 */
export async function verifyCredentials(ctx: ServiceContext, raw: { email: unknown; password: unknown }): Promise<SignedInUser> {
  const email = typeof raw.email === "string" ? normalizeEmail(raw.email).slice(0, 254) : "";
  const password = typeof raw.password === "string" ? raw.password : "";
  const now = ctx.now();
  const byIp = ctx.ip ? await hit(ctx.db, ipLimit(ctx.ip), now) : undefined;
  const byAccount = email ? await hit(ctx.db, accountLimit(email), now) : undefined;
  const limited = [byIp, byAccount].filter((r) => r && !r.allowed);
  if (limited.length) {
    await recordSignInFailure(ctx, { email, reason: "rate_limited", method: "password" });
    throw new SignInRefused("rate_limited", Math.max(...limited.map((r) => r!.retryAfterSeconds)));
  }

  const [user] = email ? await ctx.db.select().from(users).where(eq(users.email, email)).limit(1) : [];
  // Always pay for one argon2 verification, so a missing account answers as slowly as a wrong password.
  const ok = await verifyPassword(user?.passwordHash, password);
  if (!user || !ok || user.disabledAt) {
    const reason: SignInFailure = !user ? "unknown_email" : !ok ? "invalid_credentials" : "disabled";
    await recordSignInFailure(ctx, { email, reason, method: "password", userId: user?.id });
    throw new SignInRefused("invalid");
  }
  if (ctx.ip) await refund(ctx, ipLimit(ctx.ip).key);
  await reset(ctx.db, accountLimit(email).key);
  return { id: user.id, email: user.email, name: user.name };
}

/**
 * An OIDC or GitHub sign-in: the provider's verified emails are matched to an existing, enabled user.
 * No one is created here: an unknown email is refused (people join through invitations).
 */
export async function matchExternalUser(
  ctx: ServiceContext,
  f: { method: "oidc" | "github"; verifiedEmails: string[]; unverifiedEmail?: string | null },
): Promise<SignedInUser | null> {
  const emails = [...new Set(f.verifiedEmails.map(normalizeEmail).filter(Boolean))];
  for (const email of emails) {
    const [user] = await ctx.db.select().from(users).where(eq(users.email, email)).limit(1);
    if (!user) continue;
    if (user.disabledAt) {
      await recordSignInFailure(ctx, { email, reason: "disabled", method: f.method, userId: user.id });
      return null;
    }
    return { id: user.id, email: user.email, name: user.name };
  }
  const tried = emails[0] ?? (f.unverifiedEmail ? normalizeEmail(f.unverifiedEmail) : "");
  await recordSignInFailure(ctx, {
    email: tried,
    reason: emails.length ? "unknown_email" : "unverified_email",
    method: f.method,
  });
  return null;
}
