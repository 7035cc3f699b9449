// CPU time spent on an ingest, which the load of a shared machine does not inflate the way it does wall time:
// this process (parsing, building rows; all of PGlite) plus, on a local PostgreSQL, its backends for this database.
import { readFileSync } from "node:fs";
import { sql } from "drizzle-orm";
import { queryRows, type Database } from "@/db/client";

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** utime + stime of a process in ms, or undefined when /proc does not have it (not Linux, or a remote server). */
export function processCpuMs(pid: number): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return ((Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND) * 1000;
  } catch {
    return undefined;
  }
}

export async function backendCpu(db: Database): Promise<Map<number, number> | undefined> {
  const rows = await queryRows<{ pid: number }>(db, sql`select pid from pg_stat_activity where datname = current_database()`);
  const out = new Map<number, number>();
  for (const r of rows) {
    const ms = processCpuMs(Number(r.pid));
    if (ms === undefined) return undefined;
    out.set(Number(r.pid), ms);
  }
  return out;
}

export type CpuSample = { clientMs: number; serverMs: number | null };

/** Starts counting; the returned function stops and answers the CPU time used since. */
export async function startCpu(db: Database, postgres: boolean): Promise<() => Promise<CpuSample>> {
  const before = postgres ? await backendCpu(db) : undefined;
  const c0 = process.cpuUsage();
  return async () => {
    const c = process.cpuUsage(c0);
    const clientMs = (c.user + c.system) / 1000;
    if (!postgres || !before) return { clientMs, serverMs: null };
    const after = await backendCpu(db);
    if (!after) return { clientMs, serverMs: null };
    return { clientMs, serverMs: cpuSince(before, after) };
  };
}

/** CPU ms the backends spent between two readings of backendCpu (a backend that came since counts from zero). */
export function cpuSince(before: Map<number, number>, after: Map<number, number>): number {
  let ms = 0;
  for (const [pid, now] of after) ms += now - (before.get(pid) ?? 0);
  return ms;
}
