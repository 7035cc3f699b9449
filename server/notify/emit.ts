// The outbox: an event and one delivery per matching subscription, written in the transaction of what caused it,
// so that an event exists exactly when its cause committed. Senders pick deliveries up from there.
import { sql, type SQL } from "drizzle-orm";
import { queryRows } from "@/db/client";
import { notificationDeliveries, notificationEvents, notificationMarks } from "@/db/schema";
import type { ServiceContext } from "../context";
import { newId } from "../ids";
import type { EventPayload, NotificationEvent } from "./events";

/** Deliveries are attempted for this long, then they have failed for good. */
export const DELIVERY_WINDOW_MS = 24 * 3_600_000;

const WAKE = Symbol.for("gatehouse.notify.wake");
type Holder = { [WAKE]?: () => void };

/** Lets this process's sender start at once after a commit instead of at its next poll. */
export function setDeliveryWake(fn: (() => void) | undefined): void {
  (globalThis as Holder)[WAKE] = fn;
}

/** Starts this process's sender now (a gate worker's decision emitted an event: server/workers/gate-workers.ts). */
export function wakeDelivery(): void {
  (globalThis as Holder)[WAKE]?.();
}

/** An event ready to write: its insert, the read of the subscriptions that want it, and the deliveries' insert. */
export type PreparedEvent = {
  id: string;
  insert: SQL;
  /** ids of the subscriptions that want it, in order; null when only one subscription is to be told (a test) */
  subscriptions: SQL | null;
  /** writes a delivery per subscription id */
  deliver: (subscriptionIds: string[]) => Promise<void>;
};

/** The event's writes, for a caller that sends its insert and read in a statement of its own (the gate's). */
export function prepareEvent(tx: ServiceContext, e: NotificationEvent, only?: string): PreparedEvent {
  const now = tx.now();
  const id = newId("event", now.getTime());
  const payload: EventPayload = { type: e.type, timestamp: now.toISOString(), data: e.data };
  const insert = tx.db
    .insert(notificationEvents)
    .values({ id, type: e.type, teamId: e.teamId, serviceId: e.serviceId, stage: e.stage, payload, occurredAt: now })
    .getSQL();
  const subscriptions = only
    ? null
    : sql`select id from notification_subscriptions
          where removed_at is null
            and (team_id is null or team_id = ${e.teamId})
            and ${e.type} = any(events)
            and (${e.stage}::text is null or stages is null or ${e.stage} = any(stages))
          order by id`;
  const deliver = async (subscriptionIds: string[]) => {
    if (!subscriptionIds.length) return;
    await tx.db.insert(notificationDeliveries).values(
      subscriptionIds.map((subscriptionId) => ({
        id: newId("delivery", now.getTime()),
        eventId: id,
        subscriptionId,
        status: "pending" as const,
        nextAttemptAt: now,
        // A test is tried once: its answer is for the person who pressed the button.
        giveUpAt: only ? now : new Date(now.getTime() + DELIVERY_WINDOW_MS),
        createdAt: now,
      })),
    );
    const wake = (globalThis as Holder)[WAKE];
    // After the commit, most likely: a sender that runs before it finds nothing and polls again.
    if (wake) setTimeout(wake, 250).unref();
  };
  return { id, insert, subscriptions, deliver };
}

/** Writes the event and its deliveries; returns the event id. `only`: one subscription (a test). */
export async function emitEvent(tx: ServiceContext, e: NotificationEvent, only?: string): Promise<string> {
  const event = prepareEvent(tx, e, only);
  // The event and the subscriptions that want it are independent: one round trip on PostgreSQL (pipelined).
  const [, subs] = await Promise.all([
    tx.db.execute(event.insert),
    event.subscriptions ? queryRows<{ id: string }>(tx.db, event.subscriptions) : [{ id: only! }],
  ]);
  await event.deliver(subs.map((s) => s.id));
  return event.id;
}

/** Emits an event once for a key (a waiver about to expire, a pipeline gone silent); true when it was emitted. */
export async function emitOnce(tx: ServiceContext, key: string, e: NotificationEvent): Promise<boolean> {
  const [mark] = await tx.db
    .insert(notificationMarks)
    .values({ key, createdAt: tx.now() })
    .onConflictDoNothing()
    .returning({ key: notificationMarks.key });
  if (!mark) return false;
  await emitEvent(tx, e);
  return true;
}
