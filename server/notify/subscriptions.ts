// Subscriptions: a team's (its events; its developers, security and admins manage them) or the organisation's
// (every event; security and admins only). A webhook's whsec_ secret is shown once, at creation. Every change is
// audited with the target as it may be shown: never a secret, never a Slack URL.
import { and, eq, inArray, isNull, or, sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import { queryRows } from "@/db/client";
import { notificationDeliveries, notificationSubscriptions, stages, teams } from "@/db/schema";
import { recordAudit } from "../audit/record-audit";
import { canActOnTeam, canSeeTeam, hasRole, visibleTeamIds } from "../auth/permissions";
import { withTransaction, type ServiceContext } from "../context";
import { forbidden, notFound, validation } from "../errors";
import { newId } from "../ids";
import { runtimePublicUrl } from "../public-url";
import { requireScope } from "../tokens/tokens";
import { slugSchema } from "../validation";
import { deliverDue, type NotifyConfig } from "./deliver";
import { emitEvent } from "./emit";
import { EVENT_TYPES, isEventType, TEST_EVENT, type EventType } from "./events";
import { generateWebhookSecret } from "./signature";
import { checkWebhookUrl, maskUrl } from "./target-safety";

export const createSubscriptionInput = z.object({
  /** the team whose events are sent; omitted: the organisation's (every event) */
  team: slugSchema.optional(),
  events: z.array(z.enum(EVENT_TYPES)).min(1, "choose at least one event").max(EVENT_TYPES.length),
  /** only events about these stages (events about no stage pass); omitted: every stage */
  stages: z.array(slugSchema).min(1).max(50).optional(),
  channel: z.enum(["webhook", "slack", "email"]),
  /** the URL (webhook, slack) or the address (email) */
  target: z.string().trim().min(1).max(2000),
});
export type CreateSubscriptionInput = z.input<typeof createSubscriptionInput>;

export type SubscriptionView = {
  id: string;
  team: { slug: string; name: string } | null;
  channel: "webhook" | "slack" | "email";
  target: string;
  events: EventType[];
  stages: string[] | null;
  createdBy: string;
  createdAt: string;
  deliveries: { pending: number; delivered: number; failed: number; lastDeliveredAt: string | null };
  lastFailure: { at: string; error: string } | null;
};

export type CreatedSubscription = { subscription: SubscriptionView; secret: string | null };

type SubRow = typeof notificationSubscriptions.$inferSelect;

/** Who may change a subscription: its team's developers (and tokens with notifications:write), or security staff. */
function requireManage(ctx: ServiceContext, teamId: string | null): void {
  const a = ctx.actor;
  if (a.type === "token") {
    requireScope(a, "notifications:write");
    if (a.serviceIds) throw forbidden("A token bound to some services cannot manage its team's subscriptions.");
    if (teamId === null) throw forbidden("A token cannot manage the organisation's subscriptions; sign in.");
    if (a.teamId !== teamId) throw notFound("Subscription");
    return;
  }
  if (teamId === null) {
    if (!hasRole(a, "security")) throw forbidden("Only security staff and admins subscribe to every team's events.");
    return;
  }
  if (!canSeeTeam(a, teamId)) throw notFound("Team");
  if (!canActOnTeam(a, teamId)) throw forbidden("Viewers cannot change notifications.");
}

const EMAIL = z.email();

function checkTarget(
  channel: "webhook" | "slack" | "email",
  target: string,
  cfg: NotifyConfig,
): { target: string; label: string } {
  if (channel === "email") {
    if (!EMAIL.safeParse(target).success) throw validation(`"${target}" is not an e-mail address.`);
    if (!cfg.smtp)
      throw validation("E-mail is not configured on this server: set GATEHOUSE_SMTP_URL.", {}, "email-not-configured");
    return { target, label: target };
  }
  const url = checkWebhookUrl(target, cfg.allowHosts);
  return { target: url.toString(), label: maskUrl(url, channel) };
}

export async function createSubscription(
  ctx: ServiceContext,
  raw: CreateSubscriptionInput,
  cfg: NotifyConfig,
): Promise<CreatedSubscription> {
  if (ctx.actor.type === "token") requireScope(ctx.actor, "notifications:write");
  const input = createSubscriptionInput.parse(raw);
  return withTransaction(ctx, async (tx) => {
    let team: { id: string; slug: string; name: string } | null = null;
    if (input.team) {
      const [t] = await tx.db
        .select({ id: teams.id, slug: teams.slug, name: teams.name })
        .from(teams)
        .where(eq(teams.slug, input.team));
      team = t ?? null;
      if (!team || !canSeeTeam(tx.actor, team.id)) throw notFound(`Team "${input.team}"`);
    }
    requireManage(tx, team?.id ?? null);
    if (input.stages) {
      const known = new Set((await tx.db.select({ slug: stages.slug }).from(stages)).map((s) => s.slug));
      const unknown = input.stages.filter((s) => !known.has(s));
      if (unknown.length) throw validation(`Unknown stage${unknown.length > 1 ? "s" : ""}: ${unknown.join(", ")}.`);
    }
    const { target, label } = checkTarget(input.channel, input.target, cfg);
    const secret = input.channel === "webhook" ? generateWebhookSecret() : null;
    const now = tx.now();
    const [row] = await tx.db
      .insert(notificationSubscriptions)
      .values({
        id: newId("subscription", now.getTime()),
        teamId: team?.id ?? null,
        channel: input.channel,
        target,
        targetLabel: label,
        secret,
        events: [...new Set(input.events)].sort(),
        stages: input.stages ? [...new Set(input.stages)].sort() : null,
        createdBy: tx.actor.label,
        createdAt: now,
      })
      .returning();
    await recordAudit(tx, {
      action: "notification.subscribe",
      targetType: "notification_subscription",
      targetId: row!.id,
      teamId: team?.id ?? null,
      after: auditView(row!, team?.slug ?? null),
    });
    return { subscription: view(row!, team, emptyStats), secret };
  });
}

const auditView = (r: SubRow, team: string | null) => ({
  team: team ?? "(organisation)",
  channel: r.channel,
  target: r.targetLabel,
  events: r.events,
  stages: r.stages,
});

const emptyStats = { pending: 0, delivered: 0, failed: 0, lastDeliveredAt: null, lastFailure: null };
type Stats = SubscriptionView["deliveries"] & { lastFailure: SubscriptionView["lastFailure"] };

const view = (r: SubRow, team: { slug: string; name: string } | null, s: Stats): SubscriptionView => ({
  id: r.id,
  team: team ? { slug: team.slug, name: team.name } : null,
  channel: r.channel,
  target: r.targetLabel,
  // The input schema admits only known event types; the filter keeps the type honest.
  events: r.events.filter(isEventType),
  stages: r.stages,
  createdBy: r.createdBy,
  createdAt: r.createdAt.toISOString(),
  deliveries: { pending: s.pending, delivered: s.delivered, failed: s.failed, lastDeliveredAt: s.lastDeliveredAt },
  lastFailure: s.lastFailure,
});

/** The subscriptions the caller sees: their teams'; the organisation's for security staff. */
function visibleSubscriptions(ctx: ServiceContext): SQL | undefined {
  const a = ctx.actor;
  if (a.type === "token") {
    if (a.serviceIds) throw forbidden("A token bound to some services cannot read its team's subscriptions.");
    return eq(notificationSubscriptions.teamId, a.teamId);
  }
  const teamsSeen = visibleTeamIds(a);
  const org = hasRole(a, "security");
  if (teamsSeen === null) return undefined;
  const own = teamsSeen.length ? inArray(notificationSubscriptions.teamId, teamsSeen) : sql`false`;
  return org ? or(own, isNull(notificationSubscriptions.teamId)) : own;
}

export const listSubscriptionsInput = z.object({ team: slugSchema.optional() });

export async function listSubscriptions(
  ctx: ServiceContext,
  raw: z.input<typeof listSubscriptionsInput> = {},
): Promise<SubscriptionView[]> {
  if (ctx.actor.type === "token" && !ctx.actor.scopes.includes("notifications:write")) requireScope(ctx.actor, "read");
  const f = listSubscriptionsInput.parse(raw);
  let teamId: string | undefined;
  if (f.team) {
    const [t] = await ctx.db.select({ id: teams.id }).from(teams).where(eq(teams.slug, f.team));
    if (!t || !canSeeTeam(ctx.actor, t.id)) throw notFound(`Team "${f.team}"`);
    teamId = t.id;
  }
  const rows = await ctx.db
    .select({ s: notificationSubscriptions, slug: teams.slug, name: teams.name })
    .from(notificationSubscriptions)
    .leftJoin(teams, eq(teams.id, notificationSubscriptions.teamId))
    .where(
      and(
        isNull(notificationSubscriptions.removedAt),
        visibleSubscriptions(ctx),
        teamId ? eq(notificationSubscriptions.teamId, teamId) : undefined,
      ),
    )
    .orderBy(teams.slug, notificationSubscriptions.createdAt)
    .limit(500);
  const stats = await statsOf(
    ctx,
    rows.map((r) => r.s.id),
  );
  return rows.map((r) => view(r.s, r.slug ? { slug: r.slug, name: r.name! } : null, stats.get(r.s.id) ?? emptyStats));
}

async function statsOf(ctx: ServiceContext, ids: string[]): Promise<Map<string, Stats>> {
  if (ids.length === 0) return new Map();
  const list = `{${ids.join(",")}}`;
  const [counts, failures] = await Promise.all([
    queryRows<{ id: string; pending: number; delivered: number; failed: number; last: string | Date | null }>(
      ctx.db,
      sql`select subscription_id as id,
                 count(*) filter (where status = 'pending')::int as pending,
                 count(*) filter (where status = 'delivered')::int as delivered,
                 count(*) filter (where status = 'failed')::int as failed,
                 max(delivered_at) as last
          from notification_deliveries where subscription_id = any(${list}::text[]) group by subscription_id`,
    ),
    queryRows<{ id: string; at: string | Date; error: string }>(
      ctx.db,
      sql`select distinct on (subscription_id) subscription_id as id, last_attempt_at as at, last_error as error
          from notification_deliveries
          where subscription_id = any(${list}::text[]) and last_error is not null
          order by subscription_id, last_attempt_at desc`,
    ),
  ]);
  const out = new Map<string, Stats>();
  for (const c of counts)
    out.set(c.id, {
      pending: Number(c.pending),
      delivered: Number(c.delivered),
      failed: Number(c.failed),
      lastDeliveredAt: c.last ? new Date(c.last).toISOString() : null,
      lastFailure: null,
    });
  for (const f of failures) {
    const s = out.get(f.id);
    if (s) s.lastFailure = { at: new Date(f.at).toISOString(), error: f.error };
  }
  return out;
}

/** A subscription the caller may see, locked for a change when `forChange`. */
async function loadSubscription(
  ctx: ServiceContext,
  id: string,
  forChange: boolean,
): Promise<SubRow & { teamSlug: string | null }> {
  const q = ctx.db
    .select({ s: notificationSubscriptions, slug: teams.slug })
    .from(notificationSubscriptions)
    .leftJoin(teams, eq(teams.id, notificationSubscriptions.teamId))
    .where(and(eq(notificationSubscriptions.id, id), isNull(notificationSubscriptions.removedAt), visibleSubscriptions(ctx)))
    .limit(1);
  const [r] = forChange ? await q.for("update", { of: notificationSubscriptions }) : await q;
  if (!r) throw notFound(`Subscription "${id}"`);
  return { ...r.s, teamSlug: r.slug };
}

export async function removeSubscription(ctx: ServiceContext, id: string): Promise<{ id: string; removed: true }> {
  if (ctx.actor.type === "token") requireScope(ctx.actor, "notifications:write");
  return withTransaction(ctx, async (tx) => {
    const sub = await loadSubscription(tx, id, true);
    requireManage(tx, sub.teamId);
    const now = tx.now();
    await tx.db
      .update(notificationSubscriptions)
      .set({ removedAt: now, removedBy: tx.actor.label })
      .where(eq(notificationSubscriptions.id, id));
    // What was still waiting is not sent to a target its owner took away.
    await tx.db
      .update(notificationDeliveries)
      .set({ status: "failed", lastError: "the subscription was removed", leaseUntil: null, leaseOwner: null })
      .where(and(eq(notificationDeliveries.subscriptionId, id), eq(notificationDeliveries.status, "pending")));
    await recordAudit(tx, {
      action: "notification.unsubscribe",
      targetType: "notification_subscription",
      targetId: id,
      teamId: sub.teamId,
      before: auditView(sub, sub.teamSlug),
    });
    return { id, removed: true as const };
  });
}

export type TestResult = { deliveryId: string; ok: boolean; status: number | null; error: string | null };

/** Sends a test event to one subscription at once and says how it went (it is recorded like any delivery). */
export async function testSubscription(ctx: ServiceContext, id: string, cfg: NotifyConfig): Promise<TestResult> {
  if (ctx.actor.type === "token") requireScope(ctx.actor, "notifications:write");
  const deliveryId = await withTransaction(ctx, async (tx) => {
    const sub = await loadSubscription(tx, id, true);
    requireManage(tx, sub.teamId);
    const eventId = await emitEvent(
      tx,
      {
        type: TEST_EVENT,
        teamId: sub.teamId,
        serviceId: null,
        stage: null,
        data: {
          summary: `Test from Gatehouse for subscription ${id}, sent by ${tx.actor.label}`,
          url: `${runtimePublicUrl()}/settings/notifications`,
          subscription: id,
        },
      },
      id,
    );
    await recordAudit(tx, {
      action: "notification.test",
      targetType: "notification_subscription",
      targetId: id,
      teamId: sub.teamId,
      after: { event: eventId, target: sub.targetLabel },
    });
    const [d] = await tx.db
      .select({ id: notificationDeliveries.id })
      .from(notificationDeliveries)
      .where(eq(notificationDeliveries.eventId, eventId));
    return d!.id;
  });
  await deliverDue(ctx, cfg, { only: deliveryId, maxBatches: 1 });
  const [d] = await ctx.db
    .select({
      status: notificationDeliveries.status,
      lastStatus: notificationDeliveries.lastStatus,
      error: notificationDeliveries.lastError,
    })
    .from(notificationDeliveries)
    .where(eq(notificationDeliveries.id, deliveryId));
  return { deliveryId, ok: d?.status === "delivered", status: d?.lastStatus ?? null, error: d?.error ?? null };
}

export type DeliveryView = {
  id: string;
  event: string;
  summary: string;
  status: "pending" | "delivered" | "failed";
  attempts: number;
  createdAt: string;
  lastAttemptAt: string | null;
  lastStatus: number | null;
  lastError: string | null;
  nextAttemptAt: string | null;
  deliveredAt: string | null;
};

export const listDeliveriesInput = z.object({
  id: z.string().trim().min(1).max(100),
  status: z.enum(["pending", "delivered", "failed"]).optional(),
  limit: z.number().int().min(1).max(200).default(25),
});

/** A subscription's newest deliveries, what each attempt answered, and what failed for good. */
export async function listDeliveries(ctx: ServiceContext, raw: z.input<typeof listDeliveriesInput>): Promise<DeliveryView[]> {
  if (ctx.actor.type === "token" && !ctx.actor.scopes.includes("notifications:write")) requireScope(ctx.actor, "read");
  const f = listDeliveriesInput.parse(raw);
  await loadSubscription(ctx, f.id, false);
  const rows = await queryRows<Record<string, unknown>>(
    ctx.db,
    sql`select d.id, e.type, e.payload->'data'->>'summary' as summary, d.status, d.attempts, d.created_at, d.last_attempt_at,
               d.last_status, d.last_error, d.next_attempt_at, d.delivered_at
        from notification_deliveries d join notification_events e on e.id = d.event_id
        where d.subscription_id = ${f.id} ${f.status ? sql`and d.status = ${f.status}` : sql``}
        order by d.created_at desc, d.id desc limit ${f.limit}`,
  );
  const iso = (v: unknown) => (v === null || v === undefined ? null : new Date(v as string).toISOString());
  return rows.map((r) => ({
    id: String(r.id),
    event: String(r.type),
    summary: String(r.summary ?? ""),
    status: r.status as DeliveryView["status"],
    attempts: Number(r.attempts),
    createdAt: iso(r.created_at)!,
    lastAttemptAt: iso(r.last_attempt_at),
    lastStatus: r.last_status === null ? null : Number(r.last_status),
    lastError: (r.last_error as string | null) ?? null,
    nextAttemptAt: r.status === "pending" ? iso(r.next_attempt_at) : null,
    deliveredAt: iso(r.delivered_at),
  }));
}

/** What the settings form offers this person: the teams they may subscribe, and whether e-mail works. */
export async function subscriptionOptions(
  ctx: ServiceContext,
  cfg: NotifyConfig,
): Promise<{
  teams: { slug: string; name: string }[];
  organisation: boolean;
  email: boolean;
  events: string[];
  stages: string[];
}> {
  const all = await ctx.db.select({ id: teams.id, slug: teams.slug, name: teams.name }).from(teams).orderBy(teams.slug);
  const stageRows = await ctx.db.select({ slug: stages.slug }).from(stages).orderBy(stages.position);
  return {
    teams: all.filter((t) => canActOnTeam(ctx.actor, t.id)).map(({ slug, name }) => ({ slug, name })),
    organisation: hasRole(ctx.actor, "security"),
    email: cfg.smtp !== null,
    events: [...EVENT_TYPES],
    stages: stageRows.map((s) => s.slug),
  };
}
