import type { SQL } from "drizzle-orm";
import { auditEvents } from "@/db/schema";
import type { ServiceContext } from "../context";
import { actorId } from "../context";
import { newId } from "../ids";

export type AuditInput = {
  action: string;
  targetType?: string;
  targetId?: string;
  teamId?: string | null;
  before?: unknown;
  after?: unknown;
};

/** Indexed text stays well under PostgreSQL's b-tree row limit (2,704 bytes) whatever a caller put in a path. */
const MAX_INDEXED_CHARS = 512;
const bounded = (s: string | undefined): string | null =>
  s === undefined ? null : s.length > MAX_INDEXED_CHARS ? `${s.slice(0, MAX_INDEXED_CHARS - 1)}…` : s;

/** The audit event's insert, for a statement that writes it together with the change it describes. */
export function auditInsert(ctx: ServiceContext, e: AuditInput): SQL {
  return ctx.db
    .insert(auditEvents)
    .values({
      id: newId("audit", ctx.now().getTime()),
      at: ctx.now(),
      actorType: ctx.actor.type,
      actorId: actorId(ctx.actor),
      actorLabel: ctx.actor.label,
      action: bounded(e.action)!,
      targetType: e.targetType ?? null,
      targetId: bounded(e.targetId),
      teamId: e.teamId ?? null,
      before: e.before ?? null,
      after: e.after ?? null,
      ip: ctx.ip ?? null,
      requestId: ctx.requestId ?? null,
    })
    .getSQL();
}

/** Writes an audit event with ctx's transaction: if it fails, the change it describes fails too. */
export async function recordAudit(ctx: ServiceContext, e: AuditInput): Promise<void> {
  await ctx.db.execute(auditInsert(ctx, e));
}
