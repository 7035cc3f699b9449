// Notifications: who gets which event (team or organisation, stage filter), e-mail through a real SMTP server,
// Slack-compatible messages, refused targets (also when DNS points a name at a private address at delivery time),
// the periodic events (waiver expiring, SLA breached, pipeline silent) once each, and no secret in the audit trail.
import { sql } from "drizzle-orm";
import { SMTPServer } from "smtp-server";
import { afterAll, beforeAll, beforeEach, expect, it } from "vitest";
import { queryRows } from "@/db/client";
import type { ServiceContext } from "@/server/context";
import { evaluateGateRequest } from "@/server/gate/evaluate-gate";
import { setPolicy } from "@/server/gate/policies";
import { approveWaiver, createWaiver } from "@/server/gate/waivers";
import { deliverDue, type NotifyConfig } from "@/server/notify/deliver";
import { createSubscription, listSubscriptions, removeSubscription } from "@/server/notify/subscriptions";
import { sweepNotifications } from "@/server/notify/sweep";
import { parseAllowHosts } from "@/server/notify/target-safety";
import { describeEachDatabase } from "@/tests/helpers/db";
import { generic, securityReviewer, sha, teamWithService, tokenContext, upload } from "@/tests/helpers/fixtures";
import { startReceiver, type Receiver } from "@/tests/helpers/receiver";

const DAY = 86_400_000;
type Mail = { from: string; to: string[]; data: string };

const expectDomainError = (p: Promise<unknown>, code: string) => expect(p).rejects.toMatchObject({ code });

