// Governance through the dashboard's tRPC API (createCaller), as each role: stage policies (list, read, versions,
// diff, validate without saving, save as a new audited version) and the waivers list (status filters, team scoping).
import { TRPCError } from "@trpc/server";
import { count, eq, ne, sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { auditEvents, policies } from "@/db/schema";
import type { TrpcContext, UserActor } from "@/server/api/trpc/init";
import { createCaller } from "@/server/api/trpc/root";
import type { ServiceContext } from "@/server/context";
import { approveWaiver, createWaiver, revokeWaiver } from "@/server/gate/waivers";
import { createService } from "@/server/services/services";
import { createTeam } from "@/server/teams/teams";
import { DENIAL_ACTION } from "@/server/audit/record-denial";
import { describeEachDatabase } from "@/tests/helpers/db";
import { uniqueSlug } from "@/tests/helpers/fixtures";

async function expectCode(p: Promise<unknown>, code: TRPCError["code"]): Promise<TRPCError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(TRPCError);
  expect((e as TRPCError).code).toBe(code);
  return e as TRPCError;
}

const user = (id: string, role: UserActor["role"], teamIds: string[] = []): UserActor => ({
  type: "user",
  id,
  label: `${id}@example.com`,
  role,
  teamIds,
});

const INVALID_YAML = `version: 1
rules:
  maxFindings:
    - severity: extreme
      max: -1
  noSecrets:
    mode: sometimes
  bogus: true
`;

