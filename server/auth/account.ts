// A signed-in person's own account: changing the password.
import { eq } from "drizzle-orm";
import { z } from "zod";
import { users } from "@/db/schema";
import { recordAudit } from "../audit/record-audit";
import { withTransaction, type ServiceContext } from "../context";
import { DomainError, unauthorized, validation } from "../errors";
import { hit, reset } from "../security/rate-limit";
import { hashPassword, PASSWORD_MAX, passwordProblem, passwordSchema, verifyPassword } from "./password";
import { revokeSessionsOf } from "./sessions";
import { SIGN_IN_LIMITS } from "./settings";

export const changePasswordInput = z.object({
  currentPassword: z.string().max(PASSWORD_MAX),
  newPassword: passwordSchema,
});

/**
 * Changes the acting user's password after checking the current one. Every session of the user is
 * revoked, this one included: the caller signs in again with the new password (a fresh session).
 */
export async function changePassword(
  ctx: ServiceContext,
  raw: z.input<typeof changePasswordInput>,
): Promise<{ revokedSessions: number }> {
  const actor = ctx.actor;
  if (actor.type !== "user") throw unauthorized("Sign in to change your password.");
  const input = changePasswordInput.parse(raw);
  if (input.newPassword === input.currentPassword)
    throw validation("The new password must differ from the current one.", { field: "newPassword" }, "password-unchanged");
  const problem = await passwordProblem(input.newPassword, actor.label);
  if (problem) throw validation(`The new password ${problem}.`, { field: "newPassword" }, "weak-password");
  // Wrong current passwords count like failed sign-ins: a stolen session must not become a password oracle.
  const limit = { key: `password:${actor.id}`, max: SIGN_IN_LIMITS.pairMax, windowSeconds: SIGN_IN_LIMITS.windowSeconds };
  const r = await hit(ctx.db, limit, ctx.now());
  if (!r.allowed)
    throw new DomainError("rate_limited", `Too many attempts; try again in ${r.retryAfterSeconds} s.`, "rate-limited", {
      retryAfter: r.retryAfterSeconds,
    });
  const [user] = await ctx.db.select().from(users).where(eq(users.id, actor.id)).limit(1);
  if (!user || user.disabledAt) throw unauthorized();
  if (!(await verifyPassword(user.passwordHash, input.currentPassword)))
    throw validation("The current password is not right.", { field: "currentPassword" }, "wrong-password");
  await reset(ctx.db, limit.key);
  const passwordHash = await hashPassword(input.newPassword);
  return withTransaction(ctx, async (tx) => {
    const now = tx.now();
    await tx.db.update(users).set({ passwordHash, passwordChangedAt: now }).where(eq(users.id, user.id));
    const revokedSessions = await revokeSessionsOf(tx, user.id);
    await recordAudit(tx, {
      action: "auth.password_change",
      targetType: "user",
      targetId: user.id,
      after: { revokedSessions, sessionId: actor.sessionId ?? null },
    });
    return { revokedSessions };
  });
}
