// The daily intel sync (GATEHOUSE_INTEL_SYNC=1): fetches the KEV catalog and the EPSS file from their publishers
// (or configured mirrors) when the last import is a day old. A lease row lets one instance fetch at a time, without
// holding a transaction open while it downloads.
import { sql } from "drizzle-orm";
import { queryRows, type Database } from "@/db/client";
import type { ServiceContext } from "../context";
import { env } from "../env";
import { logger } from "../log";
import { importIntel, readIntelSource, type IntelImportResult, type IntelSource } from "./import-intel";
import { intelStatus } from "./status";

export const DEFAULT_KEV_URL: string = "https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json";
export const DEFAULT_EPSS_URL = "https://epss.empiricalsecurity.com/epss_scores-current.csv.gz";

export type IntelSyncConfig = { enabled: boolean; kevUrl: string; epssUrl: string; timeoutMs?: number };

const HOUR = 3_600_000;
/** A source is fetched again once its last import is this old. */
const REFRESH_MS = 24 * HOUR;
/** After a failure, the next attempt waits this long. */
const RETRY_MS = HOUR;
const LEASE_MS = 10 * 60_000;

let configured: IntelSyncConfig | undefined;

/** Overrides the environment's settings (the server at start-up, tests). */
export function configureIntelSync(c: IntelSyncConfig | undefined): void {
  configured = c;
}

export function intelSyncConfig(): IntelSyncConfig {
  if (configured) return configured;
  const e = env();
  return { enabled: e.GATEHOUSE_INTEL_SYNC, kevUrl: e.GATEHOUSE_INTEL_KEV_URL, epssUrl: e.GATEHOUSE_INTEL_EPSS_URL };
}

export const intelSyncEnabled = (): boolean => intelSyncConfig().enabled;

export type IntelSyncResult =
  | { status: "busy" | "not-due" }
  | { status: "synced"; imported: IntelImportResult[]; failed: { source: IntelSource; error: string }[] };

/** Takes the sync lease if nobody holds it and the last attempt is not too recent. */
async function claim(ctx: ServiceContext, now: Date, force: boolean): Promise<boolean> {
  const until = new Date(now.getTime() + LEASE_MS).toISOString();
  const retryAfter = new Date(now.getTime() - RETRY_MS).toISOString();
  const rows = await queryRows<{ id: string }>(
    ctx.db,
    sql`insert into intel_sync (id, lease_until, last_attempt_at) values ('sync', ${until}::timestamptz, ${now.toISOString()}::timestamptz)
        on conflict (id) do update set lease_until = excluded.lease_until, last_attempt_at = excluded.last_attempt_at
        where (intel_sync.lease_until is null or intel_sync.lease_until < ${now.toISOString()}::timestamptz)
          and (${force} or intel_sync.last_error is null or intel_sync.last_attempt_at is null
               or intel_sync.last_attempt_at < ${retryAfter}::timestamptz)
        returning id`,
  );
  return rows.length > 0;
}

/** Fetches and imports every source whose last import is a day old (all of them with `force`). */
export async function runIntelSync(
  ctx: ServiceContext,
  config: IntelSyncConfig = intelSyncConfig(),
  opts: { force?: boolean } = {},
): Promise<IntelSyncResult> {
  const now = ctx.now();
  const status = await intelStatus(ctx);
  const due = (["kev", "epss"] as const).filter((s) => {
    const last = status[s];
    return opts.force || !last || now.getTime() - new Date(last.importedAt).getTime() >= REFRESH_MS;
  });
  if (due.length === 0) return { status: "not-due" };
  if (!(await claim(ctx, now, opts.force ?? false))) return { status: "busy" };
  const imported: IntelImportResult[] = [];
  const failed: { source: IntelSource; error: string }[] = [];
  try {
    for (const source of due) {
      const url = source === "kev" ? config.kevUrl : config.epssUrl;
      try {
        const bytes = await readIntelSource(url, {
          timeoutMs: config.timeoutMs ?? 120_000,
          readFile: () => Promise.reject(new Error("only http(s) URLs are fetched by the sync")),
        });
        imported.push(await importIntel(ctx, { source, bytes, origin: url }));
      } catch (e) {
        failed.push({ source, error: (e as Error).message.split("\n")[0]!.slice(0, 500) });
      }
    }
  } finally {
    const error = failed.length ? failed.map((f) => `${f.source}: ${f.error}`).join("; ") : null;
    await ctx.db.execute(sql`update intel_sync set lease_until = null, last_error = ${error} where id = 'sync'`);
  }
  return { status: "synced", imported, failed };
}

/** The server's hourly check; the work happens at most daily per source. */
export function startIntelSync(db: Database, config: IntelSyncConfig): () => void {
  if (!config.enabled) return () => {};
  const log = logger();
  const ctx: ServiceContext = { db, actor: { type: "system", label: "system:intel-sync" }, now: () => new Date() };
  let running = false;
  const run = async () => {
    if (running) return;
    running = true;
    try {
      const r = await runIntelSync(ctx, config);
      if (r.status === "synced") {
        for (const i of r.imported)
          log.info({ source: i.source, entries: i.entries, version: i.version, unchanged: i.unchanged }, "threat intel imported");
        for (const f of r.failed) log.warn({ source: f.source, error: f.error }, "threat intel sync failed");
      }
    } catch (err) {
      log.error({ err }, "threat intel sync failed");
    } finally {
      running = false;
    }
  };
  const first = setTimeout(() => void run(), 10_000);
  const timer = setInterval(() => void run(), HOUR);
  first.unref();
  timer.unref();
  return () => {
    clearTimeout(first);
    clearInterval(timer);
  };
}
