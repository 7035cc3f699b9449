// The dashboard's tRPC API through createCaller, as each role: visibility, pagination, filters, sorting,
// remediation grouping, the gate preview and waiver requests (pending, audited, approved by security only).
import { TRPCError } from "@trpc/server";
import { and, eq, sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { queryRows } from "@/db/client";
import { auditEvents, gateDecisions, waivers } from "@/db/schema";
import { toTrpcError, type TrpcContext, type UserActor } from "@/server/api/trpc/init";
import { createCaller } from "@/server/api/trpc/root";
import type { ServiceContext } from "@/server/context";
import { DomainError } from "@/server/errors";
import { evaluateGateRequest } from "@/server/gate/evaluate-gate";
import { createService } from "@/server/services/services";
import { createTeam } from "@/server/teams/teams";
import { describeEachDatabase } from "@/tests/helpers/db";
import { generic, sha, tokenContext, uniqueSlug, upload } from "@/tests/helpers/fixtures";

const vuln = (id: string, severity: string, pkg: string, version: string, fixed: string[]) => ({
  kind: "dependency",
  ruleId: id,
  title: `${id} in ${pkg}`,
  severity,
  vulnerabilityId: id,
  package: { ecosystem: "npm", name: pkg, version, fixedVersions: fixed },
  location: { file: "package-lock.json" },
});
const code = (rule: string, severity: string, file: string, line: number) => ({
  kind: "code",
  ruleId: rule,
  title: `${rule} in ${file}`,
  severity,
  location: { file, startLine: line, snippet: `${rule}:${file}` },
});

async function expectCode(p: Promise<unknown>, code: TRPCError["code"]): Promise<TRPCError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(TRPCError);
  expect((e as TRPCError).code).toBe(code);
  return e as TRPCError;
}

