// Sign-in settings from the environment, and the secret that signs and encrypts session cookies.
import { randomBytes } from "node:crypto";
import { eq } from "drizzle-orm";
import type { Database } from "@/db/client";
import { instanceSettings } from "@/db/schema";
import { env, type Env } from "../env";
import { hasRuntime, runtime } from "../runtime";

export type SessionLimits = { idleMinutes: number; maxHours: number };

export const sessionLimits = (e: Env = env()): SessionLimits => ({
  idleMinutes: e.GATEHOUSE_SESSION_IDLE_MINUTES,
  maxHours: e.GATEHOUSE_SESSION_MAX_HOURS,
});

/** Sign-in rate limits: failures per account and attempts per client address, per fixed window. */
export const SIGN_IN_LIMITS = {
  accountMax: 5,
  ipMax: 20,
  windowSeconds: 15 * 60,
} as const;

/** A one-time setup link for the first admin is valid this long. */
export const SETUP_LINK_MINUTES = 60;
/** Invitations: default and longest validity. */
export const INVITE_DEFAULT_HOURS = 72;
export const INVITE_MAX_HOURS = 14 * 24;

export type ExternalProviders = {
  oidc: { issuer: string; clientId: string; clientSecret: string; name: string } | null;
  github: { clientId: string; clientSecret: string } | null;
};

/** OIDC and GitHub are off unless all of their variables are set (env.ts refuses half a configuration). */
export function externalProviders(e: Env = env()): ExternalProviders {
  return {
    oidc:
      e.GATEHOUSE_OIDC_ISSUER && e.GATEHOUSE_OIDC_CLIENT_ID && e.GATEHOUSE_OIDC_CLIENT_SECRET
        ? {
            issuer: e.GATEHOUSE_OIDC_ISSUER,
            clientId: e.GATEHOUSE_OIDC_CLIENT_ID,
            clientSecret: e.GATEHOUSE_OIDC_CLIENT_SECRET,
            name: e.GATEHOUSE_OIDC_NAME ?? "Single sign-on",
          }
        : null,
    github:
      e.GATEHOUSE_GITHUB_CLIENT_ID && e.GATEHOUSE_GITHUB_CLIENT_SECRET
        ? { clientId: e.GATEHOUSE_GITHUB_CLIENT_ID, clientSecret: e.GATEHOUSE_GITHUB_CLIENT_SECRET }
        : null,
  };
}

const SECRET_KEY = "auth_secret";

/** GATEHOUSE_AUTH_SECRET, or a random one generated on first use and shared by every instance through the database. */
export async function authSecret(db: Database, e: Env = env()): Promise<string> {
  if (e.GATEHOUSE_AUTH_SECRET) return e.GATEHOUSE_AUTH_SECRET;
  const [row] = await db.select().from(instanceSettings).where(eq(instanceSettings.key, SECRET_KEY)).limit(1);
  if (row) return row.value;
  await db
    .insert(instanceSettings)
    .values({ key: SECRET_KEY, value: randomBytes(32).toString("base64url") })
    .onConflictDoNothing();
  // Another instance may have won the race: everyone uses the stored value.
  const [again] = await db.select().from(instanceSettings).where(eq(instanceSettings.key, SECRET_KEY)).limit(1);
  return again!.value;
}

/** Where people reach this instance, for links: the running server's URL, else the configured one. */
export function publicBaseUrl(e: Env = env()): string {
  const url = hasRuntime() ? runtime().publicUrl : (e.GATEHOUSE_PUBLIC_URL ?? `http://localhost:${e.PORT}`);
  return url.replace(/\/+$/, "");
}
