// The tRPC authorization matrix: every procedure of the dashboard's router, called as every kind of user —
// nobody, a viewer and a developer of the owning team, a developer of another team, security, admin — each
// on one team's resources. Each case must answer exactly as the table says (ok, UNAUTHORIZED, FORBIDDEN or
// NOT_FOUND); a denied call leaves every table as it was and the audit trail gains exactly its denial;
// another team's user never reads the owning team's data. A procedure missing from the table fails the test.
// Each case runs in a transaction that is rolled back, so cases cannot affect each other.
import { TRPCError } from "@trpc/server";
import { sql } from "drizzle-orm";
import { beforeAll, expect, it } from "vitest";
import { queryRows, type Database } from "@/db/client";
import { teamMembers, users } from "@/db/schema";
import type { TrpcContext, UserActor } from "@/server/api/trpc/init";
import { appRouter, createCaller } from "@/server/api/trpc/root";
import type { ServiceContext } from "@/server/context";
import { evaluateGateRequest } from "@/server/gate/evaluate-gate";
import { newId } from "@/server/ids";
import { setPolicy } from "@/server/gate/policies";
import { createWaiver } from "@/server/gate/waivers";
import { createSubscription } from "@/server/notify/subscriptions";
import { parseAllowHosts } from "@/server/notify/target-safety";
import { createService } from "@/server/services/services";
import { createTeam } from "@/server/teams/teams";
import { describeEachDatabase } from "@/tests/helpers/db";
import { auditAdded, databaseDigest, type DatabaseDigest } from "@/tests/helpers/digest";
import { generic, sha, tokenContext, uniqueSlug, upload } from "@/tests/helpers/fixtures";

const ACTORS = ["anonymous", "viewer", "developer", "otherTeam", "security", "admin"] as const;
type ActorName = (typeof ACTORS)[number];
type Outcome = "ok" | "UNAUTHORIZED" | "FORBIDDEN" | "NOT_FOUND";

/** Who may call a procedure, on a resource of team A. */
const LEVELS = {
  /** anyone, signed in or not */
  public: { anonymous: "ok", viewer: "ok", developer: "ok", otherTeam: "ok", security: "ok", admin: "ok" },
  /** any signed-in user; what they see is scoped to their teams */
  signedIn: { anonymous: "UNAUTHORIZED", viewer: "ok", developer: "ok", otherTeam: "ok", security: "ok", admin: "ok" },
  /** reads one of team A's resources: another team's user is told it does not exist */
  teamRead: { anonymous: "UNAUTHORIZED", viewer: "ok", developer: "ok", otherTeam: "NOT_FOUND", security: "ok", admin: "ok" },
  /** changes one of team A's resources: developers of the team and above */
  teamAct: {
    anonymous: "UNAUTHORIZED",
    viewer: "FORBIDDEN",
    developer: "ok",
    otherTeam: "NOT_FOUND",
    security: "ok",
    admin: "ok",
  },
  security: {
    anonymous: "UNAUTHORIZED",
    viewer: "FORBIDDEN",
    developer: "FORBIDDEN",
    otherTeam: "FORBIDDEN",
    security: "ok",
    admin: "ok",
  },
  admin: {
    anonymous: "UNAUTHORIZED",
    viewer: "FORBIDDEN",
    developer: "FORBIDDEN",
    otherTeam: "FORBIDDEN",
    security: "FORBIDDEN",
    admin: "ok",
  },
} satisfies Record<string, Record<ActorName, Outcome>>;

/** What the cases act on: team A's service, finding, decision and pending waiver, and team B. */
type World = {
  teamA: string;
  teamB: string;
  svcA: string;
  svcB: string;
  findingA: string;
  decisionA: string;
  waiverA: string;
  commitA: string;
  tokenA: string;
  subscriptionA: string;
  member: string;
  outsider: string;
};

/** `readOnly`: a mutation by HTTP method that only checks something (it must change nothing, even when allowed). */
type Case = { level: keyof typeof LEVELS | Record<ActorName, Outcome>; input?: (w: World) => unknown; readOnly?: true };

const reason = "accepted until the vendor ships a fix";
const policyText = JSON.stringify({ rules: { noSecrets: { mode: "fail" } } });

