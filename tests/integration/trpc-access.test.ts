// The tokens, audit and teams tRPC API through createCaller, as each role: secrets shown once and stored as
// hashes, the creator's ceiling, audit filters and cursor pages, admin-only changes, and refusals that change nothing.
import { createHash } from "node:crypto";
import { TRPCError } from "@trpc/server";
import { and, asc, count, eq, ne } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { apiTokens, auditEvents, setupTokens, teamMembers, teams, users, type Role } from "@/db/schema";
import type { TrpcContext, UserActor } from "@/server/api/trpc/init";
import { createCaller } from "@/server/api/trpc/root";
import { recordAudit } from "@/server/audit/record-audit";
import { DENIAL_ACTION } from "@/server/audit/record-denial";
import { changeUserRole } from "@/server/auth/users";
import type { ServiceContext } from "@/server/context";
import { DomainError } from "@/server/errors";
import { newId } from "@/server/ids";
import { createService } from "@/server/services/services";
import { createTeam } from "@/server/teams/teams";
import { authenticateToken } from "@/server/tokens/tokens";
import { describeEachDatabase } from "@/tests/helpers/db";
import { uniqueSlug } from "@/tests/helpers/fixtures";

const HOUR = 3_600_000;

async function expectCode(p: Promise<unknown>, code: TRPCError["code"]): Promise<TRPCError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e, `expected ${code}`).toBeInstanceOf(TRPCError);
  expect((e as TRPCError).code).toBe(code);
  return e as TRPCError;
}