describeEachDatabase("tRPC dashboard API", (t) => {
  const clock = new Date("2026-11-20T12:00:00Z");
  const now = () => clock;
  let ops: ServiceContext;
  const w = {
    teamA: "",
    teamAId: "",
    teamB: "",
    svcA: "",
    svcB: "",
    commitA: sha("trpc-a1"),
    findingB: "",
    decisionB: "",
  };
  const user = (id: string, role: UserActor["role"], teamIds: string[]): UserActor => ({
    type: "user",
    id,
    label: `${id}@example.com`,
    role,
    teamIds,
  });
  let dev: UserActor;
  let viewer: UserActor;
  const security = user("usr_sec", "security", []);
  const security2 = user("usr_sec2", "security", []);
  const admin = user("usr_admin", "admin", []);
  const api = (actor: UserActor | null) => createCaller({ db: t.db(), now, actor } satisfies TrpcContext);

  beforeAll(async () => {
    ops = t.ctx({ now, actor: { type: "cli", label: "cli:test" } });
    const teamA = await createTeam(ops, { slug: uniqueSlug("pay") });
    const teamB = await createTeam(ops, { slug: uniqueSlug("web") });
    const svcA = await createService(ops, {
      team: teamA.slug,
      slug: uniqueSlug("checkout"),
      repoUrl: "https://github.com/acme/checkout",
      criticality: "critical",
    });
    const svcB = await createService(ops, { team: teamB.slug, slug: uniqueSlug("storefront"), criticality: "low" });
    Object.assign(w, { teamA: teamA.slug, teamAId: teamA.id, teamB: teamB.slug, svcA: svcA.slug, svcB: svcB.slug });
    dev = user("usr_dev", "developer", [teamA.id]);
    viewer = user("usr_viewer", "viewer", [teamA.id]);

    const at = { service: svcA.slug, commit: w.commitA, branch: "main" };
    await upload(
      ops,
      at,
      generic(
        "trivy",
        [
          vuln("CVE-2021-23337", "critical", "lodash", "4.17.15", ["4.17.21"]),
          vuln("CVE-2020-8203", "high", "lodash", "4.17.15", ["4.17.19"]),
          vuln("CVE-2019-10744", "medium", "lodash", "4.17.15", ["4.17.12", "4.17.21"]),
          vuln("CVE-2022-24999", "high", "qs", "6.5.2", ["6.5.3"]),
        ],
        { evidence: ["sca"] },
      ),
    );
    await upload(
      ops,
      at,
      generic(
        "semgrep",
        [
          ...["orders", "users", "carts", "items", "admin"].map((f, i) =>
            code("js/sql-injection", "high", `src/${f}.ts`, 10 + i),
          ),
          code("js/xss", "medium", "src/search.ts", 17),
        ],
        { evidence: ["sast"] },
      ),
    );
    await upload(
      ops,
      at,
      generic(
        "gitleaks",
        [
          {
            kind: "secret",
            ruleId: "generic-api-key",
            title: "Generic API key",
            severity: "critical",
            secret: "not-a-real-key-but-long-enough-1234567890",
            location: { file: "config/prod.env", startLine: 12 },
          },
        ],
        { evidence: ["secrets"] },
      ),
    );
    await upload(ops, { service: svcB.slug, commit: sha("trpc-b1") }, generic("semgrep", [code("py/eval", "high", "app.py", 3)]));
    const [fb] = await queryRows<{ id: string }>(
      t.db(),
      sql`select f.id from findings f join services s on s.id = f.service_id where s.slug = ${svcB.slug}`,
    );
    w.findingB = fb!.id;
    const tokB = await tokenContext(ops, { team: teamB.slug, scopes: ["gate:evaluate"] });
    w.decisionB = (await evaluateGateRequest(tokB, { service: svcB.slug, stage: "dev", commit: sha("trpc-b1") })).decisionId;
    const tokA = await tokenContext(ops, { team: teamA.slug, scopes: ["gate:evaluate"] });
    await evaluateGateRequest(tokA, { service: svcA.slug, stage: "dev", commit: w.commitA });
    await evaluateGateRequest(tokA, { service: svcA.slug, stage: "test", commit: w.commitA });
  });

  describe("the procedure ladder", () => {
    it("answers UNAUTHORIZED without a signed-in user, and whoami says nobody", async () => {
      expect(await api(null).me.whoami()).toBeNull();
      await expectCode(api(null).services.list({}), "UNAUTHORIZED");
      await expectCode(api(null).services.get({ service: w.svcA }), "UNAUTHORIZED");
      await expectCode(api(null).waivers.approve({ id: "wvr_x" }), "UNAUTHORIZED");
    });

    it("takes the role from the session: whoami reflects the actor, not input", async () => {
      expect(await api(dev).me.whoami()).toMatchObject({ role: "developer", canApprove: false, canAct: true });
      expect(await api(viewer).me.whoami()).toMatchObject({ role: "viewer", canAct: false });
      expect(await api(security).me.whoami()).toMatchObject({ role: "security", canApprove: true });
    });

    it("maps domain errors to tRPC codes and hides internals", () => {
      expect(toTrpcError(new DomainError("not_found", "Service x was not found.")).code).toBe("NOT_FOUND");
      expect(toTrpcError(new DomainError("conflict", "no")).code).toBe("CONFLICT");
      expect(toTrpcError(new DomainError("rate_limited", "slow down")).code).toBe("TOO_MANY_REQUESTS");
      const internal = toTrpcError(new Error("relation secret_table does not exist at 10.0.0.3"));
      expect(internal.code).toBe("INTERNAL_SERVER_ERROR");
      expect(internal.message).not.toContain("secret_table");
    });

    it("refuses malformed input with BAD_REQUEST", async () => {
      await expectCode(api(dev).services.get({ service: "Not A Slug!" }), "BAD_REQUEST");
      await expectCode(api(dev).findings.list({ pageSize: 10_000 }), "BAD_REQUEST");
    });
  });

  describe("visibility", () => {
    it("shows a developer only their own team's services", async () => {
      const mine = await api(dev).services.list({ pageSize: 100 });
      const slugs = mine.items.map((s) => s.slug);
      expect(slugs).toContain(w.svcA);
      expect(slugs).not.toContain(w.svcB);
      const all = (await api(security).services.list({ pageSize: 100 })).items.map((s) => s.slug);
      expect(all).toEqual(expect.arrayContaining([w.svcA, w.svcB]));
    });

    it("answers NOT_FOUND (never FORBIDDEN) for another team's service, finding, decision or team", async () => {
      const d = api(dev);
      const e = await expectCode(d.services.get({ service: w.svcB }), "NOT_FOUND");
      expect(e.message).toBe(`Service "${w.svcB}" was not found.`);
      await expectCode(d.services.scorecard({ service: w.svcB }), "NOT_FOUND");
      await expectCode(d.remediation.actions({ service: w.svcB }), "NOT_FOUND");
      await expectCode(d.remediation.unblock({ service: w.svcB }), "NOT_FOUND");
      await expectCode(d.findings.list({ service: w.svcB }), "NOT_FOUND");
      await expectCode(d.findings.get({ id: w.findingB }), "NOT_FOUND");
      await expectCode(d.decisions.get({ id: w.decisionB }), "NOT_FOUND");
      await expectCode(d.decisions.list({ service: w.svcB }), "NOT_FOUND");
      await expectCode(d.posture.overview({ team: w.teamB }), "NOT_FOUND");
      // The same answer as for a service that does not exist at all.
      await expectCode(d.services.get({ service: "no-such-service-here" }), "NOT_FOUND");
      // Security staff see it.
      expect((await api(security).findings.get({ id: w.findingB })).service.slug).toBe(w.svcB);
      expect((await api(admin).decisions.get({ id: w.decisionB })).response.decisionId).toBe(w.decisionB);
    });

    it("keeps another team's rows out of every list", async () => {
      const d = api(dev);
      const findings = await d.findings.list({ pageSize: 100, status: "all" });
      expect(findings.items.every((f) => f.service.slug === w.svcA)).toBe(true);
      const decisions = await d.decisions.list({ pageSize: 100 });
      expect(decisions.items.every((x) => x.service.slug === w.svcA)).toBe(true);
      expect(decisions.total).toBe(2);
      const posture = await d.posture.overview({});
      expect(posture.services.map((s) => s.slug)).toEqual([w.svcA]);
      expect((await d.posture.teams()).map((x) => x.slug)).toEqual([w.teamA]);
      expect((await d.services.options()).map((x) => x.slug)).toEqual([w.svcA]);
    });
  });

  describe("findings explorer", () => {
    it("paginates on the server without overlap", async () => {
      const d = api(dev);
      const p1 = await d.findings.list({ service: w.svcA, pageSize: 4, page: 1 });
      const p2 = await d.findings.list({ service: w.svcA, pageSize: 4, page: 2 });
      const p3 = await d.findings.list({ service: w.svcA, pageSize: 4, page: 3 });
      expect(p1.total).toBe(11);
      expect(p1.pages).toBe(3);
      expect([p1.items.length, p2.items.length, p3.items.length]).toEqual([4, 4, 3]);
      const ids = [...p1.items, ...p2.items, ...p3.items].map((f) => f.id);
      expect(new Set(ids).size).toBe(11);
    });

    it("filters by severity, tool, area and text, and sorts", async () => {
      const d = api(dev);
      const bySeverity = await d.findings.list({ service: w.svcA, severity: ["critical"] });
      expect(bySeverity.items.map((f) => f.severity)).toEqual(["critical", "critical"]);
      expect((await d.findings.list({ service: w.svcA, tool: "gitleaks" })).total).toBe(1);
      expect((await d.findings.list({ service: w.svcA, area: 4 })).items[0]?.kind).toBe("secret");
      expect((await d.findings.list({ service: w.svcA, q: "sql-injection" })).total).toBe(5);
      expect((await d.findings.list({ service: w.svcA, q: "%" })).total).toBe(0);
      // No service named: the text is counted over every service the developer sees, and theirs only.
      expect((await d.findings.list({ q: "sql-injection" })).total).toBe(5);
      expect((await d.findings.list({ q: "py/eval" })).total).toBe(0);
      expect((await api(security).findings.list({ q: "py/eval" })).total).toBe(1);
      const first = (await d.findings.list({ service: w.svcA, sort: "severity", dir: "desc" })).items[0];
      expect(first?.severity).toBe("critical");
      const titles = (await d.findings.list({ service: w.svcA, sort: "title", dir: "asc", pageSize: 100 })).items.map(
        (f) => f.title,
      );
      expect(titles).toEqual([...titles].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
      expect((await d.findings.list({ service: w.svcA, status: "closed" })).total).toBe(0);
    });

    it("shows a finding's sources, lifecycle and commits", async () => {
      const d = api(dev);
      const [f] = (await d.findings.list({ service: w.svcA, tool: "gitleaks" })).items;
      const detail = await d.findings.get({ id: f!.id });
      expect(detail.tracks).toEqual([
        expect.objectContaining({ tool: "gitleaks", branch: "main", status: "open", reopenedCount: 0 }),
      ]);
      expect(detail.commits.map((c) => c.commit)).toEqual([w.commitA]);
      expect(detail.secretPreview).toContain("*");
      expect(JSON.stringify(detail)).not.toContain("not-a-real-key-but-long-enough");
    });
  });

  describe("remediation", () => {
    it("groups open findings into actions, ordered by the risk each removes", async () => {
      const r = await api(dev).remediation.actions({ service: w.svcA });
      expect(r.total).toBe(5);
      expect(r.findingsTotal).toBe(11);
      expect(r.items.map((a) => a.title)).toEqual([
        "Upgrade lodash 4.17.15 → 4.17.21",
        "Rotate the secret found in config/prod.env:12",
        "Fix rule js/sql-injection in 5 files",
        "Upgrade qs 6.5.2 → 6.5.3",
        "Fix rule js/xss in 1 file",
      ]);
      const [lodash, secret, sqli] = r.items;
      expect(lodash!.summary).toBe("fixes 3 findings, 1 critical, 1 high");
      expect(lodash!.counts).toMatchObject({ critical: 1, high: 1, medium: 1 });
      expect(secret!.type).toBe("rotate-secret");
      expect(sqli!.summary).toBe("fixes 5 high findings");
      expect(sqli!.waiveMatch).toEqual({ type: "rule", value: "js/sql-injection" });
      const orders = sqli!.findings.find((f) => f.location === "src/orders.ts:10");
      expect(orders?.link).toBe(`https://github.com/acme/checkout/blob/${w.commitA}/src/orders.ts#L10`);
      expect(r.options.tools).toEqual(["gitleaks", "semgrep", "trivy"]);
      expect(r.options.branches).toEqual(["main"]);
    });

    it("filters by severity, area, tool, status and branch, and paginates actions", async () => {
      const d = api(dev);
      const titles = async (f: Parameters<typeof d.remediation.actions>[0]) =>
        (await d.remediation.actions(f)).items.map((a) => a.title);
      expect(await titles({ service: w.svcA, severity: ["critical"] })).toEqual([
        "Upgrade lodash 4.17.15 → 4.17.21",
        "Rotate the secret found in config/prod.env:12",
      ]);
      expect(await titles({ service: w.svcA, area: 1 })).toEqual([
        "Fix rule js/sql-injection in 5 files",
        "Fix rule js/xss in 1 file",
      ]);
      expect(await titles({ service: w.svcA, tool: "trivy" })).toHaveLength(2);
      expect(await titles({ service: w.svcA, branch: "release" })).toEqual([]);
      expect(await titles({ service: w.svcA, status: "closed" })).toEqual([]);
      const page2 = await d.remediation.actions({ service: w.svcA, pageSize: 2, page: 2 });
      expect(page2).toMatchObject({ total: 5, pages: 3, page: 2 });
      expect(page2.items.map((a) => a.title)).toEqual(["Fix rule js/sql-injection in 5 files", "Upgrade qs 6.5.2 → 6.5.3"]);
    });

    it("previews the production gate from the gate's own evaluation without recording a decision", async () => {
      const count = async () =>
        (await queryRows<{ n: number | string }>(t.db(), sql`select count(*) as n from gate_decisions`))[0]!.n;
      const before = Number(await count());
      const p = await api(dev).remediation.unblock({ service: w.svcA });
      expect(p.stage).toBe("production");
      expect(p.commit).toBe(w.commitA);
      expect(p.decision).toBe("block");
      const failing = p.checks.filter((c) => c.status === "fail").map((c) => c.id);
      expect(failing).toEqual(expect.arrayContaining(["max-findings:critical", "no-secrets", "previous-stage:test"]));
      expect(p.checks.find((c) => c.id === "no-secrets")?.remediation).not.toBe("");
      expect(Number(await count())).toBe(before);
      // The preview is what the gate itself answers for that commit.
      const tok = await tokenContext(ops, { team: w.teamA, scopes: ["gate:evaluate"] });
      const real = await evaluateGateRequest(tok, { service: w.svcA, stage: "production", commit: w.commitA });
      expect(p.checks).toEqual(real.checks);
      const test = await api(dev).remediation.unblock({ service: w.svcA, stage: "test" });
      expect(test.stage).toBe("test");
    });

    it("lets a developer request a waiver: PENDING, audited as that user, never self-approved", async () => {
      const d = api(dev);
      const view = await d.remediation.requestWaiver({
        service: w.svcA,
        match: { type: "rule", value: "js/sql-injection" },
        reason: "Queries are parameterised by the ORM; the rule misreads the template tag.",
        expiresInDays: 30,
        stages: ["production"],
        // Extra keys are dropped: a developer cannot approve by asking.
        ...({ approve: true, role: "admin" } as object),
      });
      expect(view).toMatchObject({ status: "pending", kind: "waiver", service: w.svcA, createdBy: "usr_dev@example.com" });
      expect(view.expiresAt).toBe(new Date(clock.getTime() + 30 * 86_400_000).toISOString());
      const [audit] = await t
        .db()
        .select()
        .from(auditEvents)
        .where(and(eq(auditEvents.action, "waiver.create"), eq(auditEvents.targetId, view.id)));
      expect(audit).toMatchObject({
        actorType: "user",
        actorId: "usr_dev",
        actorLabel: "usr_dev@example.com",
        teamId: w.teamAId,
      });

      // The action now shows the pending waiver on its findings.
      const actions = await d.remediation.actions({ service: w.svcA, area: 1 });
      expect(actions.items[0]!.findings[0]!.waivers).toEqual([expect.objectContaining({ id: view.id, status: "pending" })]);

      await expectCode(d.waivers.approve({ id: view.id }), "FORBIDDEN");
      const approved = await api(security).waivers.approve({ id: view.id });
      expect(approved).toMatchObject({ status: "active", approvedBy: "usr_sec@example.com" });
    });

    it("refuses waiver requests from viewers and for other teams, and writes nothing", async () => {
      const count = async () => (await t.db().select().from(waivers)).length;
      const before = await count();
      const input = {
        match: { type: "rule" as const, value: "js/xss" },
        reason: "A long enough reason for the request.",
        expiresInDays: 10,
      };
      await expectCode(api(viewer).remediation.requestWaiver({ service: w.svcA, ...input }), "FORBIDDEN");
      await expectCode(api(dev).remediation.requestWaiver({ service: w.svcB, ...input }), "NOT_FOUND");
      await expectCode(api(dev).remediation.requestWaiver({ service: w.svcA, ...input, expiresInDays: 365 }), "BAD_REQUEST");
      await expectCode(api(dev).remediation.requestWaiver({ service: w.svcA, ...input, reason: "short" }), "BAD_REQUEST");
      expect(await count()).toBe(before);
    });

    it("marks a false positive as a pending waiver that expires within a year and that security approves", async () => {
      const [secret] = (await api(dev).remediation.actions({ service: w.svcA, area: 4 })).items;
      const fp = await api(dev).remediation.markFalsePositive({
        service: w.svcA,
        match: secret!.waiveMatch!,
        reason: "This is the documented example key from the vendor's README.",
      });
      expect(fp).toMatchObject({ kind: "false_positive", status: "pending" });
      expect(Date.parse(fp.expiresAt!) - Date.parse(fp.createdAt)).toBe(365 * 86_400_000);
      // The requester cannot approve their own request, whatever their role.
      const own = await api(security).remediation.markFalsePositive({
        service: w.svcA,
        match: { type: "rule", value: "js/xss" },
        reason: "Output is escaped by the template engine.",
      });
      await expectCode(api(security).waivers.approve({ id: own.id }), "FORBIDDEN");
      expect(await api(security2).waivers.approve({ id: own.id })).toMatchObject({ status: "active" });
    });
  });

  describe("service page, posture and decisions", () => {
    it("reads the scorecard, stages, evidence and recent decisions of a service", async () => {
      const d = api(dev);
      const [svc, card, stages, evidence, decisions] = await Promise.all([
        d.services.get({ service: w.svcA }),
        d.services.scorecard({ service: w.svcA }),
        d.services.stages({ service: w.svcA }),
        d.services.evidence({ service: w.svcA }),
        d.services.decisions({ service: w.svcA }),
      ]);
      expect(svc).toMatchObject({ slug: w.svcA, criticality: "critical", team: { slug: w.teamA } });
      expect(card.card.areas).toHaveLength(7);
      expect(card.card.openBySeverity.critical).toBeGreaterThan(0);
      expect(stages.map((s) => s.stage)).toEqual(["dev", "test", "production"]);
      expect(stages.find((s) => s.stage === "test")?.lastDecision?.decision).toBe("block");
      expect(stages.find((s) => s.stage === "production")?.policy.rules.length).toBeGreaterThan(0);
      expect(evidence.map((e) => e.kind).sort()).toEqual(["sast", "sca", "secrets"]);
      expect(evidence.find((e) => e.kind === "sca")).toMatchObject({ tool: "trivy", toolVersion: "1.0", status: "complete" });
      expect(decisions.map((x) => x.stage)).toEqual(expect.arrayContaining(["dev", "test"]));
      expect(decisions[0]!.checks.length).toBeGreaterThan(0);
    });

    it("filters the posture by team and tier and links its numbers to the same findings", async () => {
      const s = api(security);
      const byTeam = await s.posture.overview({ team: w.teamA });
      expect(byTeam.services.map((x) => x.slug)).toEqual([w.svcA]);
      expect(byTeam.openBySeverity).toEqual({ critical: 2, high: 7, medium: 2, low: 0, info: 0 });
      expect(byTeam.services[0]!.open[3]).toMatchObject({ critical: 1, high: 2, medium: 1 });
      // The heatmap cell links to /findings?service=…&area=3: the same count.
      expect((await s.findings.list({ service: w.svcA, area: 3 })).total).toBe(4);
      expect(byTeam.evidenceGaps).toEqual([]);
      const lowTier = await s.posture.overview({ tier: "low" });
      expect(lowTier.services.map((x) => x.slug)).toContain(w.svcB);
      expect(lowTier.services.map((x) => x.slug)).not.toContain(w.svcA);
      const rates = await s.posture.gateRates({ team: w.teamA });
      expect(rates.find((r) => r.stage === "test")?.total).toEqual({ allow: 0, block: 1 });
      // One week, named by its Monday (UTC).
      const [week] = rates.find((r) => r.stage === "test")!.weeks;
      expect(week).toMatchObject({ allow: 0, block: 1 });
      expect(new Date(`${week!.week}T00:00:00Z`).getUTCDay()).toBe(1);
      // Who sees every service counts every decision (without joining services); a developer, only their teams'.
      const counted = async (teamId?: string) =>
        Number(
          (
            await queryRows<{ n: number | string }>(
              t.db(),
              sql`select count(*) as n from gate_decisions d join services sv on sv.id = d.service_id
                  where d.kind = 'gate' and (${teamId ?? null}::text is null or sv.team_id = ${teamId ?? null})`,
            )
          )[0]!.n,
        );
      const sum = (r: Awaited<ReturnType<typeof s.posture.gateRates>>) =>
        r.reduce((n, x) => n + x.total.allow + x.total.block, 0);
      const everyDecision = await counted();
      expect(sum(await s.posture.gateRates({}))).toBe(everyDecision);
      expect(sum(await api(dev).posture.gateRates({}))).toBe(await counted(w.teamAId));
      expect(await counted(w.teamAId)).toBeLessThan(everyDecision);
      expect(Array.isArray(await s.posture.openTrend({}))).toBe(true);
    });

    it("lists decisions with filters and shows one exactly as recorded", async () => {
      const d = api(dev);
      const blocked = await d.decisions.list({ service: w.svcA, decision: "block", stage: "test" });
      expect(blocked.items.map((x) => x.stage)).toEqual(["test"]);
      expect((await d.decisions.list({ service: w.svcA, decision: "allow", stage: "test" })).total).toBe(0);
      expect(blocked.items[0]!.failed.length).toBeGreaterThan(0);
      const detail = await d.decisions.get({ id: blocked.items[0]!.id });
      const [row] = await t.db().select().from(gateDecisions).where(eq(gateDecisions.id, blocked.items[0]!.id));
      expect(detail.response).toEqual(row!.response);
    });
  });
});
