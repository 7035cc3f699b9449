// The audit trail as NDJSON, oldest first, read in keyset pages so that any size streams in constant memory.
import { and, asc, getTableColumns, gte, lt, sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import { auditEvents } from "@/db/schema";
import { requireRole } from "../auth/permissions";
import { withTransaction, type ServiceContext } from "../context";
import { recordAudit } from "./record-audit";
import { stripSecrets } from "./strip-secrets";

const instant = z.union([z.iso.datetime({ offset: true }), z.iso.date()]).transform((s) => new Date(s));

export const exportAuditInput = z
  .object({
    /** inclusive */
    since: instant.optional(),
    /** exclusive */
    until: instant.optional(),
    limit: z.coerce.number().int().min(1).max(1_000_000).optional(),
  })
  .refine((v) => !v.since || !v.until || v.since < v.until, { message: "since must be before until", path: ["since"] });

/** exportAuditInput's output: transports parse their own strings with it. */
export type ExportAuditOptions = z.output<typeof exportAuditInput>;

export type AuditLine = {
  id: string;
  at: string;
  actorType: string;
  actorId: string | null;
  actorLabel: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  teamId: string | null;
  before: unknown;
  after: unknown;
  ip: string | null;
  requestId: string | null;
};

const PAGE = 500;

/**
 * Authorizes (security or admin, or an operator), records that the trail was exported, and returns
 * the events to stream. Nothing is read until the caller iterates.
 */
export async function openAuditExport(ctx: ServiceContext, input: ExportAuditOptions): Promise<AsyncIterable<AuditLine>> {
  requireRole(ctx.actor, "security");
  await withTransaction(ctx, (tx) =>
    recordAudit(tx, {
      action: "audit.export",
      targetType: "audit",
      after: { since: input.since ?? null, until: input.until ?? null, limit: input.limit ?? null },
    }),
  );
  return readEvents(ctx, input);
}

async function* readEvents(ctx: ServiceContext, input: ExportAuditOptions): AsyncGenerator<AuditLine> {
  let remaining = input.limit ?? Number.POSITIVE_INFINITY;
  // The cursor keeps the database's own text of the timestamp: a Date would drop microseconds.
  let cursor: { at: string; id: string } | undefined;
  while (remaining > 0) {
    const conditions: (SQL | undefined)[] = [];
    if (input.since) conditions.push(gte(auditEvents.at, input.since));
    if (input.until) conditions.push(lt(auditEvents.at, input.until));
    if (cursor) conditions.push(sql`(${auditEvents.at}, ${auditEvents.id}) > (${cursor.at}::timestamptz, ${cursor.id})`);
    const rows = await ctx.db
      .select({ ...getTableColumns(auditEvents), atText: sql<string>`${auditEvents.at}::text` })
      .from(auditEvents)
      .where(conditions.length ? and(...conditions) : undefined)
      .orderBy(asc(auditEvents.at), asc(auditEvents.id))
      .limit(Math.min(PAGE, remaining));
    for (const r of rows) {
      yield {
        id: r.id,
        at: r.at.toISOString(),
        actorType: r.actorType,
        actorId: r.actorId,
        actorLabel: r.actorLabel,
        action: r.action,
        targetType: r.targetType,
        targetId: r.targetId,
        teamId: r.teamId,
        before: stripSecrets(r.before),
        after: stripSecrets(r.after),
        ip: r.ip,
        requestId: r.requestId,
      };
    }
    remaining -= rows.length;
    const last = rows.at(-1);
    if (!last || rows.length < PAGE) return;
    cursor = { at: last.atText, id: last.id };
  }
}

/** One NDJSON line (with its newline). */
export const ndjsonLine = (line: AuditLine): string => `${JSON.stringify(line)}\n`;
