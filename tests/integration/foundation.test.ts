import { asc, count, eq, sql } from "drizzle-orm";
import { expect, it } from "vitest";
import { queryRows } from "@/db/client";
import { latestMigration, migrate, readMigrations } from "@/db/migrate";
import { auditEvents, services, stages, teams } from "@/db/schema";
import { DomainError } from "@/server/errors";
import { createService, listServices } from "@/server/services/services";
import { createTeam } from "@/server/teams/teams";
import { describeEachDatabase } from "@/tests/helpers/db";
import { rootMessage } from "@/tests/helpers/errors";

describeEachDatabase("foundation", (t) => {
  it("has every committed migration applied, and re-applying is a no-op", async () => {
    const all = readMigrations().map((m) => m.id);
    expect(await latestMigration(t.db())).toBe(all.at(-1));
    const again = await migrate(t.db());
    expect(again.applied).toEqual([]);
  });

  it("leaves half of each finding_tracks page free, for re-ingests to mark tracks seen in place (HOT updates)", async () => {
    const [row] = await queryRows<{ reloptions: string[] | null }>(
      t.db(),
      sql`select reloptions from pg_class where relname = 'finding_tracks' and relkind = 'r'`,
    );
    expect(row?.reloptions).toContain("fillfactor=50");
  });

  it("seeds the default stages in promotion order", async () => {
    const rows = await t.db().select().from(stages).orderBy(asc(stages.position));
    expect(rows.map((s) => s.slug)).toEqual(["dev", "test", "production"]);
  });

  it("creates a team and a service, each with its audit event", async () => {
    const ctx = t.ctx({ actor: { type: "cli", label: "cli:alice" } });
    const team = await createTeam(ctx, { slug: "payments", name: "Payments" });
    expect(team.id).toMatch(/^team_/);
    const svc = await createService(ctx, { team: "payments", slug: "checkout", repoUrl: "https://github.com/acme/checkout" });
    expect(svc).toMatchObject({ slug: "checkout", teamSlug: "payments", defaultBranch: "main", criticality: "medium" });
    expect(svc.id).toMatch(/^svc_/);
    const events = await t.db().select().from(auditEvents).where(eq(auditEvents.targetId, svc.id));
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ action: "service.create", actorType: "cli", actorLabel: "cli:alice", teamId: team.id });
    expect((await listServices(ctx, { team: "payments" })).map((s) => s.slug)).toEqual(["checkout"]);
  });

  it("refuses a duplicate slug and leaves the database as it was", async () => {
    const ctx = t.ctx();
    await createTeam(ctx, { slug: "dupes" });
    await createService(ctx, { team: "dupes", slug: "dupe-svc" });
    const before = await snapshotCounts();
    await expect(createService(ctx, { team: "dupes", slug: "dupe-svc" })).rejects.toMatchObject({ code: "conflict" });
    await expect(createService(ctx, { team: "no-such-team", slug: "orphan" })).rejects.toMatchObject({ code: "not_found" });
    await expect(createTeam(ctx, { slug: "dupes" })).rejects.toBeInstanceOf(DomainError);
    expect(await snapshotCounts()).toEqual(before);
  });

  it("rolls the change back when its audit write fails", async () => {
    const ctx = t.ctx();
    const before = await snapshotCounts();
    // An actor type the audit table refuses: the team insert must not survive the failed audit insert.
    await expect(
      createTeam({ ...ctx, actor: { type: "robot" as "system", label: "x".repeat(10) } }, { slug: "atomic-team" }),
    ).rejects.toThrow();
    expect(await snapshotCounts()).toEqual(before);
  });

  it("keeps the audit trail append-only, enforced by the database", async () => {
    const ctx = t.ctx();
    await createTeam(ctx, { slug: "audited" });
    const [row] = await t.db().select().from(auditEvents).limit(1);
    expect(row).toBeDefined();
    const appendOnly = (e: unknown) => /append-only/.test(rootMessage(e));
    await expect(t.db().update(auditEvents).set({ action: "tampered" }).where(eq(auditEvents.id, row!.id))).rejects.toSatisfy(
      appendOnly,
    );
    await expect(t.db().delete(auditEvents).where(eq(auditEvents.id, row!.id))).rejects.toSatisfy(appendOnly);
    await expect(t.db().execute(sql`truncate audit_events`)).rejects.toSatisfy(appendOnly);
    const [again] = await t.db().select().from(auditEvents).where(eq(auditEvents.id, row!.id));
    expect(again!.action).toBe(row!.action);
  });

  it("answers raw queries the same way on both drivers", async () => {
    const rows = await queryRows<{ n: number }>(t.db(), sql`select 41 + 1 as n`);
    expect(rows).toEqual([{ n: 42 }]);
  });

  async function snapshotCounts() {
    const [a] = await t.db().select({ n: count() }).from(teams);
    const [b] = await t.db().select({ n: count() }).from(services);
    const [c] = await t.db().select({ n: count() }).from(auditEvents);
    return { teams: a!.n, services: b!.n, audit: c!.n };
  }
});
