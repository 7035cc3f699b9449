// The outbox: an event and one delivery per matching subscription, written in the transaction of what caused it,
// so that an event exists exactly when its cause committed. Senders pick deliveries up from there.
import { Params, rawRows } from "@/db/client";
import { notificationMarks } from "@/db/schema";
import { arrayLiteral } from "../ingest/write-findings";
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

/**
 * Whether a subscription (the table aliased `n`) wants an event of `type` of `team` at `stage`: SQL expressions (a
 * placeholder or a column each). Not removed, of the team or organisation-wide, listing the type, and for the stage
 * (or every stage).
 */
export const wantsEvent = (team: string, type: string, stage: string): string =>
  `n.removed_at is null and (n.team_id is null or n.team_id = ${team}) and ${type} = any(n.events)
   and (${stage}::text is null or n.stages is null or ${stage} = any(n.stages))`;

/** An event ready to write, as text for rawRows (the gate writes it inside its decision's statement). */
export type PreparedEvent = {
  id: string;
  /** the event's insert; with `guard` (a relation's name), only if that relation has a row */
  insert: (p: Params, guard?: string) => string;
  /** the deliveries' insert, one for each subscription id (with `guard`, only if it has a row); null when none */
  deliveries: (p: Params, subscriptionIds: readonly string[], guard?: string) => string | null;
};

export function prepareEvent(tx: ServiceContext, e: NotificationEvent, only?: string): PreparedEvent {
  const now = tx.now();
  const at = now.toISOString();
  const id = newId("event", now.getTime());
  const payload: EventPayload = { type: e.type, timestamp: at, data: e.data };
  // A test is tried once: its answer is for the person who pressed the button.
  const giveUpAt = (only ? now : new Date(now.getTime() + DELIVERY_WINDOW_MS)).toISOString();
  return {
    id,
    insert: (p, guard) =>
      `insert into notification_events (id, type, team_id, service_id, stage, payload, occurred_at)
       select ${p.add(id)}, ${p.add(e.type)}, ${p.add(e.teamId)}, ${p.add(e.serviceId)}, ${p.add(e.stage)},
         ${p.add(JSON.stringify(payload))}::jsonb, ${p.add(at)}::timestamptz ${guard ? `from ${guard}` : ""}`,
    deliveries: (p, subscriptionIds, guard) => {
      if (!subscriptionIds.length) return null;
      const ids = subscriptionIds.map(() => newId("delivery", now.getTime()));
      return `insert into notification_deliveries (id, event_id, subscription_id, status, next_attempt_at, give_up_at, created_at)
        select d.id, ${p.add(id)}, d.subscription_id, 'pending', ${p.add(at)}::timestamptz, ${p.add(giveUpAt)}::timestamptz,
          ${p.add(at)}::timestamptz
        from unnest(${p.add(arrayLiteral(ids))}::text[], ${p.add(arrayLiteral(subscriptionIds))}::text[]) as d(id, subscription_id)
        ${guard ? `cross join ${guard}` : ""}`;
    },
  };
}

/** Writes the event and its deliveries; returns the event id. `only`: one subscription (a test). */
export async function emitEvent(tx: ServiceContext, e: NotificationEvent, only?: string): Promise<string> {
  const event = prepareEvent(tx, e, only);
  const p = new Params();
  const insert = event.insert(p);
  // The event and the subscriptions that want it are independent: one round trip on PostgreSQL (pipelined).
  const [, subs] = await Promise.all([
    rawRows(tx.db, insert, p.values),
    only
      ? [{ id: only }]
      : rawRows<{ id: string }>(
          tx.db,
          `select n.id from notification_subscriptions n where ${wantsEvent("$1", "$2", "$3")} order by n.id`,
          [e.teamId, e.type, e.stage],
        ),
  ]);
  const d = new Params();
  const deliveries = event.deliveries(
    d,
    subs.map((s) => s.id),
  );
  if (deliveries) {
    await rawRows(tx.db, deliveries, d.values);
    // After the commit, most likely: a sender that runs before it finds nothing and polls again.
    const wake = (globalThis as Holder)[WAKE];
    if (wake) setTimeout(wake, 250).unref();
  }
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