/** One row per procedure of appRouter. */
const CASES: Record<string, Case> = {
  "me.whoami": { level: "public" },
  "me.stages": { level: "signedIn" },
  "posture.overview": { level: "signedIn", input: () => ({}) },
  "posture.openTrend": { level: "signedIn", input: () => ({}) },
  "posture.gateRates": { level: "signedIn", input: () => ({}) },
  "posture.teams": { level: "signedIn" },
  "posture.scoring": { level: "signedIn" },
  "services.list": { level: "signedIn", input: () => ({}) },
  "services.options": { level: "signedIn" },
  "services.get": { level: "teamRead", input: (w) => ({ service: w.svcA }) },
  "services.scorecard": { level: "teamRead", input: (w) => ({ service: w.svcA }) },
  "services.stages": { level: "teamRead", input: (w) => ({ service: w.svcA }) },
  "services.evidence": { level: "teamRead", input: (w) => ({ service: w.svcA }) },
  "services.decisions": { level: "teamRead", input: (w) => ({ service: w.svcA }) },
  "services.waivers": { level: "teamRead", input: (w) => ({ service: w.svcA }) },
  "remediation.actions": { level: "teamRead", input: (w) => ({ service: w.svcA }) },
  "remediation.unblock": { level: "teamRead", input: (w) => ({ service: w.svcA, stage: "test" }) },
  "remediation.requestWaiver": {
    level: "teamAct",
    input: (w) => ({ service: w.svcA, match: { type: "rule", value: "js/xss" }, reason, expiresInDays: 14 }),
  },
  "remediation.markFalsePositive": {
    level: "teamAct",
    input: (w) => ({ service: w.svcA, match: { type: "rule", value: "js/xss" }, reason }),
  },
  "findings.list": { level: "signedIn", input: () => ({}) },
  "findings.get": { level: "teamRead", input: (w) => ({ id: w.findingA }) },
  "decisions.list": { level: "signedIn", input: () => ({}) },
  "decisions.get": { level: "teamRead", input: (w) => ({ id: w.decisionA }) },
  "waivers.list": { level: "teamRead", input: (w) => ({ service: w.svcA }) },
  "waivers.approve": { level: "security", input: (w) => ({ id: w.waiverA }) },
  "waivers.revoke": { level: "security", input: (w) => ({ id: w.waiverA }) },
  "tokens.list": { level: "signedIn", input: () => ({}) },
  "tokens.options": { level: "signedIn" },
  // A viewer may make read-only tokens for their own team; the ceiling itself is trpc-access.test.ts's.
  "tokens.create": {
    level: { anonymous: "UNAUTHORIZED", viewer: "ok", developer: "ok", otherTeam: "NOT_FOUND", security: "ok", admin: "ok" },
    input: (w) => ({ team: w.teamA, scopes: ["read"], name: "matrix" }),
  },
  // Team A's pipeline token, made by an operator: its team's developers may manage it, a viewer only their own.
  "tokens.revoke": { level: "teamAct", input: (w) => ({ id: w.tokenA }) },
  "tokens.rotate": { level: "teamAct", input: (w) => ({ id: w.tokenA, graceHours: 1 }) },
  "audit.list": { level: "security", input: () => ({}) },
  "teams.list": { level: "signedIn" },
  "teams.get": { level: "teamRead", input: (w) => ({ team: w.teamA }) },
  "teams.users": { level: "admin" },
  "teams.create": { level: "admin", input: () => ({ slug: "matrix-new-team" }) },
  "teams.addMember": { level: "admin", input: (w) => ({ team: w.teamA, email: w.outsider }) },
  "teams.removeMember": { level: "admin", input: (w) => ({ team: w.teamA, email: w.member }) },
  "teams.changeRole": { level: "admin", input: (w) => ({ email: w.member, role: "viewer" }) },
  "teams.invite": { level: "admin", input: () => ({ email: "matrix-invitee@example.com", role: "viewer" }) },
  "teams.disableUser": { level: "admin", input: (w) => ({ email: w.outsider }) },
  "policies.list": { level: "signedIn" },
  "policies.get": { level: "signedIn", input: () => ({ stage: "test" }) },
  "policies.versions": { level: "signedIn", input: () => ({ stage: "test" }) },
  "policies.diff": { level: "signedIn", input: () => ({ stage: "test", from: 1, to: 2 }) },
  "policies.validate": {
    level: "security",
    input: () => ({ stage: "test", text: policyText, format: "json" }),
    readOnly: true,
  },
  "notifications.list": { level: "signedIn", input: () => ({}) },
  "notifications.options": { level: "signedIn" },
  "notifications.create": {
    level: "teamAct",
    input: (w) => ({ team: w.teamA, events: ["gate.blocked"], channel: "webhook", target: "https://hooks.example.com/matrix" }),
  },
  "notifications.remove": { level: "teamAct", input: (w) => ({ id: w.subscriptionA }) },
  "notifications.test": { level: "teamAct", input: (w) => ({ id: w.subscriptionA }) },
  "notifications.deliveries": { level: "teamRead", input: (w) => ({ id: w.subscriptionA }) },
  "stageStatus.outOfPolicy": { level: "signedIn", input: () => ({}) },
  "policies.save": {
    level: "security",
    input: () => ({ stage: "test", text: policyText, format: "json", comment: "secrets block the test stage" }),
  },
};

