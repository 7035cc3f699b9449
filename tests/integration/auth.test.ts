// People and sign-in on a real database: one-time setup links, argon2id passwords, rate-limited sign-in,
// server-side sessions (idle and absolute expiry, revocation), password change, audit events.
import { createHash } from "node:crypto";
import { and, count, eq, inArray, sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { auditEvents, setupTokens, teamMembers, userSessions, users } from "@/db/schema";
import { changePassword } from "@/server/auth/account";
import { hashPassword, verifyPassword } from "@/server/auth/password";
import { userActor } from "@/server/auth/current-user";
import { endSession, startSession, validateSession, type SessionUser } from "@/server/auth/sessions";
import { authSecret, type SessionLimits } from "@/server/auth/settings";
import {
  createAdminSetupLink,
  firstRunSetupLink,
  inspectSetupLink,
  inviteUser,
  redeemSetupLink,
} from "@/server/auth/setup-links";
import { flushSignInThrottles, matchExternalUser, SignInRefused, verifyCredentials } from "@/server/auth/sign-in";
import { disableUser, listUsers } from "@/server/auth/users";
import { runCommand } from "@/server/cli/run-command";
import type { Actor, ServiceContext } from "@/server/context";
import { DomainError } from "@/server/errors";
import { parseEnv } from "@/server/env";
import { newId } from "@/server/ids";
import { createTeam } from "@/server/teams/teams";
import { describeEachDatabase } from "@/tests/helpers/db";
import { uniqueSlug } from "@/tests/helpers/fixtures";

const MIN = 60_000;
const HOUR = 60 * MIN;
const LIMITS: SessionLimits = { idleMinutes: 60, maxHours: 12 };
const PASSWORD = "correct horse battery staple";
const CLI: Actor = { type: "cli", label: "cli:test" };

async function refusal(p: Promise<unknown>): Promise<DomainError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof DomainError) return e;
    throw e;
  }
  throw new Error("expected a DomainError");
}

