// The one service lookup (serviceForActor) behind the REST verbs, the dashboard's team procedures and uploads:
// hidden across teams, forbidden outside a service-bound token's list, and created on a team-wide token's first upload.
import { and, eq } from "drizzle-orm";
import { beforeAll, expect, it } from "vitest";
import { auditEvents, services } from "@/db/schema";
import { withTransaction, type ServiceContext } from "@/server/context";
import { serviceForActor, teamOfService } from "@/server/services/access";
import { describeEachDatabase } from "@/tests/helpers/db";
import { teamWithService, tokenContext, uniqueSlug } from "@/tests/helpers/fixtures";

describeEachDatabase("serviceForActor", (t) => {
  let team = "";
  let theirs = "";
  let mine = "";
  let other = "";
  let teamWide: ServiceContext;
  let bound: ServiceContext;

  beforeAll(async () => {
    const a = await teamWithService(t.ctx());
    const b = await teamWithService(t.ctx());
    team = a.team.slug;
    mine = a.service.slug;
    theirs = b.service.slug;
    other = uniqueSlug("svc");
    await serviceForActor(t.ctx(), mine); // the system sees everything
    teamWide = await tokenContext(t.ctx(), { team, scopes: ["scans:write"] });
    await withTransaction(t.ctx(), async (tx) => {
      await tx.db.insert(services).values({ id: `svc_${other}`, teamId: a.team.id, slug: other, name: other });
    });
    bound = await tokenContext(t.ctx(), { team, services: [other], scopes: ["scans:write"] });
  });

  const refusal = (p: Promise<unknown>) =>
    p.then(
      () => null,
      (e: unknown) => e as { code: string; message: string },
    );

  it("returns the whole service row, and its team", async () => {
    const s = await serviceForActor(teamWide, mine);
    expect(s).toMatchObject({ slug: mine, name: mine, defaultBranch: "main", criticality: "medium", repoUrl: null });
    expect(await teamOfService(teamWide, s)).toMatchObject({ slug: team });
  });

  it("hides another team's service (404) and forbids a service outside a bound token's list (403)", async () => {
    expect(await refusal(serviceForActor(teamWide, theirs))).toMatchObject({ code: "not_found" });
    expect(await refusal(serviceForActor(bound, mine, "write to"))).toMatchObject({
      code: "forbidden",
      message: `This token may not write to service "${mine}".`,
    });
    expect((await serviceForActor(bound, other)).slug).toBe(other);
    // Another team's existing service is never created over, even when asked to create.
    expect(await refusal(serviceForActor(teamWide, theirs, { createForTeamToken: true }))).toMatchObject({ code: "not_found" });
  });

  it("creates an unknown service for a team-wide token when asked (uploads), audited in the caller's transaction", async () => {
    const slug = uniqueSlug("new");
    expect(await refusal(serviceForActor(teamWide, slug))).toMatchObject({ code: "not_found" });
    expect(await refusal(serviceForActor(bound, slug, { createForTeamToken: true }))).toMatchObject({
      code: "not_found",
      message: expect.stringContaining("upload with a team-wide token") as unknown as string,
    });
    const created = await withTransaction(teamWide, (tx) => serviceForActor(tx, slug, { createForTeamToken: true }));
    expect(created).toMatchObject({ slug, name: slug, defaultBranch: "main", criticality: "medium" });
    const [audit] = await t
      .db()
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.action, "service.create"), eq(auditEvents.targetId, created.id)));
    expect(audit!.after).toMatchObject({ reason: "first upload", team });
    // Two first uploads at once: one creates it, the other finds it.
    const again = uniqueSlug("race");
    const both = await Promise.all([
      withTransaction(teamWide, (tx) => serviceForActor(tx, again, { createForTeamToken: true })),
      withTransaction(teamWide, (tx) => serviceForActor(tx, again, { createForTeamToken: true })),
    ]);
    expect(both[0].id).toBe(both[1].id);
  });

  it("rolls the new service back with a failed upload", async () => {
    const slug = uniqueSlug("gone");
    await expect(
      withTransaction(teamWide, async (tx) => {
        await serviceForActor(tx, slug, { createForTeamToken: true });
        throw new Error("the upload failed");
      }),
    ).rejects.toThrow("the upload failed");
    expect(await t.db().select().from(services).where(eq(services.slug, slug))).toHaveLength(0);
  });
});