describeEachDatabase("tRPC tokens, audit and teams", (t) => {
  let clock = new Date("2026-11-20T12:00:00Z");
  const now = () => clock;
  const tick = (ms = 1000) => (clock = new Date(clock.getTime() + ms));
  const api = (actor: UserActor | null) => createCaller({ db: t.db(), now, actor } satisfies TrpcContext);
  let ops: ServiceContext;

  /** A real user row (and memberships), and the actor a session would give them. */
  async function person(role: Role, teamIds: string[], email = `${uniqueSlug(role)}@example.com`): Promise<UserActor> {
    const id = newId("user");
    await t.db().insert(users).values({ id, email, role, createdAt: clock });
    for (const teamId of teamIds) await t.db().insert(teamMembers).values({ teamId, userId: id, createdAt: clock });
    return { type: "user", id, label: email, role, teamIds };
  }

  /** Everything a denied call must leave as it was. */
  async function tables() {
    const db = t.db();
    return {
      teams: await db.select().from(teams).orderBy(asc(teams.id)),
      members: await db.select().from(teamMembers).orderBy(asc(teamMembers.teamId), asc(teamMembers.userId)),
      users: await db.select().from(users).orderBy(asc(users.id)),
      tokens: await db.select().from(apiTokens).orderBy(asc(apiTokens.id)),
      setupLinks: await db.select().from(setupTokens).orderBy(asc(setupTokens.id)),
      // The refusal itself is recorded (access.denied); nothing else may be.
      audit: await db.select().from(auditEvents).where(ne(auditEvents.action, DENIAL_ACTION)).orderBy(asc(auditEvents.id)),
    };
  }
  const denials = async () =>
    (await t.db().select({ n: count() }).from(auditEvents).where(eq(auditEvents.action, DENIAL_ACTION)))[0]!.n;

  async function deniedUnchanged(p: () => Promise<unknown>, code: TRPCError["code"]) {
    const before = await tables();
    const denied = await denials();
    const e = await expectCode(p(), code);
    expect(await tables()).toEqual(before);
    // A signed-in user told "no" or "not yours" is on record; a bad request or an anonymous caller is not.
    expect(await denials()).toBe(denied + (code === "FORBIDDEN" || code === "NOT_FOUND" ? 1 : 0));
    return e;
  }

  const auditOf = (action: string, targetId: string) =>
    t
      .db()
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.action, action), eq(auditEvents.targetId, targetId)));

  const w = { teamA: "", teamAId: "", teamB: "", teamBId: "", svcA1: "", svcA2: "", svcB: "" };
  let admin: UserActor;
  let security: UserActor;
  let dev: UserActor;
  let viewer: UserActor;
  let outsider: UserActor;

  beforeAll(async () => {
    ops = t.ctx({ now, actor: { type: "cli", label: "cli:test" } });
    const a = await createTeam(ops, { slug: uniqueSlug("pay"), name: "Payments" });
    const b = await createTeam(ops, { slug: uniqueSlug("web"), name: "Web" });
    Object.assign(w, { teamA: a.slug, teamAId: a.id, teamB: b.slug, teamBId: b.id });
    w.svcA1 = (await createService(ops, { team: a.slug, slug: uniqueSlug("checkout") })).slug;
    w.svcA2 = (await createService(ops, { team: a.slug, slug: uniqueSlug("ledger") })).slug;
    w.svcB = (await createService(ops, { team: b.slug, slug: uniqueSlug("shop") })).slug;
    admin = await person("admin", []);
    security = await person("security", []);
    dev = await person("developer", [a.id]);
    viewer = await person("viewer", [a.id]);
    outsider = await person("developer", [b.id]);
  });

  it("answers UNAUTHORIZED to anonymous callers on every new router", async () => {
    const anon = api(null);
    await deniedUnchanged(() => anon.tokens.list({}), "UNAUTHORIZED");
    await deniedUnchanged(() => anon.tokens.create({ team: w.teamA, scopes: ["read"] }), "UNAUTHORIZED");
    await deniedUnchanged(() => anon.tokens.revoke({ id: "tok_00000000000000000000000000" }), "UNAUTHORIZED");
    await deniedUnchanged(() => anon.audit.list({}), "UNAUTHORIZED");
    await deniedUnchanged(() => anon.teams.list(), "UNAUTHORIZED");
    await deniedUnchanged(() => anon.teams.get({ team: w.teamA }), "UNAUTHORIZED");
    await deniedUnchanged(() => anon.teams.create({ slug: uniqueSlug("anon") }), "UNAUTHORIZED");
    await deniedUnchanged(() => anon.teams.invite({ email: "x@example.com", role: "viewer" }), "UNAUTHORIZED");
  });

  describe("tokens", () => {
    it("returns the secret once: never in the list, only its hash in the database, and not in the audit trail", async () => {
      tick();
      const created = await api(security).tokens.create({
        team: w.teamA,
        services: [w.svcA1],
        scopes: ["scans:write", "waivers:write"],
        name: "ci deploy",
        expiresInDays: 30,
      });
      expect(created.token).toMatch(/^gth_/);
      expect(created).toMatchObject({ team: w.teamA, services: [w.svcA1], scopes: ["scans:write", "waivers:write"] });
      expect(created.expiresAt).toEqual(new Date(clock.getTime() + 30 * 24 * HOUR));

      const listed = await api(security).tokens.list({ team: w.teamA });
      const mine = listed.find((x) => x.id === created.id)!;
      expect(mine).toMatchObject({ name: "ci deploy", status: "active", services: [w.svcA1], createdByUserId: security.id });
      const text = JSON.stringify(listed);
      expect(text).not.toContain(created.token);
      expect(text).not.toContain(createHash("sha256").update(created.token).digest("hex"));
      expect(Object.keys(mine)).not.toContain("hash");

      const [row] = await t.db().select().from(apiTokens).where(eq(apiTokens.id, created.id));
      expect(row!.hash).toBe(createHash("sha256").update(created.token).digest("hex"));
      expect(Object.values(row!).map(String)).not.toContain(created.token);
      expect(created.token.startsWith(row!.displayPrefix)).toBe(true);

      const [event] = await auditOf("token.create", created.id);
      expect(event).toMatchObject({ actorType: "user", actorId: security.id, teamId: w.teamAId });
      expect(JSON.stringify(event)).not.toContain(created.token);
      expect(JSON.stringify(event)).not.toContain(row!.hash);
      // The secret authenticates: the one shown is the one stored.
      expect((await authenticateToken(ops, created.token)).id).toBe(created.id);
    });

    it("keeps a developer's token within their role and team, a viewer's to read-only, and changes nothing on refusal", async () => {
      const ok = await api(dev).tokens.create({
        team: w.teamA,
        scopes: ["scans:write", "gate:evaluate", "deployments:write", "waivers:write"],
      });
      expect(ok.scopes).toEqual(["deployments:write", "gate:evaluate", "scans:write", "waivers:write"]);
      const e = await deniedUnchanged(
        () => api(dev).tokens.create({ team: w.teamA, scopes: ["scans:write", "policies:write"] }),
        "FORBIDDEN",
      );
      expect(e.message).toContain('"policies:write"');
      // An organisation token is for security and admins; for them, never one bound to a team with policies:write.
      await deniedUnchanged(() => api(dev).tokens.create({ org: true, scopes: ["policies:write"] }), "FORBIDDEN");
      await deniedUnchanged(() => api(security).tokens.create({ team: w.teamA, scopes: ["policies:write"] }), "FORBIDDEN");
      await deniedUnchanged(
        () => api(security).tokens.create({ team: w.teamA, services: [w.svcA1], scopes: ["policies:write"] }),
        "FORBIDDEN",
      );
      await deniedUnchanged(() => api(security).tokens.create({ org: true, scopes: ["scans:write"] }), "FORBIDDEN");
      await deniedUnchanged(() => api(security).tokens.create({ org: true, team: w.teamA, scopes: ["read"] }), "BAD_REQUEST");
      const org = await api(security).tokens.create({ org: true, scopes: ["policies:write", "read"] });
      expect(org).toMatchObject({ team: null, services: null, scopes: ["policies:write", "read"] });
      // Another team's team does not exist for them.
      await deniedUnchanged(() => api(dev).tokens.create({ team: w.teamB, scopes: ["read"] }), "NOT_FOUND");
      await deniedUnchanged(() => api(dev).tokens.create({ team: w.teamA, services: [w.svcB], scopes: ["read"] }), "NOT_FOUND");

      expect((await api(viewer).tokens.create({ team: w.teamA, scopes: ["read"] })).scopes).toEqual(["read"]);
      await deniedUnchanged(() => api(viewer).tokens.create({ team: w.teamA, scopes: ["scans:write"] }), "FORBIDDEN");
      // Wildcards and unknown scopes never pass the wire.
      await deniedUnchanged(() => api(security).tokens.create({ team: w.teamA, scopes: ["*" as "read"] }), "BAD_REQUEST");
    });

    it("offers each role the teams, services and scopes it may grant, and nothing of other teams", async () => {
      const devOptions = await api(dev).tokens.options();
      expect(devOptions).toEqual([
        {
          slug: w.teamA,
          name: "Payments",
          member: true,
          org: false,
          services: [w.svcA1, w.svcA2].sort().map((slug) => ({ slug, name: slug })),
          scopes: ["scans:write", "gate:evaluate", "deployments:write", "waivers:write", "notifications:write", "read"],
        },
      ]);
      expect((await api(viewer).tokens.options()).map((o) => o.scopes)).toEqual([["read"]]);
      const sec = await api(security).tokens.options();
      expect(sec.map((o) => o.slug)).toEqual(expect.arrayContaining([w.teamA, w.teamB]));
      // policies:write only on the organisation choice, never on a team.
      expect(sec.find((o) => o.slug === w.teamB)!.scopes).not.toContain("policies:write");
      expect(sec.filter((o) => o.org)).toEqual([
        expect.objectContaining({ slug: "", org: true, services: [], scopes: ["policies:write", "read"] }),
      ]);
    });

    it("lists only the caller's teams' tokens", async () => {
      const b = await api(security).tokens.create({ team: w.teamB, scopes: ["read"] });
      const devList = await api(dev).tokens.list({});
      expect(devList.length).toBeGreaterThan(0);
      expect(devList.every((x) => x.team === w.teamA)).toBe(true);
      expect((await api(security).tokens.list({})).map((x) => x.id)).toContain(b.id);
      await deniedUnchanged(() => api(dev).tokens.list({ team: w.teamB }), "NOT_FOUND");
    });

    it("revokes: audited, shown as revoked; another team's token is NOT_FOUND, a viewer may not revoke a developer's", async () => {
      const tok = await api(dev).tokens.create({ team: w.teamA, scopes: ["gate:evaluate"] });
      const other = await api(security).tokens.create({ team: w.teamB, scopes: ["read"] });
      await deniedUnchanged(() => api(dev).tokens.revoke({ id: other.id }), "NOT_FOUND");
      await deniedUnchanged(() => api(viewer).tokens.revoke({ id: tok.id }), "FORBIDDEN");

      tick();
      const r = await api(dev).tokens.revoke({ id: tok.id });
      expect(r).toMatchObject({ id: tok.id, alreadyRevoked: false, revokedAt: clock });
      expect((await api(dev).tokens.list({})).find((x) => x.id === tok.id)!.status).toBe("revoked");
      const [event] = await auditOf("token.revoke", tok.id);
      expect(event).toMatchObject({ actorId: dev.id, before: { revokedAt: null } });
      await expect(authenticateToken(ops, tok.token)).rejects.toThrow(/invalid, expired or revoked/);
    });

    it("rotates with a grace period: a new secret once, the old one in grace; above the rotator's role it is refused", async () => {
      const old = await api(security).tokens.create({ team: w.teamA, scopes: ["scans:write"] });
      // The viewer's own read token is theirs to rotate; a developer's pipeline token is above their role.
      const strong = await api(security).tokens.create({ team: w.teamA, scopes: ["waivers:write"] });
      await deniedUnchanged(() => api(viewer).tokens.rotate({ id: strong.id, graceHours: 1 }), "FORBIDDEN");
      const org = await api(security).tokens.create({ org: true, scopes: ["policies:write"] });
      await deniedUnchanged(() => api(dev).tokens.rotate({ id: org.id, graceHours: 1 }), "NOT_FOUND");

      tick();
      const r = await api(dev).tokens.rotate({ id: old.id, graceHours: 2 });
      expect(r.token).toMatch(/^gth_/);
      expect(r.token).not.toBe(old.token);
      expect(r.replaced).toEqual({ id: old.id, expiresAt: new Date(clock.getTime() + 2 * HOUR) });
      const list = await api(dev).tokens.list({ team: w.teamA });
      expect(list.find((x) => x.id === old.id)).toMatchObject({ status: "grace", replacedBy: r.id });
      expect(list.find((x) => x.id === r.id)).toMatchObject({ status: "active", scopes: ["scans:write"] });
      expect(JSON.stringify(list)).not.toContain(r.token);
      const [event] = await auditOf("token.rotate", old.id);
      expect(event!.after).toMatchObject({ replacedBy: r.id, graceHours: 2 });
      await deniedUnchanged(() => api(dev).tokens.rotate({ id: old.id, graceHours: 1 }), "CONFLICT");
      await deniedUnchanged(() => api(dev).tokens.rotate({ id: r.id, graceHours: 10_000 }), "BAD_REQUEST");
    });
  });

  describe("audit", () => {
    it("is for security and admin: developers and viewers get FORBIDDEN", async () => {
      await deniedUnchanged(() => api(dev).audit.list({}), "FORBIDDEN");
      await deniedUnchanged(() => api(viewer).audit.list({}), "FORBIDDEN");
      expect((await api(admin).audit.list({})).items.length).toBeGreaterThan(0);
    });

    it("filters by actor, action, target and time on the server, newest first", async () => {
      tick(HOUR);
      const from = clock;
      const tok = await api(security).tokens.create({ team: w.teamA, scopes: ["read"], name: "audit-filter" });
      tick();
      await api(security).tokens.revoke({ id: tok.id });
      tick();
      await api(admin).teams.create({ slug: uniqueSlug("audit") });
      tick();
      const until = clock;
      tick();
      await api(admin).teams.create({ slug: uniqueSlug("late") });

      const byTarget = await api(security).audit.list({ target: tok.id });
      expect(byTarget.items.map((e) => e.action)).toEqual(["token.revoke", "token.create"]);
      const byAction = await api(security).audit.list({ action: "team.create", since: from.toISOString() });
      expect(byAction.items).toHaveLength(2);
      expect(byAction.items.every((e) => e.action === "team.create")).toBe(true);
      expect(new Date(byAction.items[0]!.at) > new Date(byAction.items[1]!.at)).toBe(true);
      const window = await api(security).audit.list({ since: from.toISOString(), until: until.toISOString() });
      expect(window.items.map((e) => e.action)).toEqual(["team.create", "token.revoke", "token.create"]);
      const byActor = await api(security).audit.list({ actor: admin.label.toUpperCase(), since: from.toISOString() });
      expect(byActor.items.map((e) => e.action)).toEqual(["team.create", "team.create"]);
      expect((await api(security).audit.list({ actor: admin.id, since: from.toISOString() })).items).toHaveLength(2);
      // LIKE wildcards in a term are matched literally.
      expect((await api(security).audit.list({ action: "%" })).items).toHaveLength(0);
      await expectCode(api(security).audit.list({ since: until.toISOString(), until: from.toISOString() }), "BAD_REQUEST");
    });

    it("pages with a cursor: every event once, newest first, ties broken by id", async () => {
      // Five events at the same instant, two at earlier ones.
      const target = uniqueSlug("paged");
      tick(HOUR);
      await recordAudit(ops, { action: "test.page", targetType: "probe", targetId: target, after: { n: 0 } });
      tick();
      await recordAudit(ops, { action: "test.page", targetType: "probe", targetId: target, after: { n: 1 } });
      tick();
      for (let n = 2; n < 7; n++)
        await recordAudit(ops, { action: "test.page", targetType: "probe", targetId: target, after: { n } });
      const all = await api(security).audit.list({ target, limit: 200 });
      expect(all.items).toHaveLength(7);
      expect(all.nextCursor).toBeNull();
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await api(security).audit.list({ target, limit: 2, cursor });
        seen.push(...page.items.map((e) => e.id));
        cursor = page.nextCursor ?? undefined;
        pages++;
      } while (cursor && pages < 10);
      expect(pages).toBe(4);
      expect(seen).toEqual(all.items.map((e) => e.id));
      const ns = all.items.map((e) => (e.after as { n: number }).n);
      expect(ns.slice(5)).toEqual([1, 0]);
      await expectCode(api(security).audit.list({ cursor: "not-a-cursor" }), "BAD_REQUEST");
      const forged = Buffer.from(JSON.stringify({ at: "x'); drop table audit_events; --", id: "aud_x" })).toString("base64url");
      await expectCode(api(security).audit.list({ cursor: forged }), "BAD_REQUEST");
    });

    it("shows before/after with hashes, passwords, tokens and secrets stripped", async () => {
      const target = uniqueSlug("secret");
      await recordAudit(ops, {
        action: "test.secret",
        targetId: target,
        before: { passwordHash: "argon2-hash", role: "viewer" },
        after: { nested: { token: "gth_live", clientSecret: "s3cret", name: "kept" }, tokenId: "tok_kept" },
      });
      const [e] = (await api(admin).audit.list({ target })).items;
      expect(e!.before).toEqual({ role: "viewer" });
      expect(e!.after).toEqual({ nested: { name: "kept" }, tokenId: "tok_kept" });
    });
  });

  describe("teams", () => {
    it("lists the visible teams with member and service counts", async () => {
      const mine = await api(dev).teams.list();
      expect(mine.map((x) => x.slug)).toEqual([w.teamA]);
      expect(mine[0]).toMatchObject({ name: "Payments", members: 2, services: 2 });
      const all = (await api(security).teams.list()).map((x) => x.slug);
      expect(all).toEqual(expect.arrayContaining([w.teamA, w.teamB]));
    });

    it("gets a team with its members and services; another team's is NOT_FOUND, like a missing one", async () => {
      const a = await api(viewer).teams.get({ team: w.teamA });
      expect(a.members.map((m) => [m.email, m.role]).sort()).toEqual(
        [
          [dev.label, "developer"],
          [viewer.label, "viewer"],
        ].sort(),
      );
      expect(a.services.map((s) => s.slug)).toEqual([w.svcA1, w.svcA2].sort());
      const e = await deniedUnchanged(() => api(dev).teams.get({ team: w.teamB }), "NOT_FOUND");
      const missing = await expectCode(api(dev).teams.get({ team: "no-such-team" }), "NOT_FOUND");
      expect(e.message).toBe(missing.message.replace("no-such-team", w.teamB));
      expect((await api(security).teams.get({ team: w.teamB })).services.map((s) => s.slug)).toEqual([w.svcB]);
    });

    it("refuses every admin action to security, developers and viewers, and changes nothing", async () => {
      const target = await person("developer", [w.teamAId]);
      for (const who of [security, dev, viewer, outsider]) {
        const c = api(who);
        await deniedUnchanged(() => c.teams.users(), "FORBIDDEN");
        await deniedUnchanged(() => c.teams.create({ slug: uniqueSlug("nope") }), "FORBIDDEN");
        await deniedUnchanged(() => c.teams.addMember({ team: w.teamB, email: target.label }), "FORBIDDEN");
        await deniedUnchanged(() => c.teams.removeMember({ team: w.teamA, email: target.label }), "FORBIDDEN");
        await deniedUnchanged(() => c.teams.changeRole({ email: target.label, role: "admin" }), "FORBIDDEN");
        await deniedUnchanged(() => c.teams.changeRole({ email: who.label, role: "admin" }), "FORBIDDEN");
        await deniedUnchanged(() => c.teams.invite({ email: `${uniqueSlug("inv")}@example.com`, role: "admin" }), "FORBIDDEN");
        await deniedUnchanged(() => c.teams.disableUser({ email: target.label }), "FORBIDDEN");
      }
    });

    it("lets an admin create a team, add and remove members, each audited in the same change", async () => {
      const c = api(admin);
      const slug = uniqueSlug("platform");
      const team = await c.teams.create({ slug, name: "Platform" });
      expect((await auditOf("team.create", team.id)).length).toBe(1);
      await expectCode(c.teams.create({ slug }), "CONFLICT");

      const p = await person("developer", []);
      tick();
      await c.teams.addMember({ team: slug, email: p.label.toUpperCase() });
      expect((await c.teams.get({ team: slug })).members).toEqual([
        { id: p.id, email: p.label, name: null, role: "developer", status: "active", joinedAt: clock },
      ]);
      const [added] = await auditOf("team.member_add", p.id);
      expect(added).toMatchObject({ teamId: team.id, actorId: admin.id, after: { team: slug, email: p.label } });
      await deniedUnchanged(() => c.teams.addMember({ team: slug, email: p.label }), "CONFLICT");
      await deniedUnchanged(() => c.teams.addMember({ team: slug, email: "nobody@example.com" }), "NOT_FOUND");
      await deniedUnchanged(() => c.teams.addMember({ team: "no-such-team", email: p.label }), "NOT_FOUND");
      expect((await c.teams.list()).find((x) => x.slug === slug)).toMatchObject({ members: 1, services: 0 });

      await c.teams.removeMember({ team: slug, email: p.label });
      expect((await c.teams.get({ team: slug })).members).toEqual([]);
      expect(await auditOf("team.member_remove", p.id)).toHaveLength(1);
      await deniedUnchanged(() => c.teams.removeMember({ team: slug, email: p.label }), "NOT_FOUND");
    });

    it("lets an admin change a role (not their own, never the last admin's), audited", async () => {
      const p = await person("viewer", [w.teamAId]);
      const r = await api(admin).teams.changeRole({ email: p.label, role: "developer" });
      expect(r).toMatchObject({ before: "viewer", after: "developer", changed: true });
      const [row] = await t.db().select().from(users).where(eq(users.id, p.id));
      expect(row!.role).toBe("developer");
      const [event] = await auditOf("user.role_change", p.id);
      expect(event).toMatchObject({ before: { role: "viewer" }, after: { role: "developer" }, actorId: admin.id });
      // The same role again is no change, and no event.
      expect((await api(admin).teams.changeRole({ email: p.label, role: "developer" })).changed).toBe(false);
      expect(await auditOf("user.role_change", p.id)).toHaveLength(1);

      await deniedUnchanged(() => api(admin).teams.changeRole({ email: admin.label, role: "viewer" }), "BAD_REQUEST");
      const admin2 = await person("admin", []);
      await api(admin).teams.changeRole({ email: admin2.label, role: "security" });
      // An operator cannot demote the only active admin left.
      const before = await tables();
      const e = await changeUserRole(ops, { email: admin.label, role: "viewer" }).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(DomainError);
      expect((e as DomainError).type).toBe("last-admin");
      expect(await tables()).toEqual(before);
    });

    it("lets an admin invite (the link once, its hash only) and disable a user", async () => {
      const email = `${uniqueSlug("new")}@example.com`;
      const inv = await api(admin).teams.invite({ email, role: "developer", team: w.teamA });
      const token = new URL(inv.url).searchParams.get("token")!;
      expect(token).toMatch(/^gsl_/);
      const [link] = await t.db().select().from(setupTokens).where(eq(setupTokens.email, email));
      expect(link!.hash).toBe(createHash("sha256").update(token).digest("hex"));
      expect(JSON.stringify(await tables())).not.toContain(token);
      await deniedUnchanged(() => api(admin).teams.invite({ email: dev.label, role: "viewer" }), "CONFLICT");

      const p = await person("developer", [w.teamAId]);
      await api(admin).teams.disableUser({ email: p.label });
      const [row] = await t.db().select().from(users).where(eq(users.id, p.id));
      expect(row!.disabledAt).not.toBeNull();
      expect(await auditOf("user.disable", p.id)).toHaveLength(1);
      expect((await api(admin).teams.users()).find((u) => u.id === p.id)!.status).toBe("disabled");
      await deniedUnchanged(() => api(admin).teams.disableUser({ email: admin.label }), "BAD_REQUEST");
    });
  });
});
