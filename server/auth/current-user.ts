// Who is signed in, for route handlers, server components and server actions.
import { cache } from "react";
import type { ServiceContext } from "../context";
import { unauthorized } from "../errors";
import { runtime } from "../runtime";
import { userActor, validateSession, type SessionUser } from "./sessions";
import { sessionLimits } from "./settings";

export type { SessionUser } from "./sessions";
export { userActor } from "./sessions";

// Auth.js is loaded on first use, so that importing this module (e.g. for userActor in tests) stays cheap.
const loadAuth = () => import("./config").then((m) => m.auth);

/** The session cookie's user, validated against user_sessions on every call (once per request). */
export const currentUser = cache(async (): Promise<SessionUser | null> => {
  const auth = await loadAuth();
  const session = (await auth()) as { user?: { id?: string }; sid?: unknown } | null;
  const userId = session?.user?.id;
  const sessionId = session?.sid;
  if (!userId || typeof sessionId !== "string") return null;
  const ctx: ServiceContext = { db: runtime().db, actor: { type: "system", label: "session" }, now: () => new Date() };
  return validateSession(ctx, { sessionId, userId }, sessionLimits());
});

/** The signed-in user, or DomainError unauthorized. */
export async function requireUser(): Promise<SessionUser> {
  const user = await currentUser();
  if (!user) throw unauthorized("Sign in to continue.");
  return user;
}

/** A context acting as the signed-in user, for server actions and route handlers. */
export async function userContext(user: SessionUser): Promise<ServiceContext> {
  const { headers } = await import("next/headers");
  const h = await headers();
  return {
    db: runtime().db,
    actor: userActor(user),
    ip: h.get("x-gatehouse-client-ip") || undefined,
    requestId: h.get("x-request-id") ?? undefined,
    now: () => new Date(),
  };
}
