// The audit trail: NDJSON export (order, windows, paging, secrets stripped, who may read it) and recorded denials.
import { and, eq, gte, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditEvents, teams } from "@/db/schema";
import { POST as gatePost } from "@/app/api/v1/gate/route";
import { openAuditExport, type AuditLine } from "@/server/audit/export-audit";
import { recordAudit } from "@/server/audit/record-audit";
import { DENIAL_ACTION, recordDenial } from "@/server/audit/record-denial";
import { withTransaction, type Actor, type ServiceContext } from "@/server/context";
import { DomainError, forbidden } from "@/server/errors";
import { newId } from "@/server/ids";
import { setRuntime } from "@/server/runtime";
import { generateToken } from "@/server/tokens/token-format";
import { createToken, revokeToken } from "@/server/tokens/tokens";
import { describeEachDatabase } from "@/tests/helpers/db";
import { teamWithService, tokenContext, uniqueSlug } from "@/tests/helpers/fixtures";

async function collect(it: AsyncIterable<AuditLine>): Promise<AuditLine[]> {
  const out: AuditLine[] = [];
  for await (const l of it) out.push(l);
  return out;
}

const user = (role: "security" | "admin" | "developer"): Actor => ({
  type: "user",
  id: newId("user"),
  label: `${role}@example.com`,
  role,
  teamIds: [],
});

