// Sign-in settings from the environment, and the secret that signs and encrypts session cookies.
import type { Database } from "@/db/client";
import { env, type Env } from "../env";
import { instanceSecret } from "../security/instance-secrets";
import { hasRuntime, runtime } from "../runtime";

export type SessionLimits = { idleMinutes: number; maxHours: number };

export const sessionLimits = (e: Env = env()): SessionLimits => ({
  idleMinutes: e.GATEHOUSE_SESSION_IDLE_MINUTES,
  maxHours: e.GATEHOUSE_SESSION_MAX_HOURS,
});

/**
 * Sign-in limits, per fixed window. Refusals are per (account, address) and per address only, so that nobody can lock
 * a person out from elsewhere; failures for an account from every address together only slow its sign-ins down.
 */
export const SIGN_IN_LIMITS = {
  /** attempts for one account from one address (a success clears them) */
  pairMax: 5,
  /** attempts from one address, whatever the account (successes are given back) */
  addressMax: 20,
  /** failures for one account, from every address, after which each attempt waits… */
  accountSlowAfter: 5,
  /** …this long per further failure… */
  accountSlowStepMs: 500,
  /** …and at most this long: slower, never refused */
  accountSlowMaxMs: 5_000,
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

/**
 * GATEHOUSE_AUTH_SECRET, or a random one generated on first use and shared by every instance through the database
 * (sealed with the instance key when there is one; see instance-secrets.ts).
 */
export async function authSecret(db: Database, e: Env = env()): Promise<string> {
  if (e.GATEHOUSE_AUTH_SECRET) return e.GATEHOUSE_AUTH_SECRET;
  return instanceSecret(db, "auth_secret");
}

/** Where people reach this instance, for links: the running server's URL, else the configured one. */
export function publicBaseUrl(e: Env = env()): string {
  const url = hasRuntime() ? runtime().publicUrl : (e.GATEHOUSE_PUBLIC_URL ?? `http://localhost:${e.PORT}`);
  return url.replace(/\/+$/, "");
}
