// Waivers: risk acceptance with a reason, an expiry, a requester and a different approver. The second person is a
// person, not a credential: machine tokens request (their requests count as their creator's) and never approve;
// approval is a signed-in security person's or admin's who is not the requester. A false positive expires too.
import { and, desc, eq, gt, inArray, isNotNull, isNull, lte, or, sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import { services, teams, waivers } from "@/db/schema";
import { recordAudit } from "../audit/record-audit";
import { withTransaction, type ServiceContext } from "../context";
import { conflict, DomainError, forbidden, notFound } from "../errors";
import { newId } from "../ids";
import { canActOnTeam, canSeeTeam, hasRole, requireRole, visibleTeamIds } from "../auth/permissions";
import { onWaiverChanged } from "../recheck/triggers";
import { multilineTextSchema, singleLineSchema } from "../validation";
import { serviceForActor } from "../services/access";
import { requireScope } from "../tokens/tokens";
import { slugSchema } from "../validation";
import { WAIVER_STATUSES, type WaiverStatus } from "./waiver-status";

export const DEFAULT_MAX_WAIVER_DAYS = 90;
/** A false-positive mark is re-examined at least once a year: it expires, at most this many days after it is made. */
export const MAX_FALSE_POSITIVE_DAYS = 365;

export const createWaiverInput = z
  .object({
    /** a service slug, or omitted for every service (security staff, admins and operators only) */
    service: slugSchema.optional(),
    match: z.object({
      type: z.enum(["fingerprint", "vulnerability", "rule"]),
      value: singleLineSchema(500),
    }),
    stages: z.array(slugSchema).min(1).max(20).optional(),
    kind: z.enum(["waiver", "false_positive"]).default("waiver"),
    reason: multilineTextSchema(2000).pipe(z.string().min(10, "explain the risk acceptance in at least 10 characters")),
    /** required for a waiver; a false positive defaults to (and may last at most) MAX_FALSE_POSITIVE_DAYS */
    expiresInDays: z.number().int().min(1).optional(),
    /** only Gatehouse itself (the demo loader) creates an approved waiver at once; everyone else asks a second person */
    approve: z.boolean().default(false),
  })
  .refine((w) => w.kind === "false_positive" || w.expiresInDays !== undefined, {
    message: "a waiver needs an expiry (expiresInDays)",
    path: ["expiresInDays"],
  })
  .refine((w) => w.kind === "waiver" || w.expiresInDays === undefined || w.expiresInDays <= MAX_FALSE_POSITIVE_DAYS, {
    message: `a false positive expires within ${MAX_FALSE_POSITIVE_DAYS} days`,
    path: ["expiresInDays"],
  });

export type WaiverView = {
  id: string;
  service: string | null;
  match: { type: "fingerprint" | "vulnerability" | "rule"; value: string };
  stages: string[] | null;
  kind: "waiver" | "false_positive";
  reason: string;
  status: "pending" | "active" | "expired" | "revoked";
  expiresAt: string | null;
  createdBy: string;
  createdAt: string;
  approvedBy: string | null;
  approvedAt: string | null;
  revokedBy: string | null;
  revokedAt: string | null;
};

type Row = typeof waivers.$inferSelect;

export function waiverStatus(w: Pick<Row, "approvedAt" | "revokedAt" | "expiresAt">, now: Date): WaiverView["status"] {
  if (w.revokedAt) return "revoked";
  if (w.expiresAt && w.expiresAt <= now) return "expired";
  return w.approvedAt ? "active" : "pending";
}

const view = (w: Row, serviceSlug: string | null, now: Date): WaiverView => ({
  id: w.id,
  service: serviceSlug,
  match: { type: w.matchType, value: w.matchValue },
  stages: w.stages,
  kind: w.kind,
  reason: w.reason,
  status: waiverStatus(w, now),
  expiresAt: w.expiresAt?.toISOString() ?? null,
  createdBy: w.createdBy,
  createdAt: w.createdAt.toISOString(),
  approvedBy: w.approvedBy,
  approvedAt: w.approvedAt?.toISOString() ?? null,
  revokedBy: w.revokedBy,
  revokedAt: w.revokedAt?.toISOString() ?? null,
});

/** The person a request counts as: a signed-in user, or the person who made the token; null for the console. */
function requesterOf(actor: ServiceContext["actor"]): string | null {
  if (actor.type === "user") return actor.id;
  if (actor.type === "token") return actor.creatorId;
  return null;
}

export async function createWaiver(
  ctx: ServiceContext,
  raw: z.input<typeof createWaiverInput>,
  opts: { maxDays?: number } = {},
): Promise<WaiverView> {
  requireScope(ctx.actor, "waivers:write");
  const input = createWaiverInput.parse(raw);
  const falsePositive = input.kind === "false_positive";
  const maxDays = falsePositive ? MAX_FALSE_POSITIVE_DAYS : (opts.maxDays ?? DEFAULT_MAX_WAIVER_DAYS);
  const days = input.expiresInDays ?? MAX_FALSE_POSITIVE_DAYS;
  if (days > maxDays) {
    throw new DomainError(
      "bad_request",
      `A ${falsePositive ? "false-positive mark" : "waiver"} may last at most ${maxDays} days (asked: ${days}).`,
      "validation-error",
    );
  }
  const actor = ctx.actor;
  if (input.approve && actor.type !== "system") {
    throw forbidden("A waiver is approved by a second person: request it, and a security reviewer (not you) approves it.");
  }
  // A mark across every service (a whole rule or CVE, everywhere) is the security team's call.
  if (!input.service && actor.type === "token")
    throw forbidden("A token can only waive findings of its own team's services; name the service.");
  if (!input.service && actor.type === "user" && !hasRole(actor, "security"))
    throw forbidden("Only security staff and admins waive or mark a finding for every service.");
  return withTransaction(ctx, async (tx) => {
    const svc = input.service ? await serviceForActor(tx, input.service, "waive findings of") : null;
    if (svc && tx.actor.type === "user" && !canActOnTeam(tx.actor, svc.teamId))
      throw forbidden("Viewers cannot request waivers.");
    const now = tx.now();
    const approved = input.approve;
    const [row] = await tx.db
      .insert(waivers)
      .values({
        id: newId("waiver", now.getTime()),
        teamId: svc?.teamId ?? null,
        serviceId: svc?.id ?? null,
        matchType: input.match.type,
        matchValue: input.match.value,
        stages: input.stages ?? null,
        kind: input.kind,
        reason: input.reason,
        expiresAt: new Date(now.getTime() + days * 86_400_000),
        createdBy: tx.actor.label,
        requestedByUserId: requesterOf(tx.actor),
        createdAt: now,
        approvedBy: approved ? tx.actor.label : null,
        approvedAt: approved ? now : null,
      })
      .returning();
    await recordAudit(tx, {
      action: "waiver.create",
      targetType: "waiver",
      targetId: row!.id,
      teamId: svc?.teamId ?? null,
      after: row,
    });
    await onWaiverChanged(tx, approved ? "approved" : "requested", row!);
    return view(row!, svc?.slug ?? null, now);
  });
}

async function loadForChange(tx: ServiceContext, id: string): Promise<{ row: Row; slug: string | null }> {
  const [r] = await tx.db
    .select({ w: waivers, slug: services.slug })
    .from(waivers)
    .leftJoin(services, eq(services.id, waivers.serviceId))
    .where(eq(waivers.id, id))
    .for("update", { of: waivers })
    .limit(1);
  const actor = tx.actor;
  if (
    !r ||
    (actor.type === "token" &&
      (r.w.teamId !== actor.teamId || (actor.serviceIds && (!r.w.serviceId || !actor.serviceIds.includes(r.w.serviceId)))))
  ) {
    throw notFound(`Waiver "${id}"`);
  }
  return { row: r.w, slug: r.slug };
}

/**
 * Approves a pending waiver. Only a person does: a signed-in security person or admin (an operator at the console
 * names one with `waiver approve --as <email>`), and never the one who asked, whether they asked themselves or
 * through a token they made. `via` records the channel (e.g. the operator's console account) in the audit event.
 */
export async function approveWaiver(ctx: ServiceContext, id: string, opts: { via?: string } = {}): Promise<WaiverView> {
  const actor = ctx.actor;
  if (actor.type === "token")
    throw new DomainError(
      "forbidden",
      "Machine tokens request waivers but never approve them: a security reviewer approves, signed in.",
      "approval-needs-person",
    );
  if (actor.type !== "user")
    throw new DomainError(
      "forbidden",
      "A waiver is approved by a person: sign in, or at the console name the security reviewer (waiver approve <id> --as <email>).",
      "approval-needs-person",
    );
  requireRole(actor, "security");
  return withTransaction(ctx, async (tx) => {
    const { row, slug } = await loadForChange(tx, id);
    const now = tx.now();
    const status = waiverStatus(row, now);
    if (status !== "pending")
      throw conflict(`Waiver ${id} is ${status}; only a pending waiver can be approved.`, "waiver-not-pending");
    if (row.requestedByUserId === actor.id || row.createdBy === actor.label)
      throw new DomainError(
        "forbidden",
        "The requester of a waiver cannot approve it (a token's request counts as the request of the person who made the token).",
        "own-request",
      );
    const [updated] = await tx.db
      .update(waivers)
      .set({ approvedBy: actor.label, approvedByUserId: actor.id, approvedAt: now })
      .where(eq(waivers.id, id))
      .returning();
    await recordAudit(tx, {
      action: "waiver.approve",
      targetType: "waiver",
      targetId: id,
      teamId: row.teamId,
      before: row,
      after: opts.via ? { ...updated, via: opts.via } : updated,
    });
    await onWaiverChanged(tx, "approved", updated!);
    return view(updated!, slug, now);
  });
}

/** Revokes a waiver: security staff, admins and operators; a token with waivers:write for its own services' waivers. */
export async function revokeWaiver(ctx: ServiceContext, id: string): Promise<WaiverView> {
  requireScope(ctx.actor, "waivers:write");
  if (ctx.actor.type === "user") requireRole(ctx.actor, "security");
  return withTransaction(ctx, async (tx) => {
    const { row, slug } = await loadForChange(tx, id);
    const now = tx.now();
    if (row.revokedAt) throw conflict(`Waiver ${id} is already revoked.`, "waiver-revoked");
    const [updated] = await tx.db
      .update(waivers)
      .set({ revokedBy: tx.actor.label, revokedAt: now })
      .where(eq(waivers.id, id))
      .returning();
    await recordAudit(tx, {
      action: "waiver.revoke",
      targetType: "waiver",
      targetId: id,
      teamId: row.teamId,
      before: row,
      after: updated,
    });
    await onWaiverChanged(tx, "revoked", updated!);
    return view(updated!, slug, now);
  });
}

export async function listWaivers(ctx: ServiceContext, filter: { service?: string } = {}): Promise<WaiverView[]> {
  if (ctx.actor.type === "token" && !ctx.actor.scopes.includes("waivers:write")) requireScope(ctx.actor, "read");
  const svc = filter.service ? await serviceForActor(ctx, filter.service, "read") : null;
  const actor = ctx.actor;
  const where = svc
    ? or(eq(waivers.serviceId, svc.id), isNull(waivers.serviceId))
    : actor.type === "token"
      ? or(eq(waivers.teamId, actor.teamId), isNull(waivers.serviceId))
      : undefined;
  const rows = await ctx.db
    .select({ w: waivers, slug: services.slug })
    .from(waivers)
    .leftJoin(services, eq(services.id, waivers.serviceId))
    .where(where)
    .orderBy(desc(waivers.createdAt))
    .limit(1000);
  const now = ctx.now();
  return rows
    .filter((r) => !(actor.type === "token" && actor.serviceIds && r.w.serviceId && !actor.serviceIds.includes(r.w.serviceId)))
    .map((r) => view(r.w, r.slug, now));
}

export { WAIVER_STATUSES, type WaiverStatus };

export const waiversFilter = z.object({
  status: z.enum(WAIVER_STATUSES).optional(),
  /** waivers that apply to this service: its own and those for every service */
  service: slugSchema.optional(),
  /** waivers of this team's services */
  team: slugSchema.optional(),
  page: z.number().int().min(1).max(100_000).default(1),
  pageSize: z.number().int().min(1).max(100).default(25),
});
export type WaiversFilter = z.input<typeof waiversFilter>;

export type WaiverListItem = WaiverView & { team: string | null };
export type WaiverPage = {
  items: WaiverListItem[];
  total: number;
  page: number;
  pageSize: number;
  pages: number;
  /** how many waivers of each status match the other filters (for tabs) */
  counts: Record<WaiverStatus, number>;
};

/** The SQL twin of waiverStatus(): the same four states, decided by the database at `now`. */
function statusIs(status: WaiverStatus, now: Date): SQL {
  const live = and(isNull(waivers.revokedAt), or(isNull(waivers.expiresAt), gt(waivers.expiresAt, now)));
  switch (status) {
    case "revoked":
      return isNotNull(waivers.revokedAt);
    case "expired":
      return and(isNull(waivers.revokedAt), lte(waivers.expiresAt, now))!;
    case "active":
      return and(live, isNotNull(waivers.approvedAt))!;
    case "pending":
      return and(live, isNull(waivers.approvedAt))!;
  }
}

/**
 * A page of waivers filtered by status, service and team. Developers and viewers see their teams' waivers
 * (and those for every service, which apply to theirs); security staff and admins see all of them.
 */
export async function findWaivers(ctx: ServiceContext, raw: WaiversFilter = {}): Promise<WaiverPage> {
  if (ctx.actor.type === "token" && !ctx.actor.scopes.includes("waivers:write")) requireScope(ctx.actor, "read");
  const f = waiversFilter.parse(raw);
  const actor = ctx.actor;
  const now = ctx.now();
  const scope: (SQL | undefined)[] = [];
  const visible = visibleTeamIds(actor);
  if (visible) scope.push(or(isNull(waivers.serviceId), visible.length ? inArray(waivers.teamId, visible) : sql`false`));
  if (actor.type === "token" && actor.serviceIds)
    scope.push(
      or(isNull(waivers.serviceId), actor.serviceIds.length ? inArray(waivers.serviceId, actor.serviceIds) : sql`false`),
    );
  if (f.team) {
    const [team] = await ctx.db.select({ id: teams.id }).from(teams).where(eq(teams.slug, f.team)).limit(1);
    if (!team || !canSeeTeam(actor, team.id)) throw notFound(`Team "${f.team}"`);
    scope.push(eq(waivers.teamId, team.id));
  }
  if (f.service) {
    const svc = await serviceForActor(ctx, f.service, "read");
    scope.push(or(eq(waivers.serviceId, svc.id), isNull(waivers.serviceId)));
  }
  const countOf = (s: WaiverStatus) => sql<number>`count(*) filter (where ${statusIs(s, now)})`.mapWith(Number);
  const where = and(...scope, f.status ? statusIs(f.status, now) : undefined);
  const [rows, totals] = await Promise.all([
    ctx.db
      .select({ w: waivers, slug: services.slug, team: teams.slug })
      .from(waivers)
      .leftJoin(services, eq(services.id, waivers.serviceId))
      .leftJoin(teams, eq(teams.id, waivers.teamId))
      .where(where)
      .orderBy(desc(waivers.createdAt), desc(waivers.id))
      .limit(f.pageSize)
      .offset((f.page - 1) * f.pageSize),
    ctx.db
      .select({
        pending: countOf("pending"),
        active: countOf("active"),
        expired: countOf("expired"),
        revoked: countOf("revoked"),
      })
      .from(waivers)
      .where(and(...scope)),
  ]);
  const counts = totals[0] ?? { pending: 0, active: 0, expired: 0, revoked: 0 };
  const total = f.status ? counts[f.status] : WAIVER_STATUSES.reduce((n, s) => n + counts[s], 0);
  return {
    items: rows.map((r) => ({ ...view(r.w, r.slug, now), team: r.team })),
    total,
    page: f.page,
    pageSize: f.pageSize,
    pages: Math.max(1, Math.ceil(total / f.pageSize)),
    counts,
  };
}

/** Approved, unrevoked waivers that may apply to this service at this stage (expiry is the evaluator's job). */
export async function waiversFor(ctx: Pick<ServiceContext, "db">, serviceId: string, stage: string): Promise<Row[]> {
  const rows = await ctx.db
    .select()
    .from(waivers)
    .where(and(or(eq(waivers.serviceId, serviceId), isNull(waivers.serviceId)), isNull(waivers.revokedAt)));
  return rows.filter((w) => w.approvedAt && (!w.stages || w.stages.includes(stage)));
}
