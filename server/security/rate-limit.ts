// Fixed-window rate limits kept in the database, so that every instance shares them. Fails closed:
// if the counter cannot be written, the request is refused with the database error, never let through.
import { sql } from "drizzle-orm";
import { queryRows, withPreparedStatements, type Database } from "@/db/client";

export type Limit = {
  key: string;
  max: number;
  windowSeconds: number;
  /**
   * Commit the count without waiting for the WAL flush (for this statement's own transaction only; never pass it
   * for a `db` that is a caller's transaction). A crash may then forget the last moment's counts: fine for the per-request
   * API limit, which would otherwise pay a disk flush on every request.
   */
  noFlush?: boolean;
};
export type LimitResult = { allowed: boolean; count: number; retryAfterSeconds: number; windowStart: Date };

/**
 * Counts one hit (or `hits`) against the key; runs on its own (not inside a caller's transaction) so it survives
 * rollbacks. The result is the count with them, and whether it is within the limit.
 */
export async function hit(db: Database, limit: Limit, now: Date, hits = 1): Promise<LimitResult> {
  const nowIso = now.toISOString();
  // Counted on every API request, always the same statement: prepared once per connection.
  const [row] = await withPreparedStatements(() =>
    queryRows<{ count: number; window_start: string | Date }>(
      db,
      sql`insert into rate_limits (key, window_start, count)
        select ${limit.key}, ${nowIso}::timestamptz, ${hits}::int
        ${limit.noFlush ? sql`from (select set_config('synchronous_commit', 'off', true)) as commit_mode` : sql``}
        on conflict (key) do update set
          count = case when rate_limits.window_start + make_interval(secs => ${limit.windowSeconds}) <= ${nowIso}::timestamptz
                       then excluded.count else rate_limits.count + excluded.count end,
          window_start = case when rate_limits.window_start + make_interval(secs => ${limit.windowSeconds}) <= ${nowIso}::timestamptz
                              then ${nowIso}::timestamptz else rate_limits.window_start end
        returning count, window_start`,
    ),
  );
  const count = Number(row!.count);
  const start = new Date(row!.window_start).getTime();
  const retryAfterSeconds = Math.max(1, Math.ceil((start + limit.windowSeconds * 1000 - now.getTime()) / 1000));
  return { allowed: count <= limit.max, count, retryAfterSeconds, windowStart: new Date(start) };
}

/** The key's count in its current window, without counting anything (0 when its window is over or it has none). */
export async function peek(db: Database, limit: Omit<Limit, "max">, now: Date): Promise<number> {
  const [row] = await queryRows<{ count: number }>(
    db,
    sql`select count from rate_limits
         where key = ${limit.key}
           and window_start + make_interval(secs => ${limit.windowSeconds}) > ${now.toISOString()}::timestamptz`,
  );
  return row ? Number(row.count) : 0;
}

/** Clears a key (e.g. after a successful sign-in). */
export async function reset(db: Database, key: string): Promise<void> {
  await db.execute(sql`delete from rate_limits where key = ${key}`);
}
