// Server-side sessions behind the session cookie: created at sign-in, checked on every request, revocable.
import { and, eq, isNull, lt, ne, sql } from "drizzle-orm";
import { teamMembers, userSessions, users, type Role } from "@/db/schema";
import { recordAudit } from "../audit/record-audit";
import { withTransaction, type Actor, type ServiceContext } from "../context";
import { newId } from "../ids";
import type { SessionLimits } from "./settings";

export type SessionUser = {
  id: string;
  email: string;
  name: string | null;
  role: Role;
  teamIds: string[];
  sessionId: string;
};

export type SignInMethod = "password" | "oidc" | "github";

/** The acting user, as every verb sees them. The role is the one stored in the database. */
export function userActor(u: SessionUser): Actor {
  return { type: "user", id: u.id, label: u.email, role: u.role, teamIds: u.teamIds, sessionId: u.sessionId };
}

async function teamIdsOf(ctx: ServiceContext, userId: string): Promise<string[]> {
  const rows = await ctx.db.select({ teamId: teamMembers.teamId }).from(teamMembers).where(eq(teamMembers.userId, userId));
  return rows.map((r) => r.teamId).sort();
}

/** A new session row for a user who just proved who they are; audits the sign-in. Returns the session id. */
export async function startSession(
  ctx: ServiceContext,
  opts: { userId: string; method: SignInMethod; limits: SessionLimits; userAgent?: string | null },
): Promise<string> {
  return withTransaction(ctx, async (tx) => {
    const [user] = await tx.db.select().from(users).where(eq(users.id, opts.userId)).limit(1);
    if (!user || user.disabledAt) throw new Error("startSession: the user is gone or disabled");
    const now = tx.now();
    const id = newId("session", now.getTime());
    await tx.db.insert(userSessions).values({
      id,
      userId: user.id,
      createdAt: now,
      lastSeenAt: now,
      expiresAt: new Date(now.getTime() + opts.limits.maxHours * 3_600_000),
      ip: tx.ip ?? null,
      userAgent: opts.userAgent?.slice(0, 500) ?? null,
    });
    await tx.db.update(users).set({ lastSignInAt: now }).where(eq(users.id, user.id));
    const actor: Actor = {
      type: "user",
      id: user.id,
      label: user.email,
      role: user.role,
      teamIds: await teamIdsOf(tx, user.id),
      sessionId: id,
    };
    await recordAudit(
      { ...tx, actor },
      { action: "auth.sign_in", targetType: "user", targetId: user.id, after: { method: opts.method, sessionId: id } },
    );
    return id;
  });
}

/**
 * The signed-in user behind a session id, or null when the session is unknown, revoked, idle too long, past
 * its absolute expiry, belongs to a disabled user, or began before the user's last password change.
 */
export async function validateSession(
  ctx: ServiceContext,
  claim: { sessionId: string; userId: string },
  limits: SessionLimits,
): Promise<SessionUser | null> {
  const [row] = await ctx.db
    .select({ session: userSessions, user: users })
    .from(userSessions)
    .innerJoin(users, eq(users.id, userSessions.userId))
    .where(eq(userSessions.id, claim.sessionId))
    .limit(1);
  if (!row || row.user.id !== claim.userId) return null;
  const { session, user } = row;
  const now = ctx.now().getTime();
  if (session.revokedAt) return null;
  if (session.expiresAt.getTime() <= now) return null;
  if (session.lastSeenAt.getTime() + limits.idleMinutes * 60_000 <= now) return null;
  if (user.disabledAt) return null;
  if (user.passwordChangedAt && user.passwordChangedAt.getTime() > session.createdAt.getTime()) return null;
  // At most one write a minute per session, however many requests it makes.
  if (now - session.lastSeenAt.getTime() >= 60_000) {
    await ctx.db
      .update(userSessions)
      .set({ lastSeenAt: ctx.now() })
      .where(and(eq(userSessions.id, session.id), lt(userSessions.lastSeenAt, new Date(now - 60_000 + 1))));
  }
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    role: user.role,
    teamIds: await teamIdsOf(ctx, user.id),
    sessionId: session.id,
  };
}

/** Signs a session out: revokes it and audits, once (a second call is a no-op). Returns whether it was live. */
export async function endSession(ctx: ServiceContext, sessionId: string): Promise<boolean> {
  return withTransaction(ctx, async (tx) => {
    const [row] = await tx.db
      .update(userSessions)
      .set({ revokedAt: tx.now() })
      .where(and(eq(userSessions.id, sessionId), isNull(userSessions.revokedAt)))
      .returning({ id: userSessions.id, userId: userSessions.userId });
    if (!row) return false;
    let actor = tx.actor;
    if (actor.type !== "user") {
      const [u] = await tx.db.select().from(users).where(eq(users.id, row.userId)).limit(1);
      if (u) actor = { type: "user", id: u.id, label: u.email, role: u.role, teamIds: await teamIdsOf(tx, u.id), sessionId };
    }
    await recordAudit(
      { ...tx, actor },
      { action: "auth.sign_out", targetType: "user", targetId: row.userId, after: { sessionId } },
    );
    return true;
  });
}

/** Revokes every live session of a user except `keep`; no audit of its own (the caller's event covers it). */
export async function revokeSessionsOf(tx: ServiceContext, userId: string, keep?: string): Promise<number> {
  const rows = await tx.db
    .update(userSessions)
    .set({ revokedAt: tx.now() })
    .where(and(eq(userSessions.userId, userId), isNull(userSessions.revokedAt), keep ? ne(userSessions.id, keep) : sql`true`))
    .returning({ id: userSessions.id });
  return rows.length;
}
