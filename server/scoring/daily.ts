// The server keeps one scorecard per service per day: at start-up and then hourly it fills in today's if missing
// (or taken before snapshots kept the posture facts).
import { sql } from "drizzle-orm";
import { queryRows, type Database } from "@/db/client";
import { logger } from "../log";
import { snapshotScorecards } from "./snapshot";

const HOUR = 3_600_000;

async function snapshotIfMissing(db: Database): Promise<void> {
  const day = new Date().toISOString().slice(0, 10);
  const [row] = await queryRows<{ missing: number }>(
    db,
    sql`select count(*)::int as missing from services s
        where not exists (select 1 from score_snapshots x where x.service_id = s.id and x.day = ${day}::date and x.posture is not null)`,
  );
  if (!row || Number(row.missing) === 0) return;
  const done = await snapshotScorecards(
    { db, actor: { type: "system", label: "system:daily-scorecard" }, now: () => new Date() },
    { day },
  );
  logger().info({ services: done.length, day }, "daily scorecards computed");
}

export function startDailySnapshots(db: Database): () => void {
  const run = () => snapshotIfMissing(db).catch((err: unknown) => logger().error({ err }, "daily scorecard snapshot failed"));
  const first = setTimeout(run, 5_000);
  const timer = setInterval(run, HOUR);
  first.unref();
  timer.unref();
  return () => {
    clearTimeout(first);
    clearInterval(timer);
  };
}