describeEachDatabase("notifications", (t) => {
  let clock = new Date("2026-10-01T08:00:00Z");
  const now = () => clock;
  const ops = (): ServiceContext => t.ctx({ now, actor: { type: "cli", label: "cli:test" } });
  /** Waivers are approved by a signed-in security person who did not ask for them. */
  const reviewer = (): ServiceContext => t.ctx({ now, actor: { ...securityReviewer, teamIds: [] } });
  let receiver: Receiver;
  let smtp: SMTPServer;
  let smtpPort = 0;
  const mails: Mail[] = [];
  let cfg: NotifyConfig;

  beforeAll(async () => {
    receiver = await startReceiver();
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ["STARTTLS"],
      logger: false,
      onData(stream, session, callback) {
        let data = "";
        stream.on("data", (c: Buffer) => (data += c.toString("utf8")));
        stream.on("end", () => {
          mails.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
            to: session.envelope.rcptTo.map((r) => r.address),
            data,
          });
          callback();
        });
      },
    });
    await new Promise<void>((r) => smtp.listen(0, "127.0.0.1", () => r()));
    smtpPort = (smtp.server.address() as { port: number }).port;
    cfg = {
      allowHosts: parseAllowHosts("127.0.0.1"),
      smtp: { url: `smtp://127.0.0.1:${smtpPort}`, from: "Gatehouse <gatehouse@example.com>" },
      timeoutMs: 5_000,
    };
  });
  afterAll(async () => {
    await receiver.close();
    await new Promise<void>((r) => smtp.close(() => r()));
  });
  beforeEach(() => {
    receiver.received.length = 0;
    mails.length = 0;
  });

  async function pipeline() {
    const { team, service } = await teamWithService(ops());
    const tok = await tokenContext(ops(), {
      team: team.slug,
      scopes: ["scans:write", "gate:evaluate", "deployments:write", "read"],
    });
    return { team, svc: service.slug, serviceId: service.id, tok: { ...tok, now } as ServiceContext };
  }

  const blockAtTest = async (p: Awaited<ReturnType<typeof pipeline>>, label: string) => {
    const commit = sha(label);
    await upload(
      p.tok,
      { service: p.svc, commit },
      generic("gitleaks", [
        { kind: "secret", ruleId: "aws-key", title: "AWS key", severity: "critical", location: { file: `${label}.env` } },
      ]),
    );
    return evaluateGateRequest(p.tok, { service: p.svc, stage: "test", commit });
  };

  it("sends a team's events to its subscriptions and every event to the organisation's, by e-mail through a real SMTP server", async () => {
    await setPolicy(ops(), "test", { rules: { noSecrets: { mode: "fail" } } }, "secrets block");
    const a = await pipeline();
    const b = await pipeline();
    await createSubscription(
      ops(),
      { team: a.team.slug, events: ["gate.blocked"], channel: "email", target: "team-a@example.com" },
      cfg,
    );
    await createSubscription(ops(), { events: ["gate.blocked"], channel: "email", target: "security@example.com" }, cfg);
    expect((await blockAtTest(a, "a1")).decision).toBe("block");
    expect((await blockAtTest(b, "b1")).decision).toBe("block");
    expect(await deliverDue(ops(), cfg)).toMatchObject({ delivered: 3, failed: 0 });
    const to = mails.map((m) => m.to.join(",")).sort();
    expect(to).toEqual(["security@example.com", "security@example.com", "team-a@example.com"]);
    const teamMail = mails.find((m) => m.to[0] === "team-a@example.com")!;
    expect(teamMail.from).toBe("gatehouse@example.com");
    expect(teamMail.data).toMatch(/Subject: \[Gatehouse\] Gate blocked: The gate blocked/);
    expect(teamMail.data).toContain("No exposed secrets");
    expect(teamMail.data).toMatch(/Open in Gatehouse: http\S+\/decisions\/dec_/);
  });

  it("a stage filter narrows gate.blocked to the stages asked for", async () => {
    const p = await pipeline();
    await createSubscription(
      ops(),
      {
        team: p.team.slug,
        events: ["gate.blocked"],
        stages: ["production"],
        channel: "webhook",
        target: receiver.url("/prod-only"),
      },
      cfg,
    );
    await blockAtTest(p, "filtered");
    await deliverDue(ops(), cfg);
    expect(receiver.received.filter((r) => r.path === "/prod-only")).toHaveLength(0);
    await setPolicy(ops(), "production", { rules: { noSecrets: { mode: "fail" } } }, "secrets block production");
    await evaluateGateRequest(p.tok, { service: p.svc, stage: "production", commit: sha("filtered") });
    await deliverDue(ops(), cfg);
    expect(receiver.received.filter((r) => r.path === "/prod-only").map((r) => JSON.parse(r.body).data.stage)).toEqual([
      "production",
    ]);
  });

  it("a Slack-compatible subscription gets readable text with a link, and its URL is never shown or audited whole", async () => {
    const p = await pipeline();
    const slackUrl = `${receiver.url("/services/T0001/B0002/sekr1tTOKENvalue")}`;
    const created = await createSubscription(
      ops(),
      { team: p.team.slug, events: ["gate.blocked"], channel: "slack", target: slackUrl },
      cfg,
    );
    expect(created.secret).toBeNull();
    expect(created.subscription.target).toBe(`http://127.0.0.1:${receiver.port}/services/…`);
    await blockAtTest(p, "slack");
    await deliverDue(ops(), cfg);
    const [msg] = receiver.received.filter((r) => r.path.startsWith("/services/"));
    const body = JSON.parse(msg!.body) as { text: string };
    expect(body.text).toMatch(/^\*Gate blocked\*: The gate blocked/);
    expect(body.text).toMatch(/<http\S+\/decisions\/dec_\S+\|Open in Gatehouse>/);
    expect(msg!.headers["webhook-signature"]).toBeUndefined();
    const audit = await queryRows<{ after: unknown }>(
      t.db(),
      sql`select after from audit_events where target_id = ${created.subscription.id}`,
    );
    expect(JSON.stringify(audit)).not.toContain("sekr1t");
    expect(JSON.stringify(await listSubscriptions(ops()))).not.toContain("sekr1t");
  });

  it("never puts a webhook secret in the audit trail or a list", async () => {
    const p = await pipeline();
    const c = await createSubscription(
      ops(),
      { team: p.team.slug, events: ["scan.failed"], channel: "webhook", target: receiver.url("/s") },
      cfg,
    );
    await removeSubscription(ops(), c.subscription.id);
    const all = await queryRows<{ before: unknown; after: unknown }>(t.db(), sql`select before, after from audit_events`);
    expect(JSON.stringify(all)).not.toContain(c.secret!.slice(6, 30));
    expect(all.length).toBeGreaterThan(0);
  });

  it("refuses http, private, loopback and link-local targets unless listed, and checks the resolved address at delivery", async () => {
    const p = await pipeline();
    const strict: NotifyConfig = { ...cfg, allowHosts: parseAllowHosts("") };
    const refuse = (target: string, c = strict) =>
      expectDomainError(
        createSubscription(ops(), { team: p.team.slug, events: ["gate.blocked"], channel: "webhook", target }, c),
        "bad_request",
      );
    await refuse("http://hooks.example.com/x");
    await refuse("https://10.1.2.3/x");
    await refuse("https://127.0.0.1:8443/x");
    await refuse("https://169.254.169.254/latest/meta-data");
    await refuse("https://[::1]/x");
    await refuse("https://[::ffff:192.168.0.1]/x");
    await refuse("https://localhost/x");
    await refuse("https://user:pw@hooks.example.com/x");
    await refuse("ftp://hooks.example.com/x");
    // Listed: allowed, http too.
    const ok = await createSubscription(
      ops(),
      { team: p.team.slug, events: ["gate.blocked"], channel: "webhook", target: `http://localhost:${receiver.port}/rebind` },
      { ...cfg, allowHosts: parseAllowHosts("localhost") },
    );
    // Later the operator unlists it: the name resolves to loopback when the delivery is made, and is refused for good.
    await blockAtTest(p, "rebind");
    expect(await deliverDue(ops(), strict)).toMatchObject({ failed: 1 });
    const [d] = await queryRows<{ status: string; last_error: string }>(
      t.db(),
      sql`select status, last_error from notification_deliveries where subscription_id = ${ok.subscription.id}`,
    );
    expect(d).toMatchObject({
      status: "failed",
      last_error: expect.stringMatching(/^refused: localhost resolves to a private, loopback/),
    });
    expect(receiver.received.filter((r) => r.path === "/rebind")).toHaveLength(0);
  });

  it("viewers cannot subscribe; developers subscribe their own team; only security subscribes the organisation", async () => {
    const p = await pipeline();
    const user = (role: "viewer" | "developer" | "security", teamIds: string[]) => ({
      ...ops(),
      actor: { type: "user" as const, id: `usr_${role}`, label: `${role}@example.com`, role, teamIds },
    });
    const input = {
      team: p.team.slug,
      events: ["gate.bypass" as const],
      channel: "webhook" as const,
      target: "https://hooks.example.com/t",
    };
    await expectDomainError(createSubscription(user("viewer", [p.team.id]), input, cfg), "forbidden");
    await expectDomainError(createSubscription(user("developer", []), input, cfg), "not_found");
    await expectDomainError(createSubscription(user("developer", [p.team.id]), { ...input, team: undefined }, cfg), "forbidden");
    expect((await createSubscription(user("developer", [p.team.id]), input, cfg)).secret).toMatch(/^whsec_/);
    expect((await createSubscription(user("security", []), { ...input, team: undefined }, cfg)).subscription.team).toBeNull();
    await expectDomainError(
      createSubscription(ops(), { ...input, channel: "email", target: "x@example.com" }, { ...cfg, smtp: null }),
      "bad_request",
    );
  });

  it("tells of scans that failed and of stale scanner databases, the latter once per database build", async () => {
    await setPolicy(ops(), "production", { rules: { maxScannerDbAgeDays: { days: 3, mode: "fail" } } }, "fresh databases");
    const p = await pipeline();
    await createSubscription(
      ops(),
      { team: p.team.slug, events: ["scan.failed", "scanner_db.stale"], channel: "webhook", target: receiver.url("/scans") },
      cfg,
    );
    const built = new Date(clock.getTime() - 10 * DAY).toISOString();
    const grype = (n: number) =>
      JSON.stringify({
        matches: [],
        descriptor: { name: "grype", version: `0.80.${n}`, db: { built } },
        source: { type: "directory", target: "." },
      });
    const failedRun = JSON.stringify({
      version: "2.1.0",
      runs: [
        {
          tool: { driver: { name: "semgrep", version: "1.0.0" } },
          results: [],
          invocations: [{ executionSuccessful: false, toolExecutionNotifications: [{ message: { text: "semgrep crashed" } }] }],
        },
      ],
    });
    await upload(p.tok, { service: p.svc, commit: sha("failed-run") }, failedRun);
    // Two reports built with the same 10-day-old database: one alert.
    for (const n of [1, 2]) await upload(p.tok, { service: p.svc, commit: sha(`db${n}`) }, grype(n));
    await deliverDue(ops(), cfg);
    const types = receiver.received
      .filter((r) => r.path === "/scans")
      .map((r) => JSON.parse(r.body) as { type: string; data: Record<string, unknown> });
    expect(types.map((x) => x.type).sort()).toEqual(["scan.failed", "scanner_db.stale"].sort());
    expect(types.find((x) => x.type === "scanner_db.stale")!.data).toMatchObject({
      limitDays: expect.any(Number),
      scan: { tool: "Grype" },
    });
  });

  it("the sweep tells of waivers expiring within 7 days, SLAs passed and silent pipelines, each once", async () => {
    await setPolicy(ops(), "production", { rules: { noSecrets: { mode: "fail" } } }, "reset");
    const p = await pipeline();
    await createSubscription(
      ops(),
      {
        team: p.team.slug,
        events: ["waiver.expiring", "sla.breached", "pipeline.silent", "waiver.requested", "waiver.approved"],
        channel: "webhook",
        target: receiver.url("/sweep"),
      },
      cfg,
    );
    await sweepNotifications(ops());
    const dev = {
      ...ops(),
      actor: { type: "user" as const, id: "usr_dev", label: "dev@example.com", role: "developer" as const, teamIds: [p.team.id] },
    };
    await upload(
      p.tok,
      { service: p.svc, commit: sha("sweep") },
      generic("osv", [
        {
          kind: "dependency",
          ruleId: "CVE-2026-9",
          title: "Old bug",
          severity: "critical",
          vulnerabilityId: "CVE-2026-9",
          package: { ecosystem: "npm", name: "x", version: "1.0.0" },
        },
      ]),
    );
    const w = await createWaiver(dev, {
      service: p.svc,
      match: { type: "rule", value: "CVE-2026-9" },
      reason: "reachable only in tests",
      expiresInDays: 10,
    });
    await approveWaiver(reviewer(), w.id);
    const sweepTypes = async () => {
      await deliverDue(ops(), cfg);
      const got = receiver.received.filter((r) => r.path === "/sweep").map((r) => JSON.parse(r.body).type as string);
      receiver.received.length = 0;
      return got;
    };
    expect(await sweepTypes()).toEqual(["waiver.requested", "waiver.approved"]);
    // Day 4: the waiver expires within 7 days; the critical passed its 7-day SLA on day 7.
    clock = new Date(clock.getTime() + 4 * DAY);
    await sweepNotifications(ops());
    await sweepNotifications(ops());
    expect(await sweepTypes()).toEqual(["waiver.expiring"]);
    clock = new Date(clock.getTime() + 4 * DAY);
    await sweepNotifications(ops());
    expect(await sweepTypes()).toEqual(["sla.breached"]);
    await sweepNotifications(ops());
    expect(await sweepTypes()).toEqual([]);
    // Day 15 without a scan: the pipeline is silent, told once; a new scan ends the silence.
    clock = new Date(clock.getTime() + 7 * DAY);
    await sweepNotifications(ops());
    await sweepNotifications(ops());
    const silent = await sweepTypes();
    expect(silent).toEqual(["pipeline.silent"]);
    await upload(p.tok, { service: p.svc, commit: sha("sweep-2") }, generic("osv", []));
    clock = new Date(clock.getTime() + 15 * DAY);
    await sweepNotifications(ops());
    expect(await sweepTypes()).toContain("pipeline.silent");
  });
});
