// Re-checks of what runs: a scan bound to the deployed artifact, a policy change, a waiver revoked or time alone
// turn a stage out of policy (and back), recorded as immutable decisions of kind "recheck" that no pipeline-facing
// lookup takes for a gate allow; the people subscribed hear of it through a real local receiver.
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { queryRows } from "@/db/client";
import type { ServiceContext } from "@/server/context";
import { recordDeployment } from "@/server/gate/deployments";
import { evaluateGateRequest } from "@/server/gate/evaluate-gate";
import { setPolicy } from "@/server/gate/policies";
import { approveWaiver, createWaiver, revokeWaiver } from "@/server/gate/waivers";
import { deliverDue, type NotifyConfig } from "@/server/notify/deliver";
import { createSubscription } from "@/server/notify/subscriptions";
import { parseAllowHosts } from "@/server/notify/target-safety";
import { runDueRechecks, sweepTimeRechecks } from "@/server/recheck/run-recheck";
import { outOfPolicy, serviceStages } from "@/server/recheck/stage-status";
import { describeEachDatabase } from "@/tests/helpers/db";
import { generic, securityReviewer, sha, teamWithService, tokenContext, upload } from "@/tests/helpers/fixtures";
import { startReceiver, verifyStandardWebhook, type Receiver } from "@/tests/helpers/receiver";

const DAY = 86_400_000;
const ARTIFACT = `sha256:${"c".repeat(64)}`;
const critical = (id: string) => ({
  kind: "dependency",
  ruleId: id,
  title: `Remote code execution in left-pad (${id})`,
  severity: "critical",
  vulnerabilityId: id,
  package: { ecosystem: "npm", name: "left-pad", version: "1.0.0", fixedVersions: ["1.0.1"] },
  location: { file: "package-lock.json" },
});
const high = (id: string) => ({ ...critical(id), severity: "high", title: `Denial of service (${id})` });

