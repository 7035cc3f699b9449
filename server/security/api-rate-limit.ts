// Per-token API rate limit: a one-minute window per token, counted in the database for every instance.
//
// A process does not write a statement per request: it admits a token's requests on the count it read from the
// database during the last SHARED_WITHIN_MS, plus the requests it counted itself since, and writes those (one
// statement for all of them) within FLUSH_MS. Every instance so sees every other's requests within
// FLUSH_MS + SHARED_WITHIN_MS, and a token can go over its limit by at most what other instances admitted in that
// time (on one instance, never). A request that finds no count that fresh (the first of a moment, a token that was
// quiet) is counted in the database before it is answered, as before, and is refused if that write fails. Requests
// counted here whose write fails stay counted here and are written again, later each time, for ≈ 3 s: a moment's
// failure (a connection the server ended, a failover) loses none of them, a longer outage one flush's worth at most.
import { closedByThisProcess, type Database } from "@/db/client";
import { DomainError } from "../errors";
import { logger } from "../log";
import { hit, type Limit, type LimitResult } from "./rate-limit";

export const apiRateKey = (tokenId: string) => `api:token:${tokenId}`;

const WINDOW_MS = 60_000;
/** A count read from the database admits requests for this long (on the requests' clock) without another read. */
export const SHARED_WITHIN_MS = 100;
/** Requests counted here are written to the database within this long. */
export const FLUSH_MS = 50;
/** Writes of counted requests that fail are tried again this many times, waiting 2×, 4×, … FLUSH_MS (≈ 3 s in all). */
export const FLUSH_RETRIES = 5;

type Counter = {
  /** the count of the database's newest answer (every instance's requests), and its window's start */
  count: number;
  windowStart: number;
  /** the time (the requests' clock) of the newest count taken */
  readAt: number;
  /** requests counted here since (admitted or refused), not written yet, and the time of the last of them */
  pending: number;
  lastAt: number;
  /** requests on their way to the database: in `count` once their write's answer is taken, counted here until then */
  inFlight: number;
  /** a write of the pending requests is due or on its way */
  flushing: boolean;
  /** writes of pending requests that failed in a row: each retry waits twice as long */
  failures: number;
  /** the key's writes, one after the other: each answer holds every write before it and none after */
  writes: Promise<unknown>;
};

const counters = new WeakMap<Database, Map<string, Counter>>();

const limitOf = (key: string, perMinute: number): Limit => ({
  key,
  max: perMinute,
  windowSeconds: WINDOW_MS / 1000,
  noFlush: true,
});

const refusal = (retryAfter: number) =>
  new DomainError("rate_limited", `Too many API requests for this token; try again in ${retryAfter} s.`, "rate-limited", {
    retryAfter,
  });

/** Throws 429 (Retry-After in seconds) when the token made more than perMinute calls in its window. */
export async function enforceApiRate(db: Database, tokenId: string, now: Date, perMinute: number): Promise<void> {
  const key = apiRateKey(tokenId);
  let byKey = counters.get(db);
  if (!byKey) counters.set(db, (byKey = new Map()));
  let c = byKey.get(key);
  if (!c)
    byKey.set(
      key,
      (c = {
        count: 0,
        windowStart: 0,
        readAt: -Infinity,
        pending: 0,
        lastAt: 0,
        inFlight: 0,
        flushing: false,
        failures: 0,
        writes: Promise.resolve(),
      }),
    );
  const t = now.getTime();
  if (t >= c.readAt && t - c.readAt < SHARED_WITHIN_MS && t < c.windowStart + WINDOW_MS) {
    // A refused request counts too, as in the database.
    c.pending++;
    c.lastAt = Math.max(c.lastAt, t);
    flushLater(db, c, limitOf(key, perMinute));
    if (c.count + c.inFlight + c.pending > perMinute)
      throw refusal(Math.max(1, Math.ceil((c.windowStart + WINDOW_MS - t) / 1000)));
    return;
  }
  const r = await write(db, c, limitOf(key, perMinute), t, 1);
  remember(c, r, t);
  // The answer holds this request and every write before it; what was counted here and is not written yet is not in it.
  if (c.count + c.inFlight + c.pending > perMinute) throw refusal(r.retryAfterSeconds);
}

/** Counts `hits` at `at` in the database, after the key's earlier writes. */
function write(db: Database, c: Counter, limit: Limit, at: number, hits: number): Promise<LimitResult> {
  const w = c.writes.then(() => hit(db, limit, new Date(at), hits));
  c.writes = w.catch(() => {});
  return w;
}

/** Takes a count the database answered (for a request at `t`): the key's writes answer in order, newest last. */
function remember(c: Counter, r: { count: number; windowStart: Date }, t: number): void {
  const start = r.windowStart.getTime();
  if (start < c.windowStart) return;
  c.count = r.count;
  c.windowStart = start;
  c.readAt = Math.max(c.readAt, t);
}

/**
 * Writes the requests counted here within FLUSH_MS, in one statement, and reads the count back with it. When the write
 * fails they are counted here still, and written with the next (after FLUSH_MS × 2^failures), up to FLUSH_RETRIES times.
 */
function flushLater(db: Database, c: Counter, limit: Limit): void {
  if (c.flushing) return;
  c.flushing = true;
  const delay = FLUSH_MS * 2 ** c.failures;
  setTimeout(() => {
    const hits = c.pending;
    const at = c.lastAt;
    c.pending = 0;
    c.inFlight += hits;
    write(db, c, limit, at, hits)
      .then(
        (r) => {
          c.inFlight -= hits;
          c.failures = 0;
          remember(c, r, at);
        },
        (err: unknown) => {
          // Not written: the next request reads (and writes) the database itself, and is refused if it cannot. These
          // stay counted here, and go with the next flush, unless they have waited through every retry.
          c.inFlight -= hits;
          c.readAt = -Infinity;
          if (closedByThisProcess(err)) return; // this process closed the database (shutting down): nothing to write to
          if (c.failures >= FLUSH_RETRIES) {
            c.failures = 0;
            logger().error({ err, requests: hits }, "could not write the API rate limit's count; these requests are not counted");
            return;
          }
          c.pending += hits;
          c.lastAt = Math.max(c.lastAt, at);
          c.failures++;
          logger().warn({ err, requests: hits }, "could not write the API rate limit's count; will try again");
        },
      )
      .finally(() => {
        c.flushing = false;
        if (c.pending > 0) flushLater(db, c, limit);
      });
  }, delay).unref();
}
