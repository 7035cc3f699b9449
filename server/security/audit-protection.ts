// Whether the records that must never change (audit trail, gate decisions, deployments) are protected from the very
// role Gatehouse runs as. Their triggers refuse UPDATE, DELETE and TRUNCATE; only a role that owns a table (or a
// superuser) can switch a trigger off, so the protection holds only when the runtime role owns none of them.
import { sql } from "drizzle-orm";
import { queryRows, type Database, type DatabaseKind } from "@/db/client";

export type AuditProtection = "enforced" | "owner-can-disable";

export const PROTECTED_TABLES = ["audit_events", "gate_decisions", "deployments"] as const;

type Row = { table: string; owner_member: boolean; can_truncate: boolean; triggers_off: number };

/**
 * "enforced": the current role owns none of the protected tables (nor is a member of their owner, nor a superuser),
 * may not TRUNCATE them, and none of their triggers is disabled. Otherwise "owner-can-disable". The embedded
 * database runs as its superuser owner, so it is always "owner-can-disable".
 */
export async function auditProtection(db: Database, kind: DatabaseKind): Promise<AuditProtection> {
  if (kind === "pglite") return "owner-can-disable";
  const rows = await queryRows<Row>(
    db,
    sql`select c.relname as table,
               pg_has_role(current_user, c.relowner, 'MEMBER') as owner_member,
               has_table_privilege(current_user, c.oid, 'TRUNCATE') as can_truncate,
               (select count(*)::int from pg_trigger t where t.tgrelid = c.oid and not t.tgisinternal and t.tgenabled = 'D') as triggers_off
          from pg_class c
         where c.oid in (${sql.join(
           PROTECTED_TABLES.map((t) => sql`to_regclass(${t})`),
           sql`, `,
         )})`,
  );
  const safe =
    rows.length === PROTECTED_TABLES.length &&
    rows.every((r) => !r.owner_member && !r.can_truncate && Number(r.triggers_off) === 0);
  return safe ? "enforced" : "owner-can-disable";
}
