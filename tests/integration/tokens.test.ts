// Machine tokens: list, revoke, rotate with a grace period, expiry, and the creator's ceiling.
import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { apiTokens, auditEvents, teamMembers, users, type Role } from "@/db/schema";
import type { Actor, ServiceContext } from "@/server/context";
import { DomainError } from "@/server/errors";
import { newId } from "@/server/ids";
import {
  authenticateToken,
  authenticateTokenCached,
  createToken,
  createTokenForUser,
  InvalidTokenError,
  listTokens,
  requireScope,
  revokeToken,
  rotateToken,
} from "@/server/tokens/tokens";
import { describeEachDatabase } from "@/tests/helpers/db";
import { teamWithService, uniqueSlug } from "@/tests/helpers/fixtures";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

async function refusal(p: Promise<unknown>): Promise<DomainError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e, "expected a refusal").toBeInstanceOf(DomainError);
  return e as DomainError;
}

describeEachDatabase("machine tokens", (t) => {
  /** A real user row (and memberships), and the actor a session would give them. */
  async function person(role: Role, teamIds: string[]): Promise<Extract<Actor, { type: "user" }>> {
    const id = newId("user");
    const email = `${uniqueSlug(role)}@example.com`;
    await t.db().insert(users).values({ id, email, role, createdAt: new Date() });
    for (const teamId of teamIds) await t.db().insert(teamMembers).values({ teamId, userId: id, createdAt: new Date() });
    return { type: "user", id, label: email, role, teamIds };
  }

  const auditOf = (targetId: string, action: string) =>
    t
      .db()
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.targetId, targetId), eq(auditEvents.action, action)));

  describe("list", () => {
    it("lists a team's tokens with their state, never their hashes", async () => {
      const ctx = t.ctx();
      const { team, service } = await teamWithService(ctx);
      const other = await teamWithService(ctx);
      const a = await createToken(ctx, { team: team.slug, scopes: ["scans:write", "read"], name: "ci" });
      const b = await createToken(ctx, { team: team.slug, services: [service.slug], scopes: ["gate:evaluate"] });
      await createToken(ctx, { team: other.team.slug, scopes: ["read"] });
      await authenticateToken(ctx, a.token, "10.1.2.3");

      const rows = await listTokens(ctx, { team: team.slug });
      expect(rows.map((r) => r.id)).toEqual([b.id, a.id]);
      const first = rows.find((r) => r.id === a.id)!;
      expect(first).toMatchObject({
        name: "ci",
        team: team.slug,
        services: null,
        scopes: ["read", "scans:write"],
        status: "active",
        displayPrefix: a.token.slice(0, 10),
        lastUsedIp: "10.1.2.3",
        revokedAt: null,
        replacedBy: null,
      });
      expect(first.lastUsedAt).toBeInstanceOf(Date);
      expect(rows.find((r) => r.id === b.id)!.services).toEqual([service.slug]);
      for (const r of rows) {
        expect(r).not.toHaveProperty("hash");
        expect(JSON.stringify(r)).not.toContain(a.token);
      }
    });

    it("shows developers their own teams only, refuses tokens, and hides other teams (404)", async () => {
      const ctx = t.ctx();
      const mine = await teamWithService(ctx);
      const theirs = await teamWithService(ctx);
      const own = await createToken(ctx, { team: mine.team.slug, scopes: ["read"] });
      await createToken(ctx, { team: theirs.team.slug, scopes: ["read"] });
      const dev = await person("developer", [mine.team.id]);
      const ids = (await listTokens(t.ctx({ actor: dev }))).map((r) => r.id);
      expect(ids).toContain(own.id);
      expect((await listTokens(t.ctx({ actor: dev }))).every((r) => r.teamId === mine.team.id)).toBe(true);
      expect((await refusal(listTokens(t.ctx({ actor: dev }), { team: theirs.team.slug }))).code).toBe("not_found");

      const asToken = { ...ctx, actor: await authenticateToken(ctx, own.token) };
      expect((await refusal(listTokens(asToken))).code).toBe("forbidden");
    });
  });

  describe("revoke", () => {
    it("stops the token at once, is audited, and a second revoke changes nothing", async () => {
      const ctx = t.ctx();
      const { team } = await teamWithService(ctx);
      const tok = await createToken(ctx, { team: team.slug, scopes: ["read"] });
      await authenticateToken(ctx, tok.token);

      const r = await revokeToken(ctx, { id: tok.id });
      expect(r.alreadyRevoked).toBe(false);
      const e = await refusal(authenticateToken(ctx, tok.token));
      expect(e.code).toBe("unauthorized");
      expect(e).toBeInstanceOf(InvalidTokenError);
      expect((e as InvalidTokenError).refused?.id).toBe(tok.id);
      expect((await listTokens(ctx, { team: team.slug }))[0]!.status).toBe("revoked");

      expect((await revokeToken(ctx, { id: tok.id })).alreadyRevoked).toBe(true);
      const events = await auditOf(tok.id, "token.revoke");
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({ actorType: "system", teamId: team.id, before: { revokedAt: null } });
    });

    it("the REST routes' remembered token: revoked or rotated through this process, it is refused at once", async () => {
      const ctx = t.ctx();
      const { team } = await teamWithService(ctx);
      const tok = await createToken(ctx, { team: team.slug, scopes: ["read"] });
      expect((await authenticateTokenCached(ctx, tok.token)).id).toBe(tok.id);
      await revokeToken(ctx, { id: tok.id });
      expect((await refusal(authenticateTokenCached(ctx, tok.token))).code).toBe("unauthorized");

      const other = await createToken(ctx, { team: team.slug, scopes: ["read"] });
      await authenticateTokenCached(ctx, other.token);
      await rotateToken(ctx, { id: other.id, graceHours: 0 });
      expect((await refusal(authenticateTokenCached(ctx, other.token))).code).toBe("unauthorized");
    });

    it("answers 404 for another team's token and 403 to a viewer of the team, changing nothing", async () => {
      const ctx = t.ctx();
      const mine = await teamWithService(ctx);
      const theirs = await teamWithService(ctx);
      const tok = await createToken(ctx, { team: theirs.team.slug, scopes: ["read"] });
      const dev = await person("developer", [mine.team.id]);
      expect((await refusal(revokeToken(t.ctx({ actor: dev }), { id: tok.id }))).code).toBe("not_found");
      const viewer = await person("viewer", [theirs.team.id]);
      expect((await refusal(revokeToken(t.ctx({ actor: viewer }), { id: tok.id }))).code).toBe("forbidden");
      const [row] = await t.db().select().from(apiTokens).where(eq(apiTokens.id, tok.id));
      expect(row!.revokedAt).toBeNull();
      expect(await auditOf(tok.id, "token.revoke")).toHaveLength(0);
    });
  });

  describe("rotate", () => {
    it("issues a new token; the old one works through the grace period and is refused after it", async () => {
      let now = new Date("2031-03-01T10:00:00Z");
      const clock = () => now;
      const ctx = t.ctx({ now: clock });
      const { team, service } = await teamWithService(ctx);
      const old = await createToken(ctx, {
        team: team.slug,
        services: [service.slug],
        scopes: ["scans:write", "read"],
        name: "deploy",
        expiresInDays: 30,
      });

      now = new Date(now.getTime() + 2 * DAY);
      const rotated = await rotateToken(ctx, { id: old.id, graceHours: 24 });
      expect(rotated.token).toMatch(/^gth_/);
      expect(rotated.token).not.toBe(old.token);
      expect(rotated).toMatchObject({ team: team.slug, services: [service.slug], scopes: ["read", "scans:write"] });
      // The new token lives as long as the old one was meant to (30 days), from now.
      expect(rotated.expiresAt.getTime()).toBe(now.getTime() + 30 * DAY);
      expect(rotated.replaced).toEqual({ id: old.id, expiresAt: new Date(now.getTime() + 24 * HOUR) });

      const [oldRow] = await t.db().select().from(apiTokens).where(eq(apiTokens.id, old.id));
      expect(oldRow!.replacedBy).toBe(rotated.id);
      const fresh = await authenticateToken(ctx, rotated.token);
      expect(fresh).toMatchObject({ id: rotated.id, teamId: team.id, serviceIds: [service.id] });

      const rotatedAt = now;
      now = new Date(rotatedAt.getTime() + 24 * HOUR - 1000);
      expect((await authenticateToken(ctx, old.token)).id).toBe(old.id);
      expect((await listTokens(ctx, { team: team.slug })).find((r) => r.id === old.id)!.status).toBe("grace");
      now = new Date(rotatedAt.getTime() + 24 * HOUR);
      expect((await refusal(authenticateToken(ctx, old.token))).code).toBe("unauthorized");
      expect((await authenticateToken(ctx, rotated.token)).id).toBe(rotated.id);

      const [rotation] = await auditOf(old.id, "token.rotate");
      expect(rotation).toMatchObject({ after: { replacedBy: rotated.id, graceHours: 24 } });
      const [creation] = await auditOf(rotated.id, "token.create");
      expect(creation!.after).toMatchObject({ rotatedFrom: old.id });
      const logged = JSON.stringify([rotation, creation]);
      for (const secret of [old.token, rotated.token, '"hash"']) expect(logged).not.toContain(secret);
    });

    it("never lengthens the old token's life, refuses a second rotation, and can cut over at once", async () => {
      let now = new Date("2031-06-01T00:00:00Z");
      const ctx = t.ctx({ now: () => now });
      const { team } = await teamWithService(ctx);
      const old = await createToken(ctx, { team: team.slug, scopes: ["read"], expiresInDays: 1 });
      now = new Date(now.getTime() + 23 * HOUR);
      const r = await rotateToken(ctx, { id: old.id });
      expect(r.replaced.expiresAt.getTime()).toBe(new Date("2031-06-02T00:00:00Z").getTime());
      expect((await refusal(rotateToken(ctx, { id: old.id }))).type).toBe("token-rotated");

      const other = await createToken(ctx, { team: team.slug, scopes: ["read"] });
      await rotateToken(ctx, { id: other.id, graceHours: 0 });
      expect((await refusal(authenticateToken(ctx, other.token))).code).toBe("unauthorized");

      await revokeToken(ctx, { id: r.id });
      expect((await refusal(rotateToken(ctx, { id: r.id }))).type).toBe("token-inactive");
    });
  });

  describe("expiry", () => {
    it("accepts a token until its expiry and refuses it from then on; a year at most", async () => {
      let now = new Date("2032-01-01T00:00:00Z");
      const ctx = t.ctx({ now: () => now });
      const { team } = await teamWithService(ctx);
      const tok = await createToken(ctx, { team: team.slug, scopes: ["read"], expiresInDays: 2 });
      now = new Date(now.getTime() + 2 * DAY - 1);
      expect((await authenticateToken(ctx, tok.token)).id).toBe(tok.id);
      now = new Date(now.getTime() + 1);
      expect((await refusal(authenticateToken(ctx, tok.token))).code).toBe("unauthorized");
      expect((await listTokens(ctx, { team: team.slug }))[0]!.status).toBe("expired");
      await expect(createToken(ctx, { team: team.slug, scopes: ["read"], expiresInDays: 366 })).rejects.toThrow();
    });
  });

  describe("a token never grants more than its creator holds", () => {
    it("lets a developer make pipeline tokens for their own team only", async () => {
      const ctx = t.ctx();
      const mine = await teamWithService(ctx);
      const theirs = await teamWithService(ctx);
      const dev = await person("developer", [mine.team.id]);
      const devCtx = t.ctx({ actor: dev });

      const ok = await createTokenForUser(devCtx, {
        team: mine.team.slug,
        services: [mine.service.slug],
        scopes: ["scans:write", "gate:evaluate", "deployments:write", "read"],
      });
      const [row] = await t.db().select().from(apiTokens).where(eq(apiTokens.id, ok.id));
      expect(row).toMatchObject({ createdByUserId: dev.id, createdBy: dev.label });

      // Stage policies are organisation-wide: no token bound to a team holds policies:write, whoever makes it…
      const teamWide = await refusal(createTokenForUser(devCtx, { team: mine.team.slug, scopes: ["read", "policies:write"] }));
      expect(teamWide).toMatchObject({ code: "forbidden", type: "scope-not-for-binding", extra: { scopes: ["policies:write"] } });
      // …and an organisation token is beyond a developer.
      const tooMuch = await refusal(createTokenForUser(devCtx, { org: true, scopes: ["policies:write"] }));
      expect(tooMuch).toMatchObject({ code: "forbidden", type: "scope-above-role", extra: { scopes: ["policies:write"] } });
      expect((await refusal(createTokenForUser(devCtx, { team: theirs.team.slug, scopes: ["read"] }))).code).toBe("not_found");
      expect(
        (await refusal(createTokenForUser(devCtx, { team: mine.team.slug, services: [theirs.service.slug], scopes: ["read"] })))
          .code,
      ).toBe("not_found");
      // createToken called with a person goes through the same ceiling.
      expect((await refusal(createToken(devCtx, { team: mine.team.slug, scopes: ["policies:write"] }))).code).toBe("forbidden");
      const count = await t.db().select().from(apiTokens).where(eq(apiTokens.createdByUserId, dev.id));
      expect(count).toHaveLength(1);
    });

    it("lets viewers make read-only tokens, and security any team token in any team and organisation tokens", async () => {
      const ctx = t.ctx();
      const { team } = await teamWithService(ctx);
      const viewer = await person("viewer", [team.id]);
      await createTokenForUser(t.ctx({ actor: viewer }), { team: team.slug, scopes: ["read"] });
      expect(
        (await refusal(createTokenForUser(t.ctx({ actor: viewer }), { team: team.slug, scopes: ["scans:write"] }))).code,
      ).toBe("forbidden");
      const sec = await person("security", []);
      const teamTok = await createTokenForUser(t.ctx({ actor: sec }), { team: team.slug, scopes: ["waivers:write", "read"] });
      expect(teamTok.scopes).toEqual(["read", "waivers:write"]);
      expect(
        (await refusal(createTokenForUser(t.ctx({ actor: sec }), { team: team.slug, scopes: ["policies:write"] }))).type,
      ).toBe("scope-not-for-binding");
      const tok = await createTokenForUser(t.ctx({ actor: sec }), { org: true, scopes: ["policies:write", "read"] });
      expect(tok).toMatchObject({ team: null, services: null, scopes: ["policies:write", "read"] });
      expect((await refusal(createTokenForUser(t.ctx({ actor: sec }), { org: true, scopes: ["scans:write"] }))).type).toBe(
        "scope-not-for-binding",
      );
      const asToken = { ...ctx, actor: await authenticateToken(ctx, tok.token) };
      expect((await refusal(createTokenForUser(asToken, { team: team.slug, scopes: ["read"] }))).code).toBe("forbidden");
      expect((await refusal(createToken(asToken, { team: team.slug, scopes: ["read"] }))).code).toBe("forbidden");
    });

    it("refuses the rotation of a token above the rotator's role, changing nothing", async () => {
      const ctx = t.ctx();
      const { team } = await teamWithService(ctx);
      // A developer made a pipeline token, and is a viewer now: rotating it would grant more than they hold.
      const former = await person("developer", [team.id]);
      const strong = await createTokenForUser(t.ctx({ actor: former }), { team: team.slug, scopes: ["scans:write"] });
      await t.db().update(users).set({ role: "viewer" }).where(eq(users.id, former.id));
      const e = await refusal(rotateToken(t.ctx({ actor: { ...former, role: "viewer" } as Actor }), { id: strong.id }));
      expect(e.type).toBe("scope-above-role");
      const [row] = await t.db().select().from(apiTokens).where(eq(apiTokens.id, strong.id));
      expect(row!.replacedBy).toBeNull();
      // An organisation token is not even visible to a developer.
      const org = await createToken(ctx, { org: true, scopes: ["policies:write"] });
      const dev = await person("developer", [team.id]);
      expect((await refusal(rotateToken(t.ctx({ actor: dev }), { id: org.id }))).code).toBe("not_found");
      expect((await authenticateToken(ctx, org.token)).scopes).toEqual(["policies:write"]);
      // …but they may rotate a pipeline token of their team.
      const weak = await createToken(ctx, { team: team.slug, scopes: ["scans:write"] });
      const r = await rotateToken(t.ctx({ actor: dev }), { id: weak.id });
      const [newRow] = await t.db().select().from(apiTokens).where(eq(apiTokens.id, r.id));
      expect(newRow!.createdByUserId).toBe(dev.id);
    });

    it("narrows a token when its creator loses rights, and voids it when they are disabled", async () => {
      const ctx: ServiceContext = t.ctx();
      const { team } = await teamWithService(ctx);
      const dev = await person("developer", [team.id]);
      const tok = await createTokenForUser(t.ctx({ actor: dev }), { team: team.slug, scopes: ["scans:write", "read"] });
      expect((await authenticateToken(ctx, tok.token)).scopes).toEqual(["read", "scans:write"]);

      await t.db().update(users).set({ role: "viewer" }).where(eq(users.id, dev.id));
      const asViewer = await authenticateToken(ctx, tok.token);
      expect(asViewer.scopes).toEqual(["read"]);
      expect(() => requireScope(asViewer, "scans:write")).toThrow(DomainError);

      await t
        .db()
        .delete(teamMembers)
        .where(and(eq(teamMembers.userId, dev.id), eq(teamMembers.teamId, team.id)));
      expect((await authenticateToken(ctx, tok.token)).scopes).toEqual([]);

      await t.db().update(users).set({ role: "developer", disabledAt: new Date() }).where(eq(users.id, dev.id));
      expect((await refusal(authenticateToken(ctx, tok.token))).code).toBe("unauthorized");
    });
  });
});