describeEachDatabase("re-checks", (t) => {
  let clock = new Date("2026-12-01T09:00:00Z");
  const now = () => clock;
  const ops = (): ServiceContext => t.ctx({ now, actor: { type: "cli", label: "cli:test" } });
  /** Waivers are approved by a signed-in security person who did not ask for them. */
  const reviewer = (): ServiceContext => t.ctx({ now, actor: { ...securityReviewer, teamIds: [] } });
  let receiver: Receiver;
  let cfg: NotifyConfig;

  beforeAll(async () => {
    receiver = await startReceiver();
    cfg = { allowHosts: parseAllowHosts("127.0.0.1"), smtp: null, timeoutMs: 5_000 };
  });
  afterAll(() => receiver.close());
  beforeEach(async () => {
    await receiver.up();
    receiver.received.length = 0;
    receiver.answer(200);
  });

  /** A service whose pipeline token can scan, gate and deploy. */
  async function pipeline() {
    const { team, service } = await teamWithService(ops());
    const tok = await tokenContext(ops(), {
      team: team.slug,
      scopes: ["scans:write", "gate:evaluate", "deployments:write", "read"],
    });
    return { team, svc: service.slug, serviceId: service.id, tok: { ...tok, now } as ServiceContext };
  }

  const stageOf = async (c: ServiceContext, svc: string, stage = "production") =>
    (await serviceStages(c, svc)).stages.find((s) => s.stage === stage)!;

  const mine = (serviceId: string) => (r: { serviceId: string }) => r.serviceId === serviceId;

  it("an allowed artifact in production turns out of policy within one re-check of a critical uploaded for it, and a signed webhook says so", async () => {
    await setPolicy(
      ops(),
      "production",
      { rules: { maxFindings: [{ severity: "critical", max: 0, mode: "fail" }] } },
      "criticals",
    );
    await runDueRechecks(ops());
    const p = await pipeline();
    const sub = await createSubscription(
      ops(),
      { team: p.team.slug, events: ["stage.out_of_policy", "stage.back_in_policy"], channel: "webhook", target: receiver.url() },
      cfg,
    );
    expect(sub.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const commit = sha("allowed");
    await upload(p.tok, { service: p.svc, commit, artifact: ARTIFACT }, generic("trivy", [], { evidence: ["container"] }));
    const gate = await evaluateGateRequest(p.tok, { service: p.svc, stage: "production", commit, artifact: ARTIFACT });
    expect(gate.decision).toBe("allow");
    await recordDeployment(p.tok, { service: p.svc, stage: "production", commit, artifact: ARTIFACT });
    const deployed = await stageOf(p.tok, p.svc);
    expect(deployed).toMatchObject({ status: "in_policy", deployment: { decisionId: gate.decisionId, bypass: false } });
    // The deployment's own first re-check finds the same answer: nothing new is recorded.
    const first = (await runDueRechecks(ops())).checked.filter(mine(p.serviceId));
    expect(first).toEqual([
      { serviceId: p.serviceId, stage: "production", status: "in_policy", previousStatus: "in_policy", decisionId: null },
    ]);

    clock = new Date(clock.getTime() + 3_600_000);
    await upload(
      p.tok,
      { service: p.svc, commit, artifact: ARTIFACT },
      generic("trivy", [critical("CVE-2026-1000")], { evidence: ["container"] }),
    );
    const run = (await runDueRechecks(ops())).checked.filter(mine(p.serviceId));
    expect(run).toHaveLength(1);
    expect(run[0]).toMatchObject({ stage: "production", status: "out_of_policy", previousStatus: "in_policy" });

    const st = await stageOf(p.tok, p.svc);
    expect(st.status).toBe("out_of_policy");
    expect(st.since).toBe(clock.toISOString());
    expect(st.decisionId).toBe(run[0]!.decisionId);
    expect(st.failingChecks).toEqual([
      expect.objectContaining({
        id: "max-findings:critical",
        remediation: expect.stringContaining("Upgrade left-pad 1.0.0 → 1.0.1"),
      }),
    ]);
    const [dec] = await queryRows<{ kind: string; decision: string; actor_label: string }>(
      t.db(),
      sql`select kind, decision, actor_label from gate_decisions where id = ${st.decisionId}`,
    );
    expect(dec).toEqual({ kind: "recheck", decision: "block", actor_label: "cli:test" });

    expect(await deliverDue(ops(), cfg)).toMatchObject({ delivered: 1, failed: 0 });
    expect(receiver.received).toHaveLength(1);
    const got = receiver.received[0]!;
    expect(verifyStandardWebhook(sub.secret!, got)).toBe(true);
    expect(verifyStandardWebhook(`whsec_${Buffer.alloc(32, 7).toString("base64")}`, got)).toBe(false);
    expect(got.headers["webhook-id"]).toMatch(/^msg_[0-9a-z]{26}$/);
    expect(got.headers["webhook-timestamp"]).toBe(String(Math.floor(clock.getTime() / 1000)));
    const body = JSON.parse(got.body) as { type: string; timestamp: string; data: Record<string, unknown> };
    expect(body.type).toBe("stage.out_of_policy");
    expect(body.data).toMatchObject({
      stage: "production",
      status: "out_of_policy",
      previousStatus: "in_policy",
      service: { slug: p.svc },
      deployment: { commit, artifact: ARTIFACT },
      failingChecks: [expect.objectContaining({ id: "max-findings:critical" })],
    });
    expect(String(body.data.url)).toContain(`/services/${p.svc}`);

    // Fixed and redeployed through the gate: back in policy, and told so.
    const fixed = sha("fixed");
    await upload(
      p.tok,
      { service: p.svc, commit: fixed, artifact: `sha256:${"d".repeat(64)}` },
      generic("trivy", [], { evidence: ["container"] }),
    );
    await evaluateGateRequest(p.tok, {
      service: p.svc,
      stage: "production",
      commit: fixed,
      artifact: `sha256:${"d".repeat(64)}`,
    });
    await recordDeployment(p.tok, { service: p.svc, stage: "production", commit: fixed, artifact: `sha256:${"d".repeat(64)}` });
    expect((await stageOf(p.tok, p.svc)).status).toBe("in_policy");
    await deliverDue(ops(), cfg);
    expect(receiver.received.map((r) => JSON.parse(r.body).type)).toEqual(["stage.out_of_policy", "stage.back_in_policy"]);
  });

  it("keeps a delivery while the receiver is down and sends it, with the same webhook-id, once it is back", async () => {
    const p = await pipeline();
    const sub = await createSubscription(
      ops(),
      { team: p.team.slug, events: ["gate.blocked"], channel: "webhook", target: receiver.url("/down") },
      cfg,
    );
    await setPolicy(ops(), "test", { rules: { noSecrets: { mode: "fail" } } }, "secrets block");
    const commit = sha("down");
    await upload(
      p.tok,
      { service: p.svc, commit },
      generic("gitleaks", [
        { kind: "secret", ruleId: "aws-key", title: "AWS key", severity: "critical", location: { file: "a.env" } },
      ]),
    );
    await receiver.down();
    expect((await evaluateGateRequest(p.tok, { service: p.svc, stage: "test", commit })).decision).toBe("block");
    const ids: string[] = [];
    const deliveries = async () =>
      queryRows<{ id: string; status: string; attempts: number; next_attempt_at: string | Date; last_error: string | null }>(
        t.db(),
        sql`select id, status, attempts, next_attempt_at, last_error from notification_deliveries where subscription_id = ${sub.subscription.id}`,
      );
    expect(await deliverDue(ops(), cfg)).toMatchObject({ retried: 1, delivered: 0 });
    let [d] = await deliveries();
    ids.push(d!.id);
    expect(d).toMatchObject({ status: "pending", attempts: 1, last_error: expect.stringContaining("ECONNREFUSED") });
    // Exponential back-off: not before the next attempt is due, then again later.
    expect(await deliverDue(ops(), cfg)).toEqual({ delivered: 0, retried: 0, failed: 0 });
    for (let i = 0; i < 3; i++) {
      clock = new Date(new Date(d!.next_attempt_at).getTime());
      await deliverDue(ops(), cfg);
      [d] = await deliveries();
    }
    expect(d).toMatchObject({ status: "pending", attempts: 4 });
    await receiver.up();
    clock = new Date(new Date(d!.next_attempt_at).getTime());
    expect(await deliverDue(ops(), cfg)).toMatchObject({ delivered: 1 });
    [d] = await deliveries();
    expect(d).toMatchObject({ status: "delivered", attempts: 5, last_error: null });
    const arrived = receiver.received.filter((r) => r.path === "/down");
    expect(arrived).toHaveLength(1);
    expect(arrived[0]!.headers["webhook-id"]).toBe(ids[0]);
    expect(verifyStandardWebhook(sub.secret!, arrived[0]!)).toBe(true);
    expect(JSON.parse(arrived[0]!.body).type).toBe("gate.blocked");
  });

  it("gives up after 24 hours of failures and shows what failed for good", async () => {
    const p = await pipeline();
    const sub = await createSubscription(
      ops(),
      { team: p.team.slug, events: ["gate.blocked"], channel: "webhook", target: receiver.url("/fail") },
      cfg,
    );
    receiver.answer(500);
    const commit = sha("gives-up");
    await upload(
      p.tok,
      { service: p.svc, commit },
      generic("gitleaks", [
        { kind: "secret", ruleId: "aws-key", title: "AWS key", severity: "critical", location: { file: "b.env" } },
      ]),
    );
    await evaluateGateRequest(p.tok, { service: p.svc, stage: "test", commit });
    const start = clock.getTime();
    let attempts = 0;
    let last: { status: string; attempts: number; next_attempt_at: string | Date; last_error: string | null } | undefined;
    const delays: number[] = [];
    for (let i = 0; i < 60; i++) {
      await deliverDue(ops(), cfg);
      [last] = await queryRows<{ status: string; attempts: number; next_attempt_at: string | Date; last_error: string | null }>(
        t.db(),
        sql`select status, attempts, next_attempt_at, last_error from notification_deliveries where subscription_id = ${sub.subscription.id}`,
      );
      attempts = last!.attempts;
      if (last!.status !== "pending") break;
      const next = new Date(last!.next_attempt_at).getTime();
      delays.push(next - clock.getTime());
      clock = new Date(next);
    }
    expect(last).toMatchObject({ status: "failed", last_error: "HTTP 500" });
    expect(clock.getTime() - start).toBe(24 * 3_600_000);
    // Exponential: each wait at least ~1.6× the one before, until the cap.
    expect(delays[1]! / delays[0]!).toBeGreaterThan(1.3);
    expect(delays[4]! / delays[3]!).toBeGreaterThan(1.3);
    expect(attempts).toBeGreaterThan(10);
    expect(
      receiver.received
        .filter((r) => r.path === "/fail")
        .map((r) => r.headers["webhook-id"])
        .every((id, _, all) => id === all[0]),
    ).toBe(true);
  });

  it("a re-check is never a pipeline's allow: deployments and the previous-stage rule see only gate decisions", async () => {
    await setPolicy(ops(), "test", { rules: { maxFindings: [{ severity: "critical", max: 0, mode: "fail" }] } }, "criticals");
    await setPolicy(
      ops(),
      "production",
      {
        rules: { previousStage: { stage: "test", mode: "fail" }, maxFindings: [{ severity: "critical", max: 0, mode: "fail" }] },
      },
      "test first",
    );
    const p = await pipeline();
    const commit = sha("never-gated");
    await upload(p.tok, { service: p.svc, commit, artifact: ARTIFACT }, generic("trivy", [], { evidence: ["container"] }));
    // Deployed to test without asking the gate: a bypass, then re-checked: in policy, recorded as a recheck allow.
    const dep = await recordDeployment(p.tok, { service: p.svc, stage: "test", commit, artifact: ARTIFACT });
    expect(dep.bypass).toBe(true);
    expect((await stageOf(p.tok, p.svc, "test")).status).toBe("unknown");
    const run = (await runDueRechecks(ops())).checked.filter(mine(p.serviceId));
    expect(run).toEqual([
      expect.objectContaining({ stage: "test", status: "in_policy", decisionId: expect.stringMatching(/^dec_/) }),
    ]);
    const again = await recordDeployment(p.tok, { service: p.svc, stage: "test", commit, artifact: ARTIFACT });
    expect(again.bypass).toBe(true);
    const prod = await evaluateGateRequest(p.tok, { service: p.svc, stage: "production", commit, artifact: ARTIFACT });
    expect(prod.checks.find((c) => c.id === "previous-stage:test")).toMatchObject({ status: "fail", actual: null });
    // Decisions are immutable, rechecks too.
    await expect(
      t.db().execute(sql`update gate_decisions set decision = 'block' where id = ${run[0]!.decisionId}`),
    ).rejects.toThrow();
  });

  it("re-checks when the stage's policy changes and when a waiver is approved or revoked", async () => {
    await setPolicy(ops(), "production", { rules: { maxFindings: [{ severity: "high", max: 5, mode: "fail" }] } }, "lenient");
    const p = await pipeline();
    const commit = sha("policy-change");
    await upload(
      p.tok,
      { service: p.svc, commit, artifact: ARTIFACT },
      generic("trivy", [high("CVE-2026-2000")], { evidence: ["container"] }),
    );
    expect((await evaluateGateRequest(p.tok, { service: p.svc, stage: "production", commit, artifact: ARTIFACT })).decision).toBe(
      "allow",
    );
    await recordDeployment(p.tok, { service: p.svc, stage: "production", commit, artifact: ARTIFACT });
    await runDueRechecks(ops());

    await setPolicy(ops(), "production", { rules: { maxFindings: [{ severity: "high", max: 0, mode: "fail" }] } }, "strict");
    const afterPolicy = (await runDueRechecks(ops())).checked.filter(mine(p.serviceId));
    expect(afterPolicy).toEqual([expect.objectContaining({ status: "out_of_policy", previousStatus: "in_policy" })]);

    const dev = {
      ...ops(),
      actor: { type: "user" as const, id: "usr_dev", label: "dev@example.com", role: "developer" as const, teamIds: [p.team.id] },
    };
    const waiver = await createWaiver(dev, {
      service: p.svc,
      match: { type: "vulnerability", value: "CVE-2026-2000" },
      reason: "not reachable from the public API",
      expiresInDays: 30,
    });
    expect((await runDueRechecks(ops())).checked.filter(mine(p.serviceId))).toEqual([]);
    await approveWaiver(reviewer(), waiver.id);
    expect((await runDueRechecks(ops())).checked.filter(mine(p.serviceId))).toEqual([
      expect.objectContaining({ status: "in_policy", previousStatus: "out_of_policy" }),
    ]);
    await revokeWaiver(ops(), waiver.id);
    expect((await runDueRechecks(ops())).checked.filter(mine(p.serviceId))).toEqual([
      expect.objectContaining({ status: "out_of_policy", previousStatus: "in_policy" }),
    ]);
    const [row] = await queryRows<{ reasons: string[] }>(
      t.db(),
      sql`select response->'reasons' as reasons from gate_decisions where service_id = ${p.serviceId} and kind = 'recheck' order by evaluated_at desc, id desc limit 1`,
    );
    expect(row!.reasons).toEqual(["waiver"]);
  });

  it("the periodic re-check sees an SLA breach turn the stage out of policy when the clock moves", async () => {
    await setPolicy(ops(), "production", { rules: { sla: { mode: "fail" } } }, "sla only");
    await runDueRechecks(ops());
    const p = await pipeline();
    const commit = sha("sla");
    await upload(
      p.tok,
      { service: p.svc, commit, artifact: ARTIFACT },
      generic("trivy", [high("CVE-2026-3000")], { evidence: ["container"] }),
    );
    expect((await evaluateGateRequest(p.tok, { service: p.svc, stage: "production", commit, artifact: ARTIFACT })).decision).toBe(
      "allow",
    );
    await recordDeployment(p.tok, { service: p.svc, stage: "production", commit, artifact: ARTIFACT });
    await runDueRechecks(ops());
    expect((await stageOf(p.tok, p.svc)).status).toBe("in_policy");

    // Nothing is due before time passes; a high finding's SLA is 30 days.
    expect(await sweepTimeRechecks(ops())).toBe(0);
    clock = new Date(clock.getTime() + 29 * DAY);
    await sweepTimeRechecks(ops());
    expect((await runDueRechecks(ops())).checked.filter(mine(p.serviceId))).toEqual([
      expect.objectContaining({ status: "in_policy", previousStatus: "in_policy", decisionId: null }),
    ]);
    clock = new Date(clock.getTime() + 1 * DAY + 60_000);
    expect(await sweepTimeRechecks(ops())).toBeGreaterThanOrEqual(1);
    const run = (await runDueRechecks(ops())).checked.filter(mine(p.serviceId));
    expect(run).toEqual([expect.objectContaining({ status: "out_of_policy", previousStatus: "in_policy" })]);
    const st = await stageOf(p.tok, p.svc);
    expect(st.failingChecks.map((c) => c.id)).toEqual(["sla"]);
    const [dec] = await queryRows<{ reasons: string[] }>(
      t.db(),
      sql`select response->'reasons' as reasons from gate_decisions where id = ${st.decisionId}`,
    );
    expect(dec!.reasons).toEqual(["time"]);
    // The posture counts it, from the status table.
    const posture = await outOfPolicy(ops(), { limit: 500 });
    expect(posture.items).toContainEqual(
      expect.objectContaining({
        service: expect.objectContaining({ slug: p.svc }),
        stage: "production",
        checks: ["Findings fixed within their SLA"],
      }),
    );
    expect(posture.stages.find((s) => s.stage === "production")!.outOfPolicy).toBeGreaterThanOrEqual(1);
  });

  describe("several workers", () => {
    it("two workers racing run each due re-check once", async () => {
      await setPolicy(
        ops(),
        "production",
        { rules: { maxFindings: [{ severity: "critical", max: 0, mode: "fail" }] } },
        "criticals again",
      );
      await runDueRechecks(ops());
      const services = await Promise.all([1, 2, 3, 4].map(() => pipeline()));
      for (const p of services) {
        const commit = sha(`race-${p.svc}`);
        await upload(p.tok, { service: p.svc, commit, artifact: ARTIFACT }, generic("trivy", [], { evidence: ["container"] }));
        await evaluateGateRequest(p.tok, { service: p.svc, stage: "production", commit, artifact: ARTIFACT });
        await recordDeployment(p.tok, { service: p.svc, stage: "production", commit, artifact: ARTIFACT });
        await upload(
          p.tok,
          { service: p.svc, commit, artifact: ARTIFACT },
          generic("trivy", [critical(`CVE-2026-4${p.svc.slice(-3)}`)], { evidence: ["container"] }),
        );
      }
      const [a, b] = await Promise.all([runDueRechecks(ops()), runDueRechecks(ops())]);
      const ids = new Set(services.map((s) => s.serviceId));
      const all = [...a.checked, ...b.checked].filter((r) => ids.has(r.serviceId));
      expect(all).toHaveLength(4);
      expect(new Set(all.map((r) => r.serviceId)).size).toBe(4);
      expect(all.every((r) => r.status === "out_of_policy")).toBe(true);
      const [n] = await queryRows<{ n: number }>(
        t.db(),
        sql`select count(*)::int as n from gate_decisions where kind = 'recheck' and service_id = any(${`{${[...ids].join(",")}}`}::text[])`,
      );
      expect(Number(n!.n)).toBe(4);
    });
  });
});