describeEachDatabase("people and sign-in", (t) => {
  let clock = new Date("2026-11-20T09:00:00Z");
  const now = () => clock;
  const at = (ms: number) => (clock = new Date(clock.getTime() + ms));
  const ctx = (o: { actor?: Actor; ip?: string } = {}): ServiceContext => ({
    db: t.db(),
    actor: o.actor ?? { type: "system", label: "test" },
    ip: o.ip ?? "203.0.113.7",
    now,
  });

  async function audits(actions: string[]) {
    return t.db().select().from(auditEvents).where(inArray(auditEvents.action, actions)).orderBy(auditEvents.id);
  }

  /** A fresh user with a password, made through an invitation like everyone else. */
  async function person(role: "admin" | "security" | "developer" | "viewer" = "developer", team?: string) {
    const email = `${uniqueSlug("p")}@example.com`;
    const link = await inviteUser(ctx({ actor: CLI }), { email, role, team });
    const r = await redeemSetupLink(ctx(), { token: link.token, name: "Pat Example", password: PASSWORD });
    return { ...r, email };
  }

  async function signedIn(p: { userId: string }): Promise<SessionUser> {
    const sid = await startSession(ctx(), { userId: p.userId, method: "password", limits: LIMITS, userAgent: "vitest" });
    const u = await validateSession(ctx(), { sessionId: sid, userId: p.userId }, LIMITS);
    expect(u).not.toBeNull();
    return u!;
  }

  describe("first run", () => {
    let token: string;

    it("prints no link once anyone exists, and a one-time first-admin link while nobody does", async () => {
      expect(await t.db().select({ n: count() }).from(users)).toEqual([{ n: 0 }]);
      const link = await firstRunSetupLink(ctx());
      expect(link).not.toBeNull();
      token = link!.token;
      expect(link!.url).toMatch(/^http:\/\/localhost:\d+\/setup\?token=gsl_[A-Za-z0-9_-]{43}$/);
      expect(link!.expiresAt.getTime() - clock.getTime()).toBe(HOUR);
      // Only the hash is stored, and nothing anywhere holds the token itself.
      const [row] = await t.db().select().from(setupTokens).where(eq(setupTokens.id, link!.id));
      expect(row!.hash).toBe(createHash("sha256").update(token).digest("hex"));
      expect(row!.purpose).toBe("first-admin");
      expect(row!.email).toBeNull();
      const dump = JSON.stringify(await t.db().select().from(auditEvents));
      expect(dump).toContain("auth.setup_link_create");
      expect(dump).not.toContain(token);
    });

    it("asks for the email and refuses short passwords without using the link", async () => {
      expect(await inspectSetupLink(ctx(), token)).toMatchObject({ purpose: "first-admin", email: null, role: "admin" });
      await expect(redeemSetupLink(ctx(), { token, name: "Ada", password: "short" })).rejects.toThrow(/at least 12/);
      await expect(
        redeemSetupLink(ctx(), { token, email: "ada@example.com", name: "Ada", password: "password1234567" }),
      ).rejects.toMatchObject({ type: "weak-password", extra: { field: "password" } });
      await expect(
        redeemSetupLink(ctx(), { token, email: "ada@example.com", name: "Ada\u0000", password: PASSWORD }),
      ).rejects.toThrow(/control characters/);
      expect((await refusal(redeemSetupLink(ctx(), { token, name: "Ada", password: PASSWORD }))).message).toMatch(
        /email: is required/,
      );
      const [row] = await t
        .db()
        .select()
        .from(setupTokens)
        .where(eq(setupTokens.hash, createHash("sha256").update(token).digest("hex")));
      expect(row!.usedAt).toBeNull();
    });

    it("creates the first admin with an argon2id hash, once", async () => {
      at(10 * MIN);
      const r = await redeemSetupLink(ctx(), { token, email: "Ada@Example.com ", name: "Ada", password: PASSWORD });
      expect(r).toMatchObject({ email: "ada@example.com", role: "admin" });
      const [u] = await t.db().select().from(users).where(eq(users.id, r.userId));
      expect(u!.passwordHash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/);
      expect(await verifyPassword(u!.passwordHash, PASSWORD)).toBe(true);
      // Used links, and the start-up link once someone exists, are refused with one answer.
      const again = await refusal(redeemSetupLink(ctx(), { token, email: "eve@example.com", name: "Eve", password: PASSWORD }));
      expect(again.type).toBe("invalid-setup-link");
      expect(await firstRunSetupLink(ctx())).toBeNull();

      const events = await audits(["auth.setup_link_use", "user.create"]);
      expect(events.map((e) => e.action)).toEqual(["auth.setup_link_use", "user.create"]);
      expect(events.every((e) => e.actorType === "user" && e.actorId === r.userId && e.ip === "203.0.113.7")).toBe(true);
      const dump = JSON.stringify(await t.db().select().from(auditEvents));
      expect(dump).not.toContain(PASSWORD);
      expect(dump).not.toContain(token);
    });

    it("refuses a start-up link left over from before the first admin existed", async () => {
      // A second start-up link printed before the admin was created (a restart): inserted as it was then.
      const hash = createHash("sha256")
        .update(`gsl_${"x".repeat(43)}`)
        .digest("hex");
      await t
        .db()
        .insert(setupTokens)
        .values({
          id: newId("setup"),
          hash,
          purpose: "first-admin",
          role: "admin",
          createdBy: "first-run",
          createdAt: clock,
          expiresAt: new Date(clock.getTime() + HOUR),
        });
      const e = await refusal(inspectSetupLink(ctx(), `gsl_${"x".repeat(43)}`));
      expect(e.type).toBe("invalid-setup-link");
    });
  });

  describe("setup links", () => {
    it("expire after one hour", async () => {
      const link = await createAdminSetupLink(ctx({ actor: CLI }), { email: `${uniqueSlug("late")}@example.com` });
      at(HOUR);
      const e = await refusal(redeemSetupLink(ctx(), { token: link.token, name: "Late", password: PASSWORD }));
      expect(e.type).toBe("invalid-setup-link");
      const link2 = await createAdminSetupLink(ctx({ actor: CLI }), { email: `${uniqueSlug("ontime")}@example.com` });
      at(HOUR - 1000);
      const ok = await redeemSetupLink(ctx(), { token: link2.token, name: "On time", password: PASSWORD });
      expect(ok.role).toBe("admin");
    });

    it("are made by operators and admins only, never for an existing email", async () => {
      const dev = await person("developer");
      const devUser = await signedIn(dev);
      const e = await refusal(createAdminSetupLink(ctx({ actor: userActor(devUser) }), { email: "x@example.com" }));
      expect(e.code).toBe("forbidden");
      const e2 = await refusal(createAdminSetupLink(ctx({ actor: CLI }), { email: dev.email }));
      expect(e2.type).toBe("user-exists");
      const e3 = await refusal(inviteUser(ctx({ actor: userActor(devUser) }), { email: "y@example.com", role: "viewer" }));
      expect(e3.code).toBe("forbidden");
    });

    it("work once even when used twice at the same moment", async () => {
      const link = await createAdminSetupLink(ctx({ actor: CLI }), { email: `${uniqueSlug("race")}@example.com` });
      const results = await Promise.allSettled([
        redeemSetupLink(ctx(), { token: link.token, name: "A", password: PASSWORD }),
        redeemSetupLink(ctx(), { token: link.token, name: "B", password: PASSWORD }),
      ]);
      expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
      const rejected = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
      expect(rejected.reason).toBeInstanceOf(DomainError);
    });

    it("invite into a role and a team", async () => {
      const team = await createTeam(ctx({ actor: CLI }), { slug: uniqueSlug("team") });
      const p = await person("viewer", team.slug);
      const u = await signedIn(p);
      expect(u).toMatchObject({ role: "viewer", teamIds: [team.id] });
      const [m] = await t.db().select().from(teamMembers).where(eq(teamMembers.userId, p.userId));
      expect(m!.teamId).toBe(team.id);
    });
  });

  describe("sign-in", () => {
    it("accepts the right password and audits nothing secret when refusing a wrong one", async () => {
      const p = await person();
      const ok = await verifyCredentials(ctx({ ip: "198.51.100.1" }), { email: p.email.toUpperCase(), password: PASSWORD });
      expect(ok.id).toBe(p.userId);

      const wrong = "not the password at all";
      const e = await refusal(verifyCredentials(ctx({ ip: "198.51.100.1" }), { email: p.email, password: wrong }));
      expect(e).toBeInstanceOf(SignInRefused);
      expect(e.message).toBe("The email or password is not right.");
      // An unknown email gets exactly the same answer.
      const unknown = await refusal(
        verifyCredentials(ctx({ ip: "198.51.100.1" }), { email: "nobody@example.com", password: wrong }),
      );
      expect(unknown.message).toBe(e.message);

      const failed = await t
        .db()
        .select()
        .from(auditEvents)
        .where(and(eq(auditEvents.action, "auth.sign_in_failed"), eq(auditEvents.ip, "198.51.100.1")))
        .orderBy(auditEvents.id);
      expect(failed.map((f) => f.after)).toEqual([
        { email: p.email, reason: "invalid_credentials", method: "password" },
        { email: "nobody@example.com", reason: "unknown_email", method: "password" },
      ]);
      expect(JSON.stringify(failed)).not.toContain(wrong);
    });

    it("refuses an account from one address after 5 failures there, never from another address (only slower)", async () => {
      const p = await person();
      const waits: number[] = [];
      const wait = async (ms: number) => void waits.push(ms);
      for (let i = 0; i < 5; i++) {
        at(1000);
        const e = await refusal(
          verifyCredentials(ctx({ ip: "192.0.2.1" }), { email: p.email, password: "wrong password!" }, { wait }),
        );
        expect(e.code).toBe("unauthorized");
      }
      at(1000);
      // From that address even the right password waits for the window to end…
      const limited = await refusal(
        verifyCredentials(ctx({ ip: "192.0.2.1" }), { email: p.email, password: PASSWORD }, { wait }),
      );
      expect(limited).toBeInstanceOf(SignInRefused);
      expect(limited.code).toBe("rate_limited");
      expect(limited.extra.retryAfter).toBe(15 * 60 - 5);
      expect(limited.message).toBe("Too many sign-in attempts. Try again in 15 minutes.");
      // …but the person, elsewhere, signs in: an attacker cannot lock them out.
      expect((await verifyCredentials(ctx({ ip: "192.0.2.99" }), { email: p.email, password: PASSWORD }, { wait })).id).toBe(
        p.userId,
      );
      expect(waits).toEqual([]);

      // Failures from many addresses only slow the account down: half a second per failure past 5, at most 5 s.
      for (let i = 0; i < 12; i++)
        await refusal(verifyCredentials(ctx({ ip: `198.18.0.${i}` }), { email: p.email, password: "wrong password!" }, { wait }));
      expect(waits).toEqual([500, 1000, 1500, 2000, 2500, 3000]);
      waits.length = 0;
      expect((await verifyCredentials(ctx({ ip: "192.0.2.98" }), { email: p.email, password: PASSWORD }, { wait })).id).toBe(
        p.userId,
      );
      expect(waits).toEqual([3500]);
      // A success clears the account's count.
      await refusal(verifyCredentials(ctx({ ip: "198.18.1.1" }), { email: p.email, password: "wrong password!" }, { wait }));
      expect(waits).toEqual([3500]);
      at(16 * MIN);
    });

    it("clears an account's failures on success", async () => {
      const p = await person();
      for (let i = 0; i < 4; i++) await refusal(verifyCredentials(ctx(), { email: p.email, password: "wrong password!" }));
      await verifyCredentials(ctx(), { email: p.email, password: PASSWORD });
      for (let i = 0; i < 5; i++) {
        const e = await refusal(verifyCredentials(ctx(), { email: p.email, password: "wrong password!" }));
        expect(e.code).toBe("unauthorized");
      }
      expect((await refusal(verifyCredentials(ctx(), { email: p.email, password: PASSWORD }))).code).toBe("rate_limited");
      at(16 * MIN);
    });

    it("limits an address (an IPv6 /64 counts as one) to 20 failures per 15 minutes; successes do not count", async () => {
      const ip = "2001:db8::42";
      const p = await person();
      for (let i = 0; i < 30; i++) await verifyCredentials(ctx({ ip }), { email: p.email, password: PASSWORD });
      for (let i = 0; i < 20; i++) {
        const e = await refusal(verifyCredentials(ctx({ ip }), { email: `guess${i}@example.com`, password: "wrong password!" }));
        expect(e.code).toBe("unauthorized");
      }
      const e = await refusal(verifyCredentials(ctx({ ip }), { email: p.email, password: PASSWORD }));
      expect(e.code).toBe("rate_limited");
      // The rest of that /64 is the same client; another address is not affected.
      expect((await refusal(verifyCredentials(ctx({ ip: "2001:db8::43" }), { email: p.email, password: PASSWORD }))).code).toBe(
        "rate_limited",
      );
      expect((await verifyCredentials(ctx({ ip: "2001:db8:0:1::43" }), { email: p.email, password: PASSWORD })).id).toBe(
        p.userId,
      );
      at(16 * MIN);
    });

    it("audits refusals while rate-limited once per limit and window, with a count: 1,000 refusals add a few dozen rows", async () => {
      const rowsFrom = (ip: string) =>
        t.db().select().from(auditEvents).where(eq(auditEvents.ip, ip)).orderBy(auditEvents.at, auditEvents.id);
      // A spray from one address: a new email every time.
      const spray = "198.51.100.200";
      for (let i = 0; i < 1000; i++) {
        const e = await refusal(verifyCredentials(ctx({ ip: spray }), { email: `spray${i}@example.com`, password: "nope nope" }));
        expect(e.code).toBe(i < 20 ? "unauthorized" : "rate_limited");
      }
      // Guessing one account's password from another address: its pair limit first, then the address limit.
      const p = await person();
      const guess = "198.51.100.201";
      for (let i = 0; i < 30; i++)
        await refusal(verifyCredentials(ctx({ ip: guess }), { email: p.email, password: "nope nope" }));
      // Nothing about the throttled attempts is written while the window lasts…
      expect((await rowsFrom(spray)).map((r) => r.action)).toEqual(Array(20).fill("auth.sign_in_failed"));
      // …and once it is over, one event per limit and window says how many were refused.
      at(15 * MIN);
      await flushSignInThrottles({ db: t.db(), now });
      const sprayRows = await rowsFrom(spray);
      expect(sprayRows.length).toBeLessThanOrEqual(30);
      expect(sprayRows.filter((r) => r.action === "auth.sign_in_throttled").map((r) => r.after)).toEqual([
        expect.objectContaining({ scope: "address", refused: 980 }),
      ]);
      const guessRows = await rowsFrom(guess);
      expect(guessRows.filter((r) => r.action === "auth.sign_in_failed")).toHaveLength(5);
      expect(
        guessRows
          .filter((r) => r.action === "auth.sign_in_throttled")
          .map((r) => r.after as { scope: string; refused: number; email?: string })
          .sort((a, b) => a.scope.localeCompare(b.scope)),
      ).toEqual([
        expect.objectContaining({ scope: "account-address", email: p.email, refused: 15 }),
        expect.objectContaining({ scope: "address", refused: 10 }),
      ]);
      // Written once: a second sweep finds nothing more.
      expect(await flushSignInThrottles({ db: t.db(), now })).toBe(0);
      at(MIN);
    });

    it("refuses disabled accounts like a wrong password", async () => {
      const p = await person();
      await disableUser(ctx({ actor: CLI }), { email: p.email });
      const e = await refusal(verifyCredentials(ctx(), { email: p.email, password: PASSWORD }));
      expect(e.message).toBe("The email or password is not right.");
    });

    it("matches OIDC and GitHub sign-ins to existing users by verified email only", async () => {
      const p = await person();
      expect(await matchExternalUser(ctx(), { method: "oidc", verifiedEmails: [p.email.toUpperCase()] })).toMatchObject({
        id: p.userId,
      });
      expect(await matchExternalUser(ctx(), { method: "github", verifiedEmails: [], unverifiedEmail: p.email })).toBeNull();
      expect(await matchExternalUser(ctx(), { method: "github", verifiedEmails: ["stranger@example.com"] })).toBeNull();
      const refused = (await audits(["auth.sign_in_failed"])).slice(-2).map((a) => a.after);
      expect(refused).toEqual([
        { email: p.email, reason: "unverified_email", method: "github" },
        { email: "stranger@example.com", reason: "unknown_email", method: "github" },
      ]);
      // Nobody was created.
      expect((await t.db().select().from(users).where(eq(users.email, "stranger@example.com"))).length).toBe(0);
    });
  });

  describe("sessions", () => {
    it("start with an audit event and carry the role and teams from the database", async () => {
      const team = await createTeam(ctx({ actor: CLI }), { slug: uniqueSlug("team") });
      const p = await person("developer", team.slug);
      const u = await signedIn(p);
      expect(u).toMatchObject({ id: p.userId, email: p.email, name: "Pat Example", role: "developer", teamIds: [team.id] });
      expect(userActor(u)).toEqual({
        type: "user",
        id: p.userId,
        label: p.email,
        role: "developer",
        teamIds: [team.id],
        sessionId: u.sessionId,
      });
      const [row] = await t.db().select().from(userSessions).where(eq(userSessions.id, u.sessionId));
      expect(row).toMatchObject({ ip: "203.0.113.7", userAgent: "vitest", revokedAt: null });
      expect(row!.expiresAt.getTime() - row!.createdAt.getTime()).toBe(12 * HOUR);
      const [audit] = await t
        .db()
        .select()
        .from(auditEvents)
        .where(eq(auditEvents.targetId, p.userId))
        .orderBy(sql`id desc`)
        .limit(1);
      expect(audit).toMatchObject({ action: "auth.sign_in", actorType: "user", actorId: p.userId, ip: "203.0.113.7" });
      expect(audit!.after).toEqual({ method: "password", sessionId: u.sessionId });
      // A role changed in the database applies at the next request.
      await t.db().update(users).set({ role: "viewer" }).where(eq(users.id, p.userId));
      expect((await validateSession(ctx(), { sessionId: u.sessionId, userId: p.userId }, LIMITS))!.role).toBe("viewer");
    });

    it("end after 60 idle minutes, and write last_seen_at at most once a minute", async () => {
      const p = await person();
      const u = await signedIn(p);
      const claim = { sessionId: u.sessionId, userId: p.userId };
      const lastSeen = async () =>
        (await t.db().select().from(userSessions).where(eq(userSessions.id, u.sessionId)))[0]!.lastSeenAt.getTime();
      const started = await lastSeen();
      at(30_000);
      expect(await validateSession(ctx(), claim, LIMITS)).not.toBeNull();
      expect(await lastSeen()).toBe(started);
      at(31_000);
      expect(await validateSession(ctx(), claim, LIMITS)).not.toBeNull();
      expect(await lastSeen()).toBe(clock.getTime());
      at(60 * MIN - 1000);
      expect(await validateSession(ctx(), claim, LIMITS)).not.toBeNull();
      at(60 * MIN);
      expect(await validateSession(ctx(), claim, LIMITS)).toBeNull();
    });

    it("end 12 hours after sign-in however active they are", async () => {
      const p = await person();
      const u = await signedIn(p);
      const claim = { sessionId: u.sessionId, userId: p.userId };
      for (let h = 0; h < 23; h++) {
        at(30 * MIN);
        expect(await validateSession(ctx(), claim, LIMITS)).not.toBeNull();
      }
      at(30 * MIN - 1);
      expect(await validateSession(ctx(), claim, LIMITS)).not.toBeNull();
      at(1);
      expect(await validateSession(ctx(), claim, LIMITS)).toBeNull();
    });

    it("end at sign-out, audited once", async () => {
      const p = await person();
      const u = await signedIn(p);
      const other = await signedIn(p);
      expect(await endSession(ctx({ actor: userActor(u) }), u.sessionId)).toBe(true);
      expect(await endSession(ctx({ actor: userActor(u) }), u.sessionId)).toBe(false);
      expect(await validateSession(ctx(), { sessionId: u.sessionId, userId: p.userId }, LIMITS)).toBeNull();
      expect(await validateSession(ctx(), { sessionId: other.sessionId, userId: p.userId }, LIMITS)).not.toBeNull();
      const outs = (await audits(["auth.sign_out"])).filter((a) => a.targetId === p.userId);
      expect(outs).toHaveLength(1);
      expect(outs[0]).toMatchObject({ actorId: p.userId, after: { sessionId: u.sessionId } });
    });

    it("never validate for another user's id, a disabled user, or an unknown session", async () => {
      const a = await signedIn(await person());
      const b = await person();
      expect(await validateSession(ctx(), { sessionId: a.sessionId, userId: b.userId }, LIMITS)).toBeNull();
      expect(await validateSession(ctx(), { sessionId: "ses_unknown", userId: a.id }, LIMITS)).toBeNull();
      await disableUser(ctx({ actor: CLI }), { email: a.email });
      expect(await validateSession(ctx(), { sessionId: a.sessionId, userId: a.id }, LIMITS)).toBeNull();
      expect((await listUsers(ctx({ actor: CLI }))).find((u) => u.id === a.id)!.status).toBe("disabled");
    });

    it("are all revoked by a password change, and a session older than the change never validates", async () => {
      const p = await person();
      const current = await signedIn(p);
      const elsewhere = await signedIn(p);
      at(5 * MIN);
      const me = ctx({ actor: userActor(current) });
      const wrong = await refusal(
        changePassword(me, { currentPassword: "not my password", newPassword: "a brand new passphrase" }),
      );
      expect(wrong.type).toBe("wrong-password");
      await expect(changePassword(me, { currentPassword: PASSWORD, newPassword: "too short" })).rejects.toThrow(/at least 12/);
      // A common password, or one with the email's name, is refused with the reason (and the field it is about).
      expect(await refusal(changePassword(me, { currentPassword: PASSWORD, newPassword: "qwertyuiop123" }))).toMatchObject({
        type: "weak-password",
        extra: { field: "newPassword" },
        message: expect.stringContaining("commonly used passwords"),
      });
      const name = p.email.split("@")[0]!;
      expect(
        (await refusal(changePassword(me, { currentPassword: PASSWORD, newPassword: `${name} forever and ever` }))).message,
      ).toMatch(/email address's name/);

      const r = await changePassword(me, { currentPassword: PASSWORD, newPassword: "a brand new passphrase" });
      expect(r.revokedSessions).toBe(2);
      for (const s of [current, elsewhere])
        expect(await validateSession(ctx(), { sessionId: s.sessionId, userId: p.userId }, LIMITS)).toBeNull();
      await expect(verifyCredentials(ctx(), { email: p.email, password: PASSWORD })).rejects.toThrow();
      expect((await verifyCredentials(ctx(), { email: p.email, password: "a brand new passphrase" })).id).toBe(p.userId);
      const fresh = await signedIn(p);
      expect(fresh.sessionId).not.toBe(current.sessionId);

      // Belt and braces: a live session row that began before the password changed is refused too.
      at(MIN);
      await t.db().update(users).set({ passwordChangedAt: clock }).where(eq(users.id, p.userId));
      expect(await validateSession(ctx(), { sessionId: fresh.sessionId, userId: p.userId }, LIMITS)).toBeNull();

      const [audit] = (await audits(["auth.password_change"])).filter((a) => a.targetId === p.userId);
      expect(audit).toMatchObject({ actorId: p.userId, after: { revokedSessions: 2, sessionId: current.sessionId } });
      expect(JSON.stringify(await t.db().select().from(auditEvents))).not.toContain("a brand new passphrase");
    });
  });

  describe("operator commands", () => {
    let team: string;
    beforeAll(async () => {
      team = (await createTeam(ctx({ actor: CLI }), { slug: uniqueSlug("ops") })).slug;
    });

    it("admin create prints a one-time link for that email", async () => {
      const email = `${uniqueSlug("boss")}@example.com`;
      const r = await runCommand(ctx({ actor: CLI }), "admin create", { email });
      expect(r.exitCode ?? 0).toBe(0);
      const url = r.output.find((l) => l.includes("/setup?token="))!.trim();
      const token = new URL(url).searchParams.get("token")!;
      expect(await inspectSetupLink(ctx(), token)).toMatchObject({ purpose: "first-admin", email, role: "admin" });
      const again = await runCommand(ctx({ actor: CLI }), "admin create", { email: "not-an-email" });
      expect(again.exitCode).toBe(2);
    });

    it("user invite, user list and user disable", async () => {
      const email = `${uniqueSlug("sec")}@example.com`;
      const r = await runCommand(ctx({ actor: CLI }), "user invite", { email, role: "security", team });
      expect(r.exitCode ?? 0).toBe(0);
      const token = new URL(r.output.find((l) => l.includes("/setup?token="))!.trim()).searchParams.get("token")!;
      expect(await inspectSetupLink(ctx(), token)).toMatchObject({ purpose: "invite", email, role: "security" });
      await redeemSetupLink(ctx(), { token, name: "Sam", password: PASSWORD });
      const listed = await runCommand(ctx({ actor: CLI }), "user list", { json: true });
      const rows = JSON.parse(listed.output[0]!) as { email: string; role: string; teams: string[] }[];
      expect(rows.find((u) => u.email === email)).toMatchObject({ role: "security", teams: [team] });
      const table = await runCommand(ctx({ actor: CLI }), "user list", {});
      expect(table.output[0]).toMatch(/^EMAIL\s+NAME\s+ROLE\s+TEAMS\s+STATUS\s+LAST SIGN-IN$/);
      expect((await runCommand(ctx({ actor: CLI }), "user disable", { email })).output[0]).toMatch(/Disabled/);
      const dup = await runCommand(ctx({ actor: CLI }), "user invite", { email, role: "viewer" });
      expect(dup.exitCode).toBe(1);
    });
  });

  it("keeps one generated auth secret per installation, unless GATEHOUSE_AUTH_SECRET is set", async () => {
    const e = parseEnv({});
    const a = await authSecret(t.db(), e);
    expect(a.length).toBeGreaterThanOrEqual(43);
    expect(await authSecret(t.db(), e)).toBe(a);
    const configured = "s".repeat(40);
    expect(await authSecret(t.db(), parseEnv({ GATEHOUSE_AUTH_SECRET: configured }))).toBe(configured);
  });

  it("hashes passwords with argon2id and verifies in constant shape", async () => {
    const h = await hashPassword(PASSWORD);
    expect(h.startsWith("$argon2id$v=19$m=19456,t=2,p=1$")).toBe(true);
    expect(await hashPassword(PASSWORD)).not.toBe(h); // salted
    expect(await verifyPassword(h, PASSWORD)).toBe(true);
    expect(await verifyPassword(h, `${PASSWORD} `)).toBe(false);
    expect(await verifyPassword(null, PASSWORD)).toBe(false);
    expect(await verifyPassword("garbage", PASSWORD)).toBe(false);
    expect(await verifyPassword(h, "x".repeat(10_000))).toBe(false);
  });
});
