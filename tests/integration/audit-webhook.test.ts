// The SIEM webhook: signed deliveries of the audit trail, oldest first, secrets stripped; nothing lost when the
// receiver fails (the position moves only on 2xx); each event delivered once when two forwarders run together.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, expect, it } from "vitest";
import { forwardAuditEvents, type WebhookTarget } from "@/server/audit/forward-audit";
import { recordAudit } from "@/server/audit/record-audit";
import { verifyDelivery } from "@/server/audit/webhook-signature";
import { withTransaction, type ServiceContext } from "@/server/context";
import { describeEachDatabase } from "@/tests/helpers/db";

type Delivery = { ok: boolean; events: { id: string; action: string; after: unknown }[] };

describeEachDatabase("audit webhook", (t) => {
  const secret = "siem-shared-secret-0123456789abcdef";
  const received: Delivery[] = [];
  let answer = 200;
  let server: Server;
  let target: WebhookTarget;

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString("utf8")));
      req.on("end", () => {
        const ok = verifyDelivery(
          secret,
          {
            signature: req.headers["x-gatehouse-signature"] as string,
            timestamp: req.headers["x-gatehouse-timestamp"] as string,
          },
          body,
          Math.floor(Date.now() / 1000),
        );
        received.push({ ok, events: (JSON.parse(body) as Delivery).events });
        res.writeHead(ok ? answer : 401).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    target = { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/audit`, secret, batchSize: 3 };
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));
  beforeEach(() => {
    received.length = 0;
    answer = 200;
  });

  const ctx = (): ServiceContext => t.ctx({ actor: { type: "cli", label: "cli:test" } });
  const record = (action: string, after: Record<string, unknown> = {}) =>
    withTransaction(ctx(), (tx) => recordAudit(tx, { action, targetType: "thing", after }));
  const delivered = () => received.filter((d) => d.ok).flatMap((d) => d.events.map((e) => e.action));

  it("delivers the whole trail in signed batches, oldest first, with secrets stripped, then only what is new", async () => {
    for (let i = 1; i <= 7; i++) await record(`test.first-${i}`, i === 4 ? { password: "hunter2", token: "gth_x" } : { i });
    const r = await forwardAuditEvents(ctx(), target);
    expect(r).toMatchObject({ status: "delivered" });
    expect(received.every((d) => d.ok)).toBe(true);
    expect(received.every((d) => d.events.length <= 3)).toBe(true);
    const actions = delivered().filter((a) => a.startsWith("test.first-"));
    expect(actions).toEqual([1, 2, 3, 4, 5, 6, 7].map((i) => `test.first-${i}`));
    const withSecret = received.flatMap((d) => d.events).find((e) => e.action === "test.first-4")!;
    expect(JSON.stringify(withSecret.after)).not.toContain("hunter2");
    expect(JSON.stringify(withSecret.after)).not.toContain("gth_x");

    received.length = 0;
    expect(await forwardAuditEvents(ctx(), target)).toEqual({ status: "delivered", events: 0, batches: 0 });
    expect(received).toHaveLength(0);
    await record("test.second");
    await forwardAuditEvents(ctx(), target);
    expect(delivered()).toEqual(["test.second"]);
  });

  it("keeps its place when the receiver fails, and delivers the same events once it is back", async () => {
    await forwardAuditEvents(ctx(), target);
    received.length = 0;
    await record("test.during-outage-1");
    await record("test.during-outage-2");
    answer = 503;
    const failed = await forwardAuditEvents(ctx(), target);
    expect(failed).toMatchObject({ status: "failed", error: "the receiver answered HTTP 503" });
    expect(received.flatMap((d) => d.events.map((e) => e.action))).toEqual(["test.during-outage-1", "test.during-outage-2"]);

    received.length = 0;
    answer = 200;
    expect(await forwardAuditEvents(ctx(), target)).toMatchObject({ status: "delivered", events: 2 });
    expect(delivered()).toEqual(["test.during-outage-1", "test.during-outage-2"]);
  });

  it("says so when the receiver cannot be reached, and loses nothing", async () => {
    await forwardAuditEvents(ctx(), target);
    received.length = 0;
    await record("test.unreachable");
    const down = { ...target, url: "http://127.0.0.1:9/audit" };
    expect(await forwardAuditEvents(ctx(), down)).toMatchObject({ status: "failed", error: "the receiver could not be reached" });
    await forwardAuditEvents(ctx(), target);
    expect(delivered()).toEqual(["test.unreachable"]);
  });

  it("delivers each event once when two forwarders run at the same time", async () => {
    await forwardAuditEvents(ctx(), target);
    received.length = 0;
    for (let i = 1; i <= 10; i++) await record(`test.together-${i}`);
    await Promise.all([forwardAuditEvents(ctx(), target), forwardAuditEvents(ctx(), target)]);
    // A forwarder that found the lock taken comes back later for what is left.
    await forwardAuditEvents(ctx(), target);
    expect(delivered()).toEqual(Array.from({ length: 10 }, (_, i) => `test.together-${i + 1}`));
  });
});
