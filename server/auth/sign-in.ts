// Proving who you are: email + password (rate-limited per account and address, and per address), or a verified email
// from OIDC/GitHub matched to an existing user. Every failure is audited with the email tried and the address; refusals
// while rate-limited are counted and audited once per limit and window.
import { createHash } from "node:crypto";
import { eq, lte, sql } from "drizzle-orm";
import type { Database } from "@/db/client";
import { signInThrottles, users } from "@/db/schema";
import { recordAudit } from "../audit/record-audit";
import { withTransaction, type ServiceContext } from "../context";
import { DomainError } from "../errors";
import { logger } from "../log";
import { addressKey } from "../security/client-address";
import { hit, peek, reset, type Limit } from "../security/rate-limit";
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

/** Attempts for one account from one address: the only limit that refuses an account's right password. */
export const pairLimit = (email: string, address: string): Limit => ({
  key: keyOf("pair", `${email}\u0000${address}`),
  max: SIGN_IN_LIMITS.pairMax,
  windowSeconds: SIGN_IN_LIMITS.windowSeconds,
});
/** Attempts from one address (an IPv6 /64 counts as one), whatever the account. */
export const addressLimit = (address: string): Limit => ({
  key: keyOf("address", address),
  max: SIGN_IN_LIMITS.addressMax,
  windowSeconds: SIGN_IN_LIMITS.windowSeconds,
});
/** Failures for one account from every address: they slow its sign-ins down and never refuse them. */
export const accountFailures = (email: string): Omit<Limit, "max"> => ({
  key: keyOf("account", email),
  windowSeconds: SIGN_IN_LIMITS.windowSeconds,
});

/** How long an attempt waits after `failures` failures for the account in the window (from any address). */
export function slowdownMs(failures: number): number {
  const over = failures - SIGN_IN_LIMITS.accountSlowAfter;
  return over <= 0 ? 0 : Math.min(SIGN_IN_LIMITS.accountSlowMaxMs, over * SIGN_IN_LIMITS.accountSlowStepMs);
}

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

/**
 * Counts a sign-in refused while rate-limited against its key and window. The audit trail gets one event per key and
 * window, with the count, when the window is over (flushSignInThrottles): an attacker cannot grow it by retrying.
 */
async function countThrottled(
  ctx: ServiceContext,
  t: { key: string; windowStart: Date; scope: "address" | "account-address"; address: string; email?: string },
): Promise<void> {
  const now = ctx.now();
  const windowEnd = new Date(t.windowStart.getTime() + SIGN_IN_LIMITS.windowSeconds * 1000);
  await ctx.db
    .insert(signInThrottles)
    .values({
      key: t.key,
      windowStart: t.windowStart,
      windowEnd,
      scope: t.scope,
      ip: t.address,
      email: t.email?.slice(0, 254) ?? null,
      refused: 1,
      firstAt: now,
      lastAt: now,
    })
    .onConflictDoUpdate({
      target: [signInThrottles.key, signInThrottles.windowStart],
      set: { refused: sql`${signInThrottles.refused} + 1`, lastAt: now },
    });
}

/**
 * Writes the audit event of every throttle window that is over (one per key and window, with its count) and forgets
 * the windows; also drops sign-in counters whose window is over. Several instances may run it: each row goes once.
 */
export async function flushSignInThrottles(ctx: Pick<ServiceContext, "db" | "now">): Promise<number> {
  const now = ctx.now();
  const sys: ServiceContext = { db: ctx.db, now: ctx.now, actor: { type: "system", label: "sign-in" } };
  const written = await withTransaction(sys, async (tx) => {
    const over = await tx.db.delete(signInThrottles).where(lte(signInThrottles.windowEnd, now)).returning();
    for (const w of over.sort((a, b) => a.firstAt.getTime() - b.firstAt.getTime())) {
      await recordAudit(
        { ...tx, ip: w.ip ?? undefined },
        {
          action: "auth.sign_in_throttled",
          after: {
            scope: w.scope,
            ...(w.email ? { email: w.email } : {}),
            refused: w.refused,
            windowStart: w.windowStart.toISOString(),
            windowEnd: w.windowEnd.toISOString(),
            firstAt: w.firstAt.toISOString(),
            lastAt: w.lastAt.toISOString(),
          },
        },
      );
    }
    return over.length;
  });
  await ctx.db.execute(
    sql`delete from rate_limits
         where key like 'signin:%'
           and window_start + make_interval(secs => ${SIGN_IN_LIMITS.windowSeconds}) <= ${now.toISOString()}::timestamptz`,
  );
  return written;
}

// Whatever was typed is looked up and audited as text the database can hold: a NUL or a lone surrogate never matches
// an account anyway, and would otherwise fail the query (and the audit event) instead of being a wrong email.
const normalizeEmail = (s: string) =>
  s
    .toWellFormed()
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f]/g, "\ufffd")
    .trim()
    .toLowerCase();

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Checks an email and password. Each attempt is counted (per address, then per account and address) before the
 * password is checked, so parallel guesses cannot slip past the limits; a success gives its attempt back and clears
 * the account's counts. Failures for the account from every address only make the next attempts wait.
 */
export async function verifyCredentials(
  ctx: ServiceContext,
  raw: { email: unknown; password: unknown },
  opts: { wait?: (ms: number) => Promise<void> } = {},
): Promise<SignedInUser> {
  const email = typeof raw.email === "string" ? normalizeEmail(raw.email).slice(0, 254) : "";
  const password = typeof raw.password === "string" ? raw.password : "";
  const address = addressKey(ctx.ip);
  const now = ctx.now();
  await flushSignInThrottles(ctx);
  const byAddress = await hit(ctx.db, addressLimit(address), now);
  if (!byAddress.allowed) {
    await countThrottled(ctx, { key: addressLimit(address).key, windowStart: byAddress.windowStart, scope: "address", address });
    throw new SignInRefused("rate_limited", byAddress.retryAfterSeconds);
  }
  const pair = pairLimit(email, address);
  const byPair = await hit(ctx.db, pair, now);
  if (!byPair.allowed) {
    await countThrottled(ctx, { key: pair.key, windowStart: byPair.windowStart, scope: "account-address", address, email });
    throw new SignInRefused("rate_limited", byPair.retryAfterSeconds);
  }

  const wait = slowdownMs(email ? await peek(ctx.db, accountFailures(email), now) : 0);
  if (wait > 0) await (opts.wait ?? sleep)(wait);

  const [user] = email ? await ctx.db.select().from(users).where(eq(users.email, email)).limit(1) : [];
  // Always pay for one argon2 verification, so a missing account answers as slowly as a wrong password.
  const ok = await verifyPassword(user?.passwordHash, password);
  if (!user || !ok || user.disabledAt) {
    const reason: SignInFailure = !user ? "unknown_email" : !ok ? "invalid_credentials" : "disabled";
    if (email) await hit(ctx.db, { ...accountFailures(email), max: Number.MAX_SAFE_INTEGER }, now);
    await recordSignInFailure(ctx, { email, reason, method: "password", userId: user?.id });
    throw new SignInRefused("invalid");
  }
  await refund(ctx, addressLimit(address).key);
  await reset(ctx.db, pair.key);
  await reset(ctx.db, accountFailures(email).key);
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

/** In the server: writes the throttle windows that ended, once a minute, even when nobody tries to sign in again. */
export function startSignInThrottleSweep(db: Database, everyMs = 60_000): () => void {
  const timer = setInterval(() => {
    flushSignInThrottles({ db, now: () => new Date() }).catch((err: unknown) =>
      logger().error({ err }, "could not write the sign-in throttle audit events"),
    );
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
