import { Params, rawRows } from "@/db/client";
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

/**
 * The audit event's insert, for a statement that writes it together with the change it describes; with `guard` (a
 * relation's name), only if that relation has a row. Written as text (rawRows): every mutation writes one.
 */
export function auditInsert(ctx: ServiceContext, e: AuditInput, p: Params, guard?: string): string {
  const at = ctx.now().toISOString();
  const json = (v: unknown) => (v === undefined || v === null ? null : JSON.stringify(v));
  return `insert into audit_events (id, at, actor_type, actor_id, actor_label, action, target_type, target_id, team_id, before, after, ip, request_id)
    select ${p.add(newId("audit", ctx.now().getTime()))}, ${p.add(at)}::timestamptz, ${p.add(ctx.actor.type)}, ${p.add(actorId(ctx.actor))},
      ${p.add(ctx.actor.label)}, ${p.add(bounded(e.action)!)}, ${p.add(e.targetType ?? null)}, ${p.add(bounded(e.targetId))},
      ${p.add(e.teamId ?? null)}, ${p.add(json(e.before))}::jsonb, ${p.add(json(e.after))}::jsonb, ${p.add(ctx.ip ?? null)},
      ${p.add(ctx.requestId ?? null)} ${guard ? `from ${guard}` : ""}`;
}

/** Writes an audit event with ctx's transaction: if it fails, the change it describes fails too. */
export async function recordAudit(ctx: ServiceContext, e: AuditInput): Promise<void> {
  const p = new Params();
  await rawRows(ctx.db, auditInsert(ctx, e, p), p.values);
}
