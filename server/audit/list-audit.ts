// The audit trail as the dashboard reads it: newest first, filtered on the server, in keyset pages.
import { and, desc, eq, getTableColumns, gte, ilike, lt, or, sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import { auditEvents } from "@/db/schema";
import { requireRole } from "../auth/permissions";
import type { ServiceContext } from "../context";
import { validation } from "../errors";
import { auditLine, type AuditLine } from "./export-audit";

const instant = z.union([z.iso.datetime({ offset: true }), z.iso.date()]).transform((s) => new Date(s));
const term = z.string().trim().min(1).max(200).optional();

export const listAuditInput = z
  .object({
    /** part of the actor's label (e.g. an email), or an actor id */
    actor: term,
    /** part of the action, e.g. "token." or "denied" */
    action: term,
    /** a target id, or a target type such as "token" */
    target: term,
    /** inclusive */
    since: instant.optional(),
    /** exclusive */
    until: instant.optional(),
    cursor: z.string().max(300).optional(),
    limit: z.number().int().min(1).max(200).default(50),
  })
  .refine((v) => !v.since || !v.until || v.since < v.until, { message: "since must be before until", path: ["since"] });

/** listAuditInput's output: transports parse with it (as for the export). */
export type ListAuditOptions = z.output<typeof listAuditInput>;

export type AuditPage = { items: AuditLine[]; nextCursor: string | null };

// The cursor keeps the database's own text of the timestamp: a Date would drop microseconds.
const cursorShape = z.object({
  at: z.string().regex(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?[+-]\d{2}(:\d{2})?$/),
  id: z.string().regex(/^aud_[0-9a-z]{1,40}$/),
});
type Cursor = z.output<typeof cursorShape>;

const encodeCursor = (c: Cursor) => Buffer.from(JSON.stringify(c)).toString("base64url");

function decodeCursor(s: string): Cursor {
  try {
    return cursorShape.parse(JSON.parse(Buffer.from(s, "base64url").toString("utf8")));
  } catch {
    throw validation("cursor: is not one this list gave out");
  }
}

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/** Security staff and admins read every event, secrets stripped as in the export. Reading is not itself recorded. */
export async function listAuditEvents(ctx: ServiceContext, input: ListAuditOptions): Promise<AuditPage> {
  requireRole(ctx.actor, "security");
  const conditions: (SQL | undefined)[] = [];
  if (input.actor)
    conditions.push(or(ilike(auditEvents.actorLabel, `%${escapeLike(input.actor)}%`), eq(auditEvents.actorId, input.actor)));
  if (input.action) conditions.push(ilike(auditEvents.action, `%${escapeLike(input.action)}%`));
  if (input.target) conditions.push(or(eq(auditEvents.targetId, input.target), eq(auditEvents.targetType, input.target)));
  if (input.since) conditions.push(gte(auditEvents.at, input.since));
  if (input.until) conditions.push(lt(auditEvents.at, input.until));
  if (input.cursor) {
    const c = decodeCursor(input.cursor);
    conditions.push(sql`(${auditEvents.at}, ${auditEvents.id}) < (${c.at}::timestamptz, ${c.id})`);
  }
  const rows = await ctx.db
    .select({ ...getTableColumns(auditEvents), atText: sql<string>`${auditEvents.at}::text` })
    .from(auditEvents)
    .where(conditions.length ? and(...conditions) : undefined)
    .orderBy(desc(auditEvents.at), desc(auditEvents.id))
    .limit(input.limit + 1);
  const page = rows.slice(0, input.limit);
  const last = page.at(-1);
  return {
    items: page.map(auditLine),
    nextCursor: rows.length > input.limit && last ? encodeCursor({ at: last.atText, id: last.id }) : null,
  };
}
