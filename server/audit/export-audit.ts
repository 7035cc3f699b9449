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

/** A position in the trail, after which reading resumes. The database's own text of the timestamp keeps its microseconds. */
export type AuditCursor = { at: string; id: string };

/** An audit row as it leaves Gatehouse (export, webhook, dashboard): secrets stripped from before and after. */
export const auditLine = (r: typeof auditEvents.$inferSelect): AuditLine => ({
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
});

/** Up to `limit` events after `cursor` (within since/until), oldest first, secrets stripped. */
export async function readAuditPage(
  ctx: Pick<ServiceContext, "db">,
  opts: { cursor?: AuditCursor; since?: Date; until?: Date; limit: number },
): Promise<{ lines: AuditLine[]; cursor: AuditCursor | undefined }> {
  const conditions: (SQL | undefined)[] = [];
  if (opts.since) conditions.push(gte(auditEvents.at, opts.since));
  if (opts.until) conditions.push(lt(auditEvents.at, opts.until));
  if (opts.cursor)
    conditions.push(sql`(${auditEvents.at}, ${auditEvents.id}) > (${opts.cursor.at}::timestamptz, ${opts.cursor.id})`);
  const rows = await ctx.db
    .select({ ...getTableColumns(auditEvents), atText: sql<string>`${auditEvents.at}::text` })
    .from(auditEvents)
    .where(conditions.length ? and(...conditions) : undefined)
    .orderBy(asc(auditEvents.at), asc(auditEvents.id))
    .limit(opts.limit);
  const lines = rows.map(auditLine);
  const last = rows.at(-1);
  return { lines, cursor: last ? { at: last.atText, id: last.id } : opts.cursor };
}

async function* readEvents(ctx: ServiceContext, input: ExportAuditOptions): AsyncGenerator<AuditLine> {
  let remaining = input.limit ?? Number.POSITIVE_INFINITY;
  let cursor: AuditCursor | undefined;
  while (remaining > 0) {
    const limit = Math.min(PAGE, remaining);
    const page = await readAuditPage(ctx, { cursor, since: input.since, until: input.until, limit });
    yield* page.lines;
    remaining -= page.lines.length;
    if (page.lines.length < limit) return;
    cursor = page.cursor;
  }
}

/** One NDJSON line (with its newline). */
export const ndjsonLine = (line: AuditLine): string => `${JSON.stringify(line)}\n`;
