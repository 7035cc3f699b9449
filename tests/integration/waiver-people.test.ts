// The second person on a waiver is a person, not a credential: machine tokens request and never approve, a token's
// request counts as its creator's, approval is a signed-in security person's or admin's who did not ask (on the host:
// `waiver approve --as <email>`, audited as that person), and false-positive marks expire within a year.
import { and, eq } from "drizzle-orm";
import { beforeAll, expect, it } from "vitest";
import { auditEvents, teamMembers, users, type Role } from "@/db/schema";
import type { TrpcContext } from "@/server/api/trpc/init";
import { createCaller } from "@/server/api/trpc/root";
import { runCommand } from "@/server/cli/run-command";
import type { Actor, ServiceContext } from "@/server/context";
import { approveWaiver, createWaiver, MAX_FALSE_POSITIVE_DAYS } from "@/server/gate/waivers";
import { newId } from "@/server/ids";
import { authenticateToken, createTokenForUser } from "@/server/tokens/tokens";
import { describeEachDatabase } from "@/tests/helpers/db";
import { teamWithService } from "@/tests/helpers/fixtures";

type UserActor = Extract<Actor, { type: "user" }>;
const DAY = 86_400_000;
const reason = "Reachable only from the build network; fixed with the next base image.";

describeEachDatabase("waivers: the second person is a person", (t) => {
  const now = () => new Date("2026-11-20T12:00:00Z");
  let ops: ServiceContext;
  let svc = "";
  let team = "";
  let sec: UserActor;
  let sec2: UserActor;
  let dev: UserActor;

  async function person(email: string, role: Role, teamIds: string[]): Promise<UserActor> {
    const id = newId("user");
    await t.db().insert(users).values({ id, email, role, createdAt: now() });
    for (const teamId of teamIds) await t.db().insert(teamMembers).values({ teamId, userId: id, createdAt: now() });
    return { type: "user", id, label: email, role, teamIds };
  }
  const as = (actor: Actor): ServiceContext => ({ ...t.ctx({ now }), actor });
  const trpc = (actor: UserActor) => createCaller({ db: t.db(), now, actor } satisfies TrpcContext);
  const ask = (ctx: ServiceContext, extra: Record<string, unknown> = {}) =>
    createWaiver(ctx, { service: svc, match: { type: "rule", value: "js/xss" }, reason, expiresInDays: 7, ...extra });

  beforeAll(async () => {
    ops = t.ctx({ now, actor: { type: "cli", label: "cli:root" } });
    const w = await teamWithService(ops);
    svc = w.service.slug;
    team = w.team.slug;
    const suffix = w.team.slug.slice(-6);
    sec = await person(`sec-${suffix}@example.com`, "security", []);
    sec2 = await person(`sec2-${suffix}@example.com`, "security", []);
    dev = await person(`dev-${suffix}@example.com`, "developer", [w.team.id]);
  });

  it("lets a token request but never approve, and counts its request as its creator's", async () => {
    const made = await createTokenForUser(as(sec), { team, scopes: ["waivers:write", "read"] });
    const tok = as(await authenticateToken(t.ctx({ now }), made.token));
    const pending = await ask(tok);
    expect(pending.status).toBe("pending");
    // No token approves: not its own request, not anyone's.
    await expect(approveWaiver(tok, pending.id)).rejects.toMatchObject({ code: "forbidden", type: "approval-needs-person" });
    const devRequest = await ask(as(dev));
    await expect(approveWaiver(tok, devRequest.id)).rejects.toMatchObject({ type: "approval-needs-person" });
    // The person who made the token asked: they cannot approve it, not even signed in.
    await expect(approveWaiver(as(sec), pending.id)).rejects.toMatchObject({ code: "forbidden", type: "own-request" });
    await expect(trpc(sec).waivers.approve({ id: pending.id })).rejects.toMatchObject({ code: "FORBIDDEN" });
    // Someone else with the security role can.
    expect(await trpc(sec2).waivers.approve({ id: pending.id })).toMatchObject({ status: "active", approvedBy: sec2.label });
    // A token cannot create an approved waiver either.
    await expect(ask(tok, { approve: true })).rejects.toMatchObject({ code: "forbidden" });
  });

  it("needs the security role to approve, and never one's own request; nobody approves as they ask", async () => {
    const own = await ask(as(sec));
    await expect(approveWaiver(as(sec), own.id)).rejects.toMatchObject({ type: "own-request" });
    const fromDev = await ask(as(dev));
    await expect(approveWaiver(as(dev), fromDev.id)).rejects.toMatchObject({ code: "forbidden" });
    expect((await approveWaiver(as(sec), fromDev.id)).status).toBe("active");
    await expect(ask(as(sec), { approve: true })).rejects.toMatchObject({ code: "forbidden" });
    await expect(ask(ops, { approve: true })).rejects.toMatchObject({ code: "forbidden" });
    // An operator without a person cannot approve at all.
    await expect(approveWaiver(ops, own.id)).rejects.toMatchObject({ type: "approval-needs-person" });
  });

  it("approves at the console only --as an enabled security person who did not ask, audited as that person", async () => {
    const created = await runCommand(ops, "waiver create", {
      service: svc,
      match: { type: "vulnerability", value: "CVE-2026-4242" },
      reason,
      kind: "waiver",
      expiresInDays: 10,
      approve: false,
    });
    expect(created.exitCode ?? 0).toBe(0);
    const id = /wvr_[0-9a-z]{26}/.exec(created.output.join("\n"))![0];
    expect(created.output.join("\n")).toContain("(pending");

    expect((await runCommand(ops, "waiver approve", { id })).exitCode).toBe(2);
    const asDev = await runCommand(ops, "waiver approve", { id, as: dev.label });
    expect(asDev.exitCode).toBe(1);
    expect(asDev.output.join("\n")).toContain("security role");
    expect((await runCommand(ops, "waiver approve", { id, as: "nobody@example.com" })).exitCode).toBe(1);

    // The token sec made asked for this one: sec cannot approve it at the console either.
    const made = await createTokenForUser(as(sec), { team, scopes: ["waivers:write"] });
    const viaToken = await ask(as(await authenticateToken(t.ctx({ now }), made.token)));
    const self = await runCommand(ops, "waiver approve", { id: viaToken.id, as: sec.label });
    expect(self.exitCode).toBe(1);
    expect(self.output.join("\n")).toContain("cannot approve");

    const ok = await runCommand(ops, "waiver approve", { id, as: sec2.label });
    expect(ok.exitCode ?? 0).toBe(0);
    const [event] = await t
      .db()
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.action, "waiver.approve"), eq(auditEvents.targetId, id)));
    expect(event).toMatchObject({ actorType: "user", actorId: sec2.id, actorLabel: sec2.label });
    expect(event!.after).toMatchObject({ approvedBy: sec2.label, approvedByUserId: sec2.id, via: "cli:root" });
  });

  it("makes false-positive marks expire within a year; a mark for every service is security's", async () => {
    const fp = await ask(as(dev), { kind: "false_positive", expiresInDays: undefined });
    expect(Date.parse(fp.expiresAt!) - now().getTime()).toBe(MAX_FALSE_POSITIVE_DAYS * DAY);
    await expect(ask(as(dev), { kind: "false_positive", expiresInDays: 366 })).rejects.toThrow(/365/);
    expect((await ask(as(dev), { kind: "false_positive", expiresInDays: 30 })).expiresAt).toBe(
      new Date(now().getTime() + 30 * DAY).toISOString(),
    );
    // A whole rule or CVE across every service: only security staff and admins (and still a second person approves).
    const everywhere = { service: undefined, match: { type: "vulnerability", value: "CVE-2026-9999" }, kind: "false_positive" };
    await expect(ask(as(dev), everywhere)).rejects.toMatchObject({ code: "forbidden" });
    const made = await createTokenForUser(as(sec), { team, scopes: ["waivers:write"] });
    await expect(ask(as(await authenticateToken(t.ctx({ now }), made.token)), everywhere)).rejects.toMatchObject({
      code: "forbidden",
    });
    const global = await ask(as(sec), everywhere);
    expect(global).toMatchObject({ service: null, status: "pending" });
    expect((await approveWaiver(as(sec2), global.id)).status).toBe("active");
  });
});