type Procedure = { _def: { type: "query" | "mutation" | "subscription" } };
const procedures = (appRouter._def as unknown as { procedures: Record<string, Procedure> }).procedures;

class Rollback extends Error {}

describeEachDatabase("tRPC authorization matrix", (t) => {
  const clock = new Date("2026-11-20T12:00:00Z");
  const now = () => clock;
  const w = {} as World;
  const actors = {} as Record<ActorName, UserActor | null>;

  beforeAll(async () => {
    const ops: ServiceContext = t.ctx({ now, actor: { type: "cli", label: "cli:test" } });
    const teamA = await createTeam(ops, { slug: uniqueSlug("authz-a") });
    const teamB = await createTeam(ops, { slug: uniqueSlug("authz-b") });
    const svcA = await createService(ops, { team: teamA.slug, slug: uniqueSlug("authz-svc-a") });
    const svcB = await createService(ops, { team: teamB.slug, slug: uniqueSlug("authz-svc-b") });
    const user = (id: string, role: UserActor["role"], teamIds: string[]): UserActor => ({
      type: "user",
      id,
      label: `${id}@example.com`,
      role,
      teamIds,
    });
    Object.assign(actors, {
      anonymous: null,
      viewer: user("usr_authz_viewer", "viewer", [teamA.id]),
      developer: user("usr_authz_dev", "developer", [teamA.id]),
      otherTeam: user("usr_authz_other", "developer", [teamB.id]),
      security: user("usr_authz_sec", "security", []),
      admin: user("usr_authz_admin", "admin", []),
    });

    // Two versions of the test stage's policy, for the diff.
    await setPolicy(ops, "test", { rules: { noSecrets: { mode: "warn" } } }, "first");
    await setPolicy(ops, "test", { rules: { noSecrets: { mode: "fail" } } }, "second");
    const commitA = sha("authz-a1");
    await upload(
      ops,
      { service: svcA.slug, commit: commitA, branch: "main" },
      generic("semgrep", [
        {
          kind: "code",
          ruleId: "js/xss",
          title: "Reflected XSS",
          severity: "high",
          location: { file: "src/search.ts", startLine: 17 },
        },
      ]),
    );
    await upload(
      ops,
      { service: svcB.slug, commit: sha("authz-b1") },
      generic("semgrep", [{ kind: "code", ruleId: "py/eval", title: "eval", severity: "high", location: { file: "a.py" } }]),
    );
    const [finding] = await queryRows<{ id: string }>(
      t.db(),
      sql`select f.id from findings f join services s on s.id = f.service_id where s.slug = ${svcA.slug}`,
    );
    const token = await tokenContext(ops, { team: teamA.slug, scopes: ["gate:evaluate"] });
    // Two people: a developer of team A, and someone in no team.
    const member = `${uniqueSlug("member")}@example.com`;
    const outsider = `${uniqueSlug("outsider")}@example.com`;
    const [m] = await t
      .db()
      .insert(users)
      .values([
        { id: newId("user"), email: member, role: "developer", createdAt: clock },
        { id: newId("user"), email: outsider, role: "viewer", createdAt: clock },
      ])
      .returning();
    await t.db().insert(teamMembers).values({ teamId: teamA.id, userId: m!.id, createdAt: clock });
    const decision = await evaluateGateRequest(token, { service: svcA.slug, stage: "dev", commit: commitA });
    const waiver = await createWaiver(
      { ...ops, actor: actors.developer! },
      { service: svcA.slug, match: { type: "rule", value: "js/xss" }, reason, expiresInDays: 7, approve: false },
    );
    const subscription = await createSubscription(
      ops,
      { team: teamA.slug, events: ["gate.blocked"], channel: "webhook", target: "https://hooks.example.com/a" },
      { allowHosts: parseAllowHosts(""), smtp: null },
    );
    Object.assign(w, {
      teamA: teamA.slug,
      teamB: teamB.slug,
      svcA: svcA.slug,
      svcB: svcB.slug,
      findingA: finding!.id,
      decisionA: decision.decisionId,
      waiverA: waiver.id,
      commitA,
      tokenA: (token.actor as { id: string }).id,
      subscriptionA: subscription.subscription.id,
      member,
      outsider,
    } satisfies World);
  });

  /** Calls one procedure as one actor inside a transaction that is always rolled back. */
  async function attempt(path: string, actor: UserActor | null, input: unknown) {
    let outcome: Outcome | undefined;
    let result: unknown;
    let before: DatabaseDigest | undefined;
    let after: DatabaseDigest | undefined;
    await t
      .db()
      .transaction(async (tx) => {
        const db = tx as unknown as Database;
        before = await databaseDigest(db);
        const caller = createCaller({ db, now, actor } satisfies TrpcContext) as unknown as Record<
          string,
          Record<string, (i: unknown) => Promise<unknown>>
        >;
        const [router, proc] = path.split(".") as [string, string];
        try {
          result = await caller[router]![proc]!(input);
          outcome = "ok";
        } catch (e) {
          if (!(e instanceof TRPCError)) throw e;
          if (!["UNAUTHORIZED", "FORBIDDEN", "NOT_FOUND"].includes(e.code))
            throw new Error(`${path}: unexpected ${e.code}: ${e.message}`);
          outcome = e.code as Outcome;
        }
        after = await databaseDigest(db);
        throw new Rollback();
      })
      .catch((e: unknown) => {
        if (!(e instanceof Rollback)) throw e;
      });
    return { outcome: outcome!, result, before: before!, after: after! };
  }

  // Stage policies are organisation-wide: policies:write only on an organisation token, which only security and admins make.
  const SCOPE_CASES: [string, Record<ActorName, Outcome>, (w: World) => unknown][] = [
    [
      "tokens.create, an organisation token with policies:write",
      {
        anonymous: "UNAUTHORIZED",
        viewer: "FORBIDDEN",
        developer: "FORBIDDEN",
        otherTeam: "FORBIDDEN",
        security: "ok",
        admin: "ok",
      },
      () => ({ org: true, scopes: ["policies:write", "read"], name: "policy bot" }),
    ],
    [
      "tokens.create, a team token with policies:write",
      {
        anonymous: "UNAUTHORIZED",
        viewer: "FORBIDDEN",
        developer: "FORBIDDEN",
        otherTeam: "FORBIDDEN",
        security: "FORBIDDEN",
        admin: "FORBIDDEN",
      },
      (w) => ({ team: w.teamA, scopes: ["policies:write"], name: "never" }),
    ],
  ];
  for (const [title, expected, input] of SCOPE_CASES) {
    it(title, async () => {
      for (const name of ACTORS) {
        const { outcome, before, after } = await attempt("tokens.create", actors[name], input(w));
        expect(outcome, `${title} as ${name}`).toBe(expected[name]);
        if (outcome !== "ok") expect(after.tables, `${title} as ${name}: a denied call changed data`).toEqual(before.tables);
      }
    });
  }

  it("has one row for every procedure, and no row for a procedure that does not exist", () => {
    expect(Object.keys(CASES).sort()).toEqual(Object.keys(procedures).sort());
  });

  for (const [path, c] of Object.entries(CASES)) {
    it(`${path} (${typeof c.level === "string" ? c.level : "own rules"})`, async () => {
      const mutation = procedures[path]?._def.type === "mutation";
      for (const name of ACTORS) {
        const expected = (typeof c.level === "string" ? LEVELS[c.level] : c.level)[name];
        const { outcome, result, before, after } = await attempt(path, actors[name], c.input?.(w));
        expect(outcome, `${path} as ${name}`).toBe(expected);
        if (outcome !== "ok") {
          expect(after.tables, `${path} as ${name}: a denied call changed data`).toEqual(before.tables);
          // The refusal of a signed-in user is on record; an anonymous caller has nobody to record.
          expect(auditAdded(before, after), `${path} as ${name}: the denial's record`).toEqual(
            outcome === "UNAUTHORIZED" ? [] : ["access.denied"],
          );
        } else if (c.readOnly) {
          expect(after.tables, `${path} as ${name}: a check changed data`).toEqual(before.tables);
          expect(auditAdded(before, after)).toEqual([]);
        } else if (mutation) {
          expect(after.tables, `${path} as ${name}: an allowed mutation changed nothing`).not.toEqual(before.tables);
          expect(auditAdded(before, after).length, `${path} as ${name}: an allowed mutation left no audit event`).toBeGreaterThan(
            0,
          );
        }
        // Another team's user never reads team A's service, finding or decision, whatever the procedure.
        if (name === "otherTeam" && outcome === "ok") {
          const seen = JSON.stringify(result ?? null);
          for (const secret of [w.svcA, w.findingA, w.decisionA, w.waiverA, w.teamA, w.tokenA, w.member, w.subscriptionA])
            expect(seen, `${path} as another team's user shows ${secret}`).not.toContain(secret);
        }
      }
    });
  }
});
