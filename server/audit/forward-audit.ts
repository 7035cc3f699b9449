// Streams the audit trail to a SIEM webhook: signed batches, oldest first, at least once. The position is kept
// in the database and moves only after the receiver answered 2xx, in the transaction that read the batch, under
// a transaction-scoped advisory lock so that several instances never deliver the same batch together.
import { randomUUID } from "node:crypto";
import { eq, sql } from "drizzle-orm";
import { queryRows, type Database } from "@/db/client";
import { instanceSettings } from "@/db/schema";
import { withTransaction, type ServiceContext } from "../context";
import { logger } from "../log";
import { readAuditPage, type AuditCursor } from "./export-audit";
import { DELIVERY_HEADER, SIGNATURE_HEADER, signDelivery, TIMESTAMP_HEADER } from "./webhook-signature";

const CURSOR_KEY = "audit.webhook.cursor";

export type WebhookTarget = {
  url: string;
  secret: string;
  /** events per delivery */
  batchSize?: number;
  /** deliveries per call at the most, so that a long backlog does not hold the lock for ever */
  maxBatches?: number;
  timeoutMs?: number;
};

export type ForwardResult =
  | { status: "delivered"; events: number; batches: number }
  | { status: "busy" }
  | { status: "failed"; events: number; error: string };

class DeliveryFailed extends Error {}

/** Delivers what the receiver has not acknowledged yet. Audit events are not written for deliveries: they would feed themselves. */
export async function forwardAuditEvents(ctx: ServiceContext, target: WebhookTarget): Promise<ForwardResult> {
  const batchSize = target.batchSize ?? 500;
  let delivered = 0;
  for (let batch = 0; batch < (target.maxBatches ?? 20); batch++) {
    let sent: number;
    try {
      sent = await withTransaction(ctx, async (tx) => {
        const [lock] = await queryRows<{ ok: boolean }>(
          tx.db,
          sql`select pg_try_advisory_xact_lock(hashtext(${CURSOR_KEY})) as ok`,
        );
        if (!lock?.ok) return -1;
        const cursor = await readCursor(tx.db);
        const page = await readAuditPage(tx, { cursor, limit: batchSize });
        if (page.lines.length === 0) return 0;
        await deliver(target, JSON.stringify({ events: page.lines }), tx.now());
        await tx.db
          .insert(instanceSettings)
          .values({ key: CURSOR_KEY, value: JSON.stringify(page.cursor) })
          .onConflictDoUpdate({ target: instanceSettings.key, set: { value: JSON.stringify(page.cursor) } });
        return page.lines.length;
      });
    } catch (e) {
      if (!(e instanceof DeliveryFailed)) throw e;
      return { status: "failed", events: delivered, error: e.message };
    }
    if (sent === -1) return delivered ? { status: "delivered", events: delivered, batches: batch } : { status: "busy" };
    delivered += sent;
    if (sent < batchSize) return { status: "delivered", events: delivered, batches: batch + (sent ? 1 : 0) };
  }
  return { status: "delivered", events: delivered, batches: target.maxBatches ?? 20 };
}

async function readCursor(db: Database): Promise<AuditCursor | undefined> {
  const [row] = await db.select().from(instanceSettings).where(eq(instanceSettings.key, CURSOR_KEY)).limit(1);
  return row ? (JSON.parse(row.value) as AuditCursor) : undefined;
}

async function deliver(target: WebhookTarget, body: string, now: Date): Promise<void> {
  const timestamp = Math.floor(now.getTime() / 1000);
  let res: Response;
  try {
    res = await fetch(target.url, {
      method: "POST",
      body,
      redirect: "manual",
      signal: AbortSignal.timeout(target.timeoutMs ?? 10_000),
      headers: {
        "content-type": "application/json",
        "user-agent": "gatehouse-audit-webhook/1",
        [TIMESTAMP_HEADER]: String(timestamp),
        [SIGNATURE_HEADER]: signDelivery(target.secret, timestamp, body),
        [DELIVERY_HEADER]: randomUUID(),
      },
    });
  } catch (e) {
    throw new DeliveryFailed(
      e instanceof Error && e.name === "TimeoutError"
        ? "the receiver did not answer in time"
        : "the receiver could not be reached",
    );
  }
  await res.body?.cancel();
  if (res.status < 200 || res.status >= 300) throw new DeliveryFailed(`the receiver answered HTTP ${res.status}`);
}

/** The server's forwarder: every `intervalSeconds`, and once soon after start. */
export function startAuditWebhook(db: Database, target: WebhookTarget, intervalSeconds: number): () => void {
  let running = false;
  let failures = 0;
  const run = async () => {
    if (running) return;
    running = true;
    try {
      const ctx: ServiceContext = { db, actor: { type: "system", label: "system:audit-webhook" }, now: () => new Date() };
      const r = await forwardAuditEvents(ctx, target);
      if (r.status === "failed") {
        failures++;
        // Once, then every tenth time, so that a long outage does not flood the log.
        if (failures === 1 || failures % 10 === 0)
          logger().warn({ failures, error: r.error }, "audit webhook delivery failed; it will be retried");
      } else {
        if (failures) logger().info({ failures }, "audit webhook delivering again");
        failures = 0;
      }
    } catch (err) {
      logger().error({ err }, "audit webhook forwarding failed");
    } finally {
      running = false;
    }
  };
  const first = setTimeout(() => void run(), 2_000);
  const timer = setInterval(() => void run(), intervalSeconds * 1000);
  first.unref();
  timer.unref();
  return () => {
    clearTimeout(first);
    clearInterval(timer);
  };
}
