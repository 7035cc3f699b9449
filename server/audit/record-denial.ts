// Refusals are part of the audit trail: a denied change is rolled back, its denial is kept.
import { is } from "drizzle-orm";
import { PgTransaction } from "drizzle-orm/pg-core";
import { DomainError } from "../errors";
import { withTransaction, type ServiceContext } from "../context";
import { recordAudit, type AuditInput } from "./record-audit";

export const DENIAL_ACTION = "access.denied";

export type DenialInput = {
  /** what was attempted, e.g. "token.rotate" or "POST /api/v1/scans" */
  action: string;
  targetType?: string;
  targetId?: string;
  /** the problem type, e.g. "insufficient-scope" */
  reason: string;
};

/**
 * Writes an access.denied event in its own transaction. Call it with a context outside any
 * transaction (after the denied one rolled back): inside one it would be rolled back too, and on
 * the embedded database it would wait for the open transaction forever.
 */
export async function recordDenial(ctx: ServiceContext, d: DenialInput): Promise<void> {
  if (is(ctx.db, PgTransaction)) throw new Error("recordDenial must run outside a transaction");
  await withTransaction(ctx, (tx) => recordAudit(tx, deniedEvent(ctx, d)));
}

/** In the caller's transaction when it runs in one (the record then stays or goes with it), else in its own. */
export async function recordDenialWherever(ctx: ServiceContext, d: DenialInput): Promise<void> {
  if (is(ctx.db, PgTransaction)) await recordAudit(ctx, deniedEvent(ctx, d));
  else await recordDenial(ctx, d);
}

/** The access.denied event itself, for a caller that writes it in a transaction of its own choosing. */
export function deniedEvent(ctx: ServiceContext, d: DenialInput): AuditInput {
  return {
    action: DENIAL_ACTION,
    targetType: d.targetType,
    targetId: d.targetId,
    teamId: ctx.actor.type === "token" && !ctx.actor.org ? ctx.actor.teamId : null,
    after: { action: d.action, reason: d.reason },
  };
}

/** Refusals worth a record: a known caller told "no" (403), "not yours" (404) or "no longer valid" (401). */
export function isDenial(e: unknown): e is DomainError {
  return e instanceof DomainError && (e.code === "forbidden" || e.code === "not_found" || e.code === "unauthorized");
}
