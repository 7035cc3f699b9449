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

/** Writes an audit event with ctx's transaction: if it fails, the change it describes fails too. */
export async function recordAudit(ctx: ServiceContext, e: AuditInput): Promise<void> {
  await ctx.db.insert(auditEvents).values({
    id: newId("audit", ctx.now().getTime()),
    at: ctx.now(),
    actorType: ctx.actor.type,
    actorId: actorId(ctx.actor),
    actorLabel: ctx.actor.label,
    action: e.action,
    targetType: e.targetType ?? null,
    targetId: e.targetId ?? null,
    teamId: e.teamId ?? null,
    before: e.before ?? null,
    after: e.after ?? null,
    ip: ctx.ip ?? null,
    requestId: ctx.requestId ?? null,
  });
}
