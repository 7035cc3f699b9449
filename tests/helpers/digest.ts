// What "the database did not change" means in authorization tests: a digest of every row of every table,
// with the audit trail apart (a denial may be recorded there on purpose) and rate-limiter state left out.
import { sql } from "drizzle-orm";
import { queryRows, type Database } from "@/db/client";

export type DatabaseDigest = { tables: Record<string, string>; audit: Map<string, string> };

/** `ignore`: tables whose bookkeeping a refused request may still touch (a token's last use, say). */
export async function databaseDigest(db: Database, ignore: string[] = []): Promise<DatabaseDigest> {
  const names = await queryRows<{ name: string }>(
    db,
    sql`select table_name as name from information_schema.tables
        where table_schema = current_schema() and table_type = 'BASE TABLE'
          and table_name not in ('audit_events', 'gatehouse_migrations', 'rate_limits')
        order by table_name`,
  );
  const tables: Record<string, string> = {};
  for (const { name } of names.filter((n) => !ignore.includes(n.name))) {
    const [row] = await queryRows<{ h: string }>(
      db,
      sql`select md5(coalesce(string_agg(t::text, '|' order by t::text), '')) as h from ${sql.identifier(name)} t`,
    );
    tables[name] = row!.h;
  }
  // Event id → action and content hash: ids are not ordered across clocks, so compare as sets.
  const audit = await queryRows<{ id: string; action: string; h: string }>(
    db,
    sql`select id, action, md5(a::text) as h from audit_events a`,
  );
  return { tables, audit: new Map(audit.map((a) => [a.id, `${a.action}\n${a.h}`])) };
}

/** The actions of the audit events added between two digests; the earlier ones must be untouched. */
export function auditAdded(before: DatabaseDigest, after: DatabaseDigest): string[] {
  for (const [id, v] of before.audit) if (after.audit.get(id) !== v) throw new Error(`the audit trail lost or changed ${id}`);
  return [...after.audit].filter(([id]) => !before.audit.has(id)).map(([, v]) => v.split("\n")[0]!);
}