describeEachDatabase("audit trail", (t) => {
  describe("export", () => {
    // Each test writes its events in its own far-future window, so other tests' events stay out.
    const at = (iso: string) => () => new Date(iso);

    it("exports a window oldest first, since inclusive and until exclusive, with secrets stripped", async () => {
      const write = (iso: string, action: string, before: unknown, after: unknown) =>
        withTransaction(t.ctx({ now: at(iso) }), (tx) => recordAudit(tx, { action, targetType: "thing", before, after }));
      await write("2090-01-01T00:00:03Z", "test.third", null, { n: 3 });
      await write("2090-01-01T00:00:01Z", "test.first", null, { n: 1, token_hash: "abc" });
      await write(
        "2090-01-01T00:00:02Z",
        "test.second",
        { passwordHash: "$argon2id$x", name: "a" },
        {
          secret_hash: "s",
          nested: { hash: "h", token: "gth_x", tokenId: "tok_1" },
        },
      );
      await write("2090-01-01T00:00:04Z", "test.outside", null, null);

      const lines = await collect(
        await openAuditExport(t.ctx(), { since: new Date("2090-01-01T00:00:01Z"), until: new Date("2090-01-01T00:00:04Z") }),
      );
      expect(lines.map((l) => l.action)).toEqual(["test.first", "test.second", "test.third"]);
      expect(lines[0]).toMatchObject({
        at: "2090-01-01T00:00:01.000Z",
        actorType: "system",
        actorLabel: "test",
        after: { n: 1 },
      });
      expect(lines[1]!.before).toEqual({ name: "a" });
      expect(lines[1]!.after).toEqual({ nested: { tokenId: "tok_1" } });
      expect(JSON.stringify(lines)).not.toMatch(/argon2|abc|"s"|gth_x/);

      const since = await collect(await openAuditExport(t.ctx(), { since: new Date("2090-01-01T00:00:02Z"), limit: 2 }));
      expect(since.map((l) => l.action)).toEqual(["test.second", "test.third"]);
    });

    it("pages through more events than one page, ties on time broken by id, none lost or repeated", async () => {
      const when = "2091-05-05T05:05:05.123456Z";
      const ids = Array.from({ length: 1234 }, () => newId("audit"));
      await t.db().execute(sql`
        insert into audit_events (id, at, actor_type, actor_label, action)
        select id, ${when}::timestamptz, 'system', 'bulk', 'test.bulk' from unnest(${sql.raw(`ARRAY[${ids.map((i) => `'${i}'`).join(",")}]`)}::text[]) as id`);
      const lines = await collect(
        await openAuditExport(t.ctx(), { since: new Date("2091-05-05T05:05:05Z"), until: new Date("2091-05-06T00:00:00Z") }),
      );
      expect(lines).toHaveLength(1234);
      expect(lines.map((l) => l.id)).toEqual([...ids].sort());
    });

    it("lets security, admin and operators export; refuses developers and tokens", async () => {
      const ctx = t.ctx();
      const window = { since: new Date("2099-01-01T00:00:00Z") };
      for (const actor of [user("security"), user("admin"), { type: "cli", label: "cli:ops" } as Actor])
        await collect(await openAuditExport(t.ctx({ actor }), window));
      await expect(openAuditExport(t.ctx({ actor: user("developer") }), window)).rejects.toMatchObject({ code: "forbidden" });
      const { team } = await teamWithService(ctx);
      const tok = await tokenContext(ctx, { team: team.slug, scopes: ["read"] });
      await expect(openAuditExport(tok, window)).rejects.toMatchObject({ code: "forbidden" });
    });

    it("records each export in the trail", async () => {
      const sec = user("security");
      const since = new Date("2093-01-01T00:00:00Z");
      await openAuditExport(t.ctx({ actor: sec, now: at("2092-01-01T00:00:00Z") }), { since });
      const [row] = await t
        .db()
        .select()
        .from(auditEvents)
        .where(and(eq(auditEvents.action, "audit.export"), eq(auditEvents.actorId, (sec as { id: string }).id)));
      expect(row).toMatchObject({ actorType: "user", after: { since: since.toISOString(), until: null, limit: null } });
    });
  });

  describe("denials", () => {
    it("keep their record when the denied change rolls back", async () => {
      const ctx = t.ctx();
      const slug = uniqueSlug("denied");
      const attempt = withTransaction(ctx, async (tx) => {
        await tx.db.insert(teams).values({ id: newId("team"), slug, name: slug, createdAt: new Date() });
        // Called inside the transaction, it refuses rather than hang or roll back with it.
        await expect(recordDenial(tx, { action: "team.create", reason: "x" })).rejects.toThrow(/outside a transaction/);
        throw forbidden();
      });
      await expect(attempt).rejects.toBeInstanceOf(DomainError);
      await recordDenial(ctx, { action: "team.create", targetType: "team", targetId: slug, reason: "forbidden" });
      expect(await t.db().select().from(teams).where(eq(teams.slug, slug))).toHaveLength(0);
      const [row] = await t.db().select().from(auditEvents).where(eq(auditEvents.targetId, slug));
      expect(row).toMatchObject({ action: DENIAL_ACTION, after: { action: "team.create", reason: "forbidden" } });
    });

    it("are kept when the attempted path is longer than an index row may be", async () => {
      const path = `/api/v1/waivers/${"\u{1F512}".repeat(3000)}`;
      await recordDenial(t.ctx(), { action: `GET ${path}`, targetType: "endpoint", targetId: path, reason: "forbidden" });
      const rows = await t
        .db()
        .select()
        .from(auditEvents)
        .where(and(eq(auditEvents.action, DENIAL_ACTION), sql`${auditEvents.targetId} like ${"/api/v1/waivers/\u{1F512}%"}`));
      expect(rows).toHaveLength(1);
      expect(rows[0]!.targetId!.length).toBeLessThanOrEqual(512);
      expect(rows[0]!.targetId!.endsWith("…")).toBe(true);
    });

    describe("through the REST wrapper", () => {
      beforeAll(() => {
        setRuntime({ db: t.db(), kind: t.kind, describe: "test", startedAt: new Date(), publicUrl: "http://localhost" });
      });
      afterAll(() => setRuntime(undefined));

      const gate = (token: string) =>
        gatePost(
          new Request("http://localhost/api/v1/gate", {
            method: "POST",
            headers: {
              authorization: `Bearer ${token}`,
              "content-type": "application/json",
              "x-gatehouse-client-ip": "10.9.8.7",
            },
            body: JSON.stringify({ service: "x", commit: "0".repeat(40), stage: "production" }),
          }),
          { params: Promise.resolve({}) },
        );

      const denialsOf = (actorId: string) =>
        t
          .db()
          .select()
          .from(auditEvents)
          .where(and(eq(auditEvents.action, DENIAL_ACTION), eq(auditEvents.actorId, actorId)));

      it("records a token's missing scope (403) and a revoked token (401), not an unknown one", async () => {
        const ctx: ServiceContext = t.ctx();
        const started = new Date();
        const { team } = await teamWithService(ctx);
        const readOnly = await createToken(ctx, { team: team.slug, scopes: ["read"] });
        const res = await gate(readOnly.token);
        expect(res.status).toBe(403);
        const [denied] = await denialsOf(readOnly.id);
        expect(denied).toMatchObject({
          actorType: "token",
          teamId: team.id,
          targetType: "endpoint",
          targetId: "/api/v1/gate",
          ip: "10.9.8.7",
          after: { action: "POST /api/v1/gate", reason: "insufficient-scope" },
        });
        expect(denied!.requestId).toBe(((await res.json()) as { requestId: string }).requestId);

        const revoked = await createToken(ctx, { team: team.slug, scopes: ["gate:evaluate"] });
        await revokeToken(ctx, { id: revoked.id });
        expect((await gate(revoked.token)).status).toBe(401);
        expect((await denialsOf(revoked.id))[0]!.after).toMatchObject({ reason: "unauthorized" });

        const before = await t.db().select().from(auditEvents).where(gte(auditEvents.at, started));
        // Well-formed (checksum and all) but unknown: refused without a record.
        expect((await gate(generateToken())).status).toBe(401);
        expect(await t.db().select().from(auditEvents).where(gte(auditEvents.at, started))).toHaveLength(before.length);
      });
    });
  });
});