describeEachDatabase("tRPC governance API", (t) => {
  const clock = new Date("2026-11-20T12:00:00Z");
  const now = () => clock;
  const api = (actor: UserActor | null) => createCaller({ db: t.db(), now, actor } satisfies TrpcContext);
  const security = user("usr_gov_sec", "security");
  const admin = user("usr_gov_admin", "admin");

  /** Every row of the policy table and the audit trail's size: what a denied call must leave alone. */
  const snapshot = async () => ({
    policies: await t.db().select().from(policies).orderBy(policies.stage, policies.version),
    // Refusals are recorded as access.denied on purpose; no other event may appear.
    audit: (await t.db().select({ n: count() }).from(auditEvents).where(ne(auditEvents.action, DENIAL_ACTION)))[0]!.n,
  });

  describe("policies", () => {
    it("lists every stage in promotion order; before anything is stored, the default applies", async () => {
      const list = await api(user("usr_gov_v0", "viewer")).policies.list();
      expect(list.map((s) => s.stage)).toEqual(["dev", "test", "production"]);
      for (const s of list) expect(s).toMatchObject({ current: null, versions: 0 });
      // Listing reads only: nothing was seeded.
      expect((await snapshot()).policies).toHaveLength(0);
    });

    it("answers UNAUTHORIZED to anonymous callers on every procedure", async () => {
      const anon = api(null);
      await expectCode(anon.policies.list(), "UNAUTHORIZED");
      await expectCode(anon.policies.get({ stage: "test" }), "UNAUTHORIZED");
      await expectCode(anon.policies.versions({ stage: "test" }), "UNAUTHORIZED");
      await expectCode(anon.policies.diff({ stage: "test", from: 1, to: 1 }), "UNAUTHORIZED");
      await expectCode(anon.policies.validate({ stage: "test", text: "{}", format: "json" }), "UNAUTHORIZED");
      await expectCode(anon.policies.save({ stage: "test", text: "{}", format: "json", comment: "nope nope" }), "UNAUTHORIZED");
      await expectCode(anon.waivers.list({}), "UNAUTHORIZED");
    });

    it("lets any signed-in user read the policy in force (the shipped default, as version 1) and its history", async () => {
      const viewer = api(user("usr_gov_v1", "viewer"));
      const p = await viewer.policies.get({ stage: "test" });
      expect(p).toMatchObject({ stage: { slug: "test" }, version: 1, isDefault: true, createdBy: "system:default" });
      expect(p.document.rules.noSecrets).toEqual({ mode: "fail" });
      expect(p.yaml).toContain("noSecrets:\n    mode: fail\n");
      expect(JSON.parse(p.json)).toEqual(p.document);
      expect(await viewer.policies.versions({ stage: "test" })).toEqual([
        expect.objectContaining({ version: 1, isDefault: true, comment: "Gatehouse default" }),
      ]);
      const list = await viewer.policies.list();
      expect(list.find((s) => s.stage === "test")).toMatchObject({ versions: 1, current: { version: 1, isDefault: true } });
      expect(list.find((s) => s.stage === "dev")).toMatchObject({ current: null });
    });

    it("validates a draft: every error with its path, and nothing saved", async () => {
      const before = await snapshot();
      const r = await api(security).policies.validate({ stage: "test", text: INVALID_YAML, format: "yaml" });
      expect(r.ok).toBe(false);
      if (r.ok) return;
      const paths = r.errors.map((e) => e.path);
      expect(paths).toEqual(
        expect.arrayContaining([
          "rules.maxFindings[0].severity",
          "rules.maxFindings[0].max",
          "rules.noSecrets.mode",
          "rules.bogus",
        ]),
      );
      expect(r.errors.find((e) => e.path === "rules.bogus")!.message).toBe("Unknown key");

      const malformed = await api(security).policies.validate({ stage: "test", text: '{"rules": {', format: "json" });
      expect(malformed).toMatchObject({
        ok: false,
        errors: [{ path: "(root)", message: expect.stringMatching(/not valid JSON/) }],
      });

      const ok = await api(admin).policies.validate({
        stage: "test",
        text: '{"rules": {"noSecrets": {}, "maxFindings": [{"severity": "high", "max": 2}]}}',
        format: "json",
      });
      expect(ok.ok).toBe(true);
      if (!ok.ok) return;
      // Normalized: defaults filled in, canonical renderings.
      expect(ok.document).toEqual({
        version: 1,
        rules: { noSecrets: { mode: "fail" }, maxFindings: [{ severity: "high", max: 2, mode: "fail" }] },
      });
      expect(ok.yaml).toContain("- max: 2\n      mode: fail\n      severity: high\n");
      expect(await snapshot()).toEqual(before);
    });

    it("refuses validate and save to developers and viewers (FORBIDDEN), leaving the policies and the audit trail unchanged", async () => {
      const before = await snapshot();
      const doc = (await api(security).policies.get({ stage: "test" })).yaml.replace("mode: warn", "mode: fail");
      for (const actor of [user("usr_gov_dev", "developer"), user("usr_gov_view", "viewer")]) {
        await expectCode(api(actor).policies.validate({ stage: "test", text: doc, format: "yaml" }), "FORBIDDEN");
        await expectCode(
          api(actor).policies.save({ stage: "test", text: doc, format: "yaml", comment: "I should not be able to" }),
          "FORBIDDEN",
        );
        await expectCode(
          api(actor).policies.save({ stage: "nope", text: doc, format: "yaml", comment: "nor this" }),
          "FORBIDDEN",
        );
      }
      expect(await snapshot()).toEqual(before);
    });

    it("saves a valid draft as version N+1 with the author and comment, audited as policy.update", async () => {
      const sec = api(security);
      const current = await sec.policies.get({ stage: "test" });
      const text = current.yaml.replace("sla:\n    mode: warn", "sla:\n    mode: fail");
      expect(text).not.toBe(current.yaml);
      const before = await snapshot();

      const saved = await sec.policies.save({
        stage: "test",
        text,
        format: "yaml",
        comment: "SLA breaches now block",
        baseVersion: current.version,
      });
      expect(saved).toMatchObject({
        version: current.version + 1,
        createdBy: security.label,
        comment: "SLA breaches now block",
        isDefault: false,
      });

      const after = await snapshot();
      expect(after.policies).toHaveLength(before.policies.length + 1);
      expect(after.audit).toBe(before.audit + 1);
      const [event] = await t
        .db()
        .select()
        .from(auditEvents)
        .where(eq(auditEvents.action, "policy.update"))
        .orderBy(sql`${auditEvents.at} desc`)
        .limit(1);
      expect(event).toMatchObject({ actorType: "user", actorId: security.id, actorLabel: security.label, targetType: "policy" });
      expect(event!.after).toMatchObject({ version: saved.version, comment: "SLA breaches now block" });
      expect(event!.before).toMatchObject({ version: current.version });

      const dev = api(user("usr_gov_dev2", "developer"));
      const inForce = await dev.policies.get({ stage: "test" });
      expect(inForce).toMatchObject({ version: saved.version, createdBy: security.label });
      expect(inForce.document.rules.sla).toEqual({ mode: "fail" });
      expect((await dev.policies.versions({ stage: "test" })).map((v) => v.version)).toEqual([saved.version, current.version]);
      expect((await dev.policies.get({ stage: "test", version: current.version })).document.rules.sla).toEqual({ mode: "warn" });
      expect((await dev.policies.list()).find((s) => s.stage === "test")).toMatchObject({
        versions: 2,
        current: { version: saved.version, comment: "SLA breaches now block", createdBy: security.label, isDefault: false },
      });
    });

    it("diffs two versions line by line in YAML or JSON", async () => {
      const dev = api(user("usr_gov_dev3", "developer"));
      const d = await dev.policies.diff({ stage: "test", from: 1, to: 2 });
      expect(d.from.version).toBe(1);
      expect(d.to.version).toBe(2);
      expect(d.diff).toMatchObject({ format: "yaml", added: 1, removed: 1 });
      const changes = d.diff.hunks.flatMap((h) => h.lines.filter((l) => l.kind !== "unchanged"));
      expect(changes.map((l) => [l.kind, l.text.trim()])).toEqual([
        ["removed", "mode: warn"],
        ["added", "mode: fail"],
      ]);
      // Context lines around the change locate it.
      expect(d.diff.hunks[0]!.lines.some((l) => l.kind === "unchanged" && l.text.trim() === "sla:")).toBe(true);

      const json = await dev.policies.diff({ stage: "test", from: 2, to: 1, format: "json" });
      expect(
        json.diff.hunks.flatMap((h) => h.lines.filter((l) => l.kind !== "unchanged")).map((l) => [l.kind, l.text.trim()]),
      ).toEqual([
        ["removed", '"mode": "fail"'],
        ["added", '"mode": "warn"'],
      ]);
      expect((await dev.policies.diff({ stage: "test", from: 2, to: 2 })).diff).toMatchObject({
        added: 0,
        removed: 0,
        hunks: [],
      });
    });

    it("refuses an invalid draft or a stale base version on save, and saves nothing", async () => {
      const before = await snapshot();
      const sec = api(admin);
      const e = await expectCode(
        sec.policies.save({ stage: "test", text: INVALID_YAML, format: "yaml", comment: "broken policy" }),
        "UNPROCESSABLE_CONTENT",
      );
      expect(e.message).toContain("rules.maxFindings[0].severity");
      const current = await sec.policies.get({ stage: "test" });
      const stale = await expectCode(
        sec.policies.save({ stage: "test", text: current.yaml, format: "yaml", comment: "from an old editor", baseVersion: 1 }),
        "CONFLICT",
      );
      expect(stale.message).toContain(`Version ${current.version} was saved by ${security.label}`);
      await expectCode(sec.policies.save({ stage: "test", text: current.yaml, format: "yaml", comment: " " }), "BAD_REQUEST");
      expect(await snapshot()).toEqual(before);
    });

    it("answers NOT_FOUND for an unknown stage or version, whoever asks", async () => {
      const before = await snapshot();
      for (const actor of [user("usr_gov_dev4", "developer"), security]) {
        const a = api(actor);
        await expectCode(a.policies.get({ stage: "staging" }), "NOT_FOUND");
        await expectCode(a.policies.versions({ stage: "staging" }), "NOT_FOUND");
        await expectCode(a.policies.diff({ stage: "staging", from: 1, to: 2 }), "NOT_FOUND");
        await expectCode(a.policies.get({ stage: "test", version: 99 }), "NOT_FOUND");
        await expectCode(a.policies.diff({ stage: "test", from: 1, to: 99 }), "NOT_FOUND");
      }
      await expectCode(api(security).policies.validate({ stage: "staging", text: "{}", format: "json" }), "NOT_FOUND");
      const doc = (await api(security).policies.get({ stage: "test" })).json;
      await expectCode(
        api(security).policies.save({ stage: "staging", text: doc, format: "json", comment: "no stage" }),
        "NOT_FOUND",
      );
      expect(await snapshot()).toEqual(before);
    });
  });

  describe("waivers.list", () => {
    let ops: ServiceContext;
    const ids = { aPending: "", aActive: "", aExpired: "", aRevoked: "", bPending: "", bActive: "", global: "" };
    const slugs = { teamA: "", teamB: "", svcA: "", svcB: "" };
    let dev: UserActor;
    let viewer: UserActor;

    beforeAll(async () => {
      ops = t.ctx({ now, actor: { type: "cli", label: "cli:test" } });
      const teamA = await createTeam(ops, { slug: uniqueSlug("gov-a") });
      const teamB = await createTeam(ops, { slug: uniqueSlug("gov-b") });
      const svcA = await createService(ops, { team: teamA.slug, slug: uniqueSlug("gov-svc-a") });
      const svcB = await createService(ops, { team: teamB.slug, slug: uniqueSlug("gov-svc-b") });
      Object.assign(slugs, { teamA: teamA.slug, teamB: teamB.slug, svcA: svcA.slug, svcB: svcB.slug });
      dev = user("usr_gov_wdev", "developer", [teamA.id]);
      viewer = user("usr_gov_wview", "viewer", [teamA.id]);
      // An operator asks; a security reviewer (a person) approves.
      const reviewer: ServiceContext = { ...ops, actor: user("usr_gov_wsec", "security", []) };
      const waive = async (service: string | undefined, value: string, approve: boolean, at = clock) => {
        const w = await createWaiver(
          { ...ops, now: () => at },
          {
            service,
            match: { type: "vulnerability", value },
            reason: `Accepted for the governance test: ${value}`,
            expiresInDays: 5,
          },
        );
        return approve ? approveWaiver({ ...reviewer, now: () => at }, w.id) : w;
      };
      ids.aPending = (await waive(svcA.slug, "CVE-2026-0001", false)).id;
      ids.aActive = (await waive(svcA.slug, "CVE-2026-0002", true)).id;
      ids.aExpired = (await waive(svcA.slug, "CVE-2026-0003", true, new Date(clock.getTime() - 10 * 86_400_000))).id;
      ids.aRevoked = (await waive(svcA.slug, "CVE-2026-0004", true)).id;
      await revokeWaiver(ops, ids.aRevoked);
      ids.bPending = (await waive(svcB.slug, "CVE-2026-0005", false)).id;
      ids.bActive = (await waive(svcB.slug, "CVE-2026-0006", true)).id;
      ids.global = (await waive(undefined, "CVE-2026-0007", true)).id;
    });

    const idsOf = (page: { items: { id: string }[] }) => page.items.map((w) => w.id).sort();
    const sorted = (...xs: string[]) => [...xs].sort();

    it("shows security staff every waiver, filtered by status on the server with counts per status", async () => {
      const sec = api(security);
      const all = await sec.waivers.list({ pageSize: 100 });
      expect(all.total).toBe(7);
      expect(all.counts).toEqual({ pending: 2, active: 3, expired: 1, revoked: 1 });
      expect(idsOf(await sec.waivers.list({ status: "pending" }))).toEqual(sorted(ids.aPending, ids.bPending));
      expect(idsOf(await sec.waivers.list({ status: "active" }))).toEqual(sorted(ids.aActive, ids.bActive, ids.global));
      expect(idsOf(await sec.waivers.list({ status: "expired" }))).toEqual([ids.aExpired]);
      const revoked = await sec.waivers.list({ status: "revoked" });
      expect(revoked.items).toEqual([
        expect.objectContaining({
          id: ids.aRevoked,
          status: "revoked",
          service: slugs.svcA,
          team: slugs.teamA,
          revokedBy: "cli:test",
          match: { type: "vulnerability", value: "CVE-2026-0004" },
        }),
      ]);
      // Every item's status is the one it was filtered by.
      for (const status of ["pending", "active", "expired", "revoked"] as const)
        for (const w of (await sec.waivers.list({ status })).items) expect(w.status).toBe(status);
    });

    it("filters by team and by service (a service's waivers include those for every service)", async () => {
      const sec = api(admin);
      expect(idsOf(await sec.waivers.list({ team: slugs.teamB }))).toEqual(sorted(ids.bPending, ids.bActive));
      expect(idsOf(await sec.waivers.list({ service: slugs.svcA }))).toEqual(
        sorted(ids.aPending, ids.aActive, ids.aExpired, ids.aRevoked, ids.global),
      );
      const bActive = await sec.waivers.list({ service: slugs.svcB, status: "active" });
      expect(idsOf(bActive)).toEqual(sorted(ids.bActive, ids.global));
      expect(bActive.counts).toEqual({ pending: 1, active: 2, expired: 0, revoked: 0 });
      await expectCode(sec.waivers.list({ team: "no-such-team" }), "NOT_FOUND");
    });

    it("paginates newest first without gaps or repeats", async () => {
      const sec = api(security);
      const seen: string[] = [];
      for (let page = 1; page <= 4; page++) {
        const p = await sec.waivers.list({ page, pageSize: 2 });
        expect(p).toMatchObject({ total: 7, pages: 4, page, pageSize: 2 });
        seen.push(...p.items.map((w) => w.id));
      }
      expect(seen).toHaveLength(7);
      expect(new Set(seen).size).toBe(7);
      expect((await sec.waivers.list({ page: 5, pageSize: 2 })).items).toEqual([]);
      const first = (await sec.waivers.list({ pageSize: 100 })).items;
      const times = first.map((w) => w.createdAt);
      expect([...times].sort().reverse()).toEqual(times);
    });

    it("shows developers and viewers only their teams' waivers (and those for every service), never another team's", async () => {
      for (const actor of [dev, viewer]) {
        const a = api(actor);
        const mine = await a.waivers.list({ pageSize: 100 });
        expect(idsOf(mine)).toEqual(sorted(ids.aPending, ids.aActive, ids.aExpired, ids.aRevoked, ids.global));
        expect(mine.counts).toEqual({ pending: 1, active: 2, expired: 1, revoked: 1 });
        expect(idsOf(await a.waivers.list({ status: "pending" }))).toEqual([ids.aPending]);
        for (const status of ["pending", "active", "expired", "revoked"] as const)
          for (const w of (await a.waivers.list({ status, pageSize: 100 })).items) expect(w.team).not.toBe(slugs.teamB);
        // Another team's team or service does not exist for them.
        await expectCode(a.waivers.list({ team: slugs.teamB }), "NOT_FOUND");
        await expectCode(a.waivers.list({ service: slugs.svcB }), "NOT_FOUND");
      }
      const loner = await api(user("usr_gov_loner", "developer", [])).waivers.list({});
      expect(idsOf(loner)).toEqual([ids.global]);
    });

    it("keeps approve and revoke for security staff", async () => {
      await expectCode(api(dev).waivers.approve({ id: ids.aPending }), "FORBIDDEN");
      await expectCode(api(viewer).waivers.revoke({ id: ids.aActive }), "FORBIDDEN");
      expect((await api(security).waivers.list({ status: "pending" })).counts.pending).toBe(2);
    });
  });
});
