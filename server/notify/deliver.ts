// Sends what the outbox holds: webhooks signed per Standard Webhooks, Slack-compatible messages and e-mail.
// At least once: a delivery is leased (FOR UPDATE SKIP LOCKED, then a lease time) before it is sent, so one
// instance sends it at a time and another takes it over if that one dies; a failure is retried with exponential
// back-off, keeping its webhook-id, until 24 hours have passed. Secrets and Slack URLs are never logged.
import { createHash, randomUUID } from "node:crypto";
import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { sql } from "drizzle-orm";
import { createTransport, type Transporter } from "nodemailer";
import { queryRows } from "@/db/client";
import { withTransaction, type ServiceContext } from "../context";
import type { EventPayload } from "./events";
import { emailMessage, slackMessage } from "./render";
import { signWebhook, WEBHOOK_HEADERS } from "./signature";
import { guardedLookup, parseAllowHosts, refuseLiteral, type AllowHosts } from "./target-safety";

export type NotifyConfig = {
  allowHosts: AllowHosts;
  /** GATEHOUSE_SMTP_URL and the From address; email is off without them */
  smtp: { url: string; from: string } | null;
  timeoutMs?: number;
};

export function notifyConfig(e: {
  GATEHOUSE_WEBHOOK_ALLOW_HOSTS?: string;
  GATEHOUSE_SMTP_URL?: string;
  GATEHOUSE_SMTP_FROM?: string;
  GATEHOUSE_PUBLIC_URL?: string;
}): NotifyConfig {
  const host = (() => {
    try {
      return new URL(e.GATEHOUSE_PUBLIC_URL ?? "http://localhost").hostname;
    } catch {
      return "localhost";
    }
  })();
  return {
    allowHosts: parseAllowHosts(e.GATEHOUSE_WEBHOOK_ALLOW_HOSTS),
    smtp: e.GATEHOUSE_SMTP_URL
      ? { url: e.GATEHOUSE_SMTP_URL, from: e.GATEHOUSE_SMTP_FROM ?? `Gatehouse <gatehouse@${host}>` }
      : null,
  };
}

/** An attempt's outcome; `final`: no point retrying (410 Gone, a refused target, a removed subscription). */
export type AttemptResult = { ok: boolean; status?: number; error?: string; final?: boolean; retryAfterMs?: number };

const LEASE_MS = 60_000;
const BASE_DELAY_MS = 10_000;
const MAX_DELAY_MS = 4 * 3_600_000;

/** Exponential back-off with a jitter of ±20% that depends only on the delivery and attempt (reproducible). */
export function retryDelayMs(id: string, attempts: number): number {
  const base = Math.min(BASE_DELAY_MS * 2 ** Math.max(0, attempts - 1), MAX_DELAY_MS);
  const h = createHash("sha256").update(`${id}:${attempts}`).digest().readUInt16BE(0) / 0xffff;
  return Math.round(base * (0.8 + 0.4 * h));
}

type Claimed = {
  id: string;
  attempts: number;
  give_up_at: string | Date;
  payload: unknown;
  channel: "webhook" | "slack" | "email";
  target: string;
  secret: string | null;
  removed_at: string | Date | null;
  subscription_id: string;
};

export type DeliveryRun = { delivered: number; retried: number; failed: number };

/** Sends the deliveries that are due, `batch` at a time, until none is left or `maxBatches` ran. */
export async function deliverDue(
  ctx: ServiceContext,
  cfg: NotifyConfig,
  opts: { batch?: number; maxBatches?: number; only?: string } = {},
): Promise<DeliveryRun> {
  const run: DeliveryRun = { delivered: 0, retried: 0, failed: 0 };
  const owner = randomUUID();
  for (let b = 0; b < (opts.maxBatches ?? 10); b++) {
    const claimed = await claim(ctx, owner, opts.batch ?? 10, opts.only);
    if (claimed.length === 0) break;
    await Promise.all(
      claimed.map(async (d) => {
        const r = await attempt(d, cfg, ctx.now());
        const outcome = await record(ctx, owner, d, r);
        run[outcome]++;
      }),
    );
  }
  return run;
}

async function claim(ctx: ServiceContext, owner: string, n: number, only?: string): Promise<Claimed[]> {
  return withTransaction(ctx, async (tx) => {
    const now = tx.now();
    const until = new Date(now.getTime() + LEASE_MS).toISOString();
    const at = now.toISOString();
    const ids = await queryRows<{ id: string }>(
      tx.db,
      sql`update notification_deliveries set lease_until = ${until}::timestamptz, lease_owner = ${owner}
          where id in (select id from notification_deliveries
                       where status = 'pending' and next_attempt_at <= ${at}::timestamptz
                         and (lease_until is null or lease_until < ${at}::timestamptz)
                         and (${only ?? null}::text is null or id = ${only ?? null})
                       order by next_attempt_at, id limit ${n} for update skip locked)
          returning id`,
    );
    if (ids.length === 0) return [];
    return queryRows<Claimed>(
      tx.db,
      sql`select d.id, d.attempts, d.give_up_at, e.payload, s.channel, s.target, s.secret, s.removed_at, s.id as subscription_id
          from notification_deliveries d
          join notification_events e on e.id = d.event_id
          join notification_subscriptions s on s.id = d.subscription_id
          where d.id = any(${`{${ids.map((r) => r.id).join(",")}}`}::text[])
          order by d.next_attempt_at, d.id`,
    );
  });
}

async function record(ctx: ServiceContext, owner: string, d: Claimed, r: AttemptResult): Promise<keyof DeliveryRun> {
  const now = ctx.now();
  const attempts = d.attempts + 1;
  const giveUpAt = new Date(d.give_up_at);
  let outcome: keyof DeliveryRun;
  let next = now;
  if (r.ok) outcome = "delivered";
  else if (r.final || now.getTime() >= giveUpAt.getTime()) outcome = "failed";
  else {
    outcome = "retried";
    // The last try is at the end of the window, not after it.
    const delay = Math.max(retryDelayMs(d.id, attempts), r.retryAfterMs ?? 0);
    next = new Date(Math.min(now.getTime() + delay, giveUpAt.getTime()));
  }
  const status = outcome === "delivered" ? "delivered" : outcome === "failed" ? "failed" : "pending";
  // Only the lease holder records: one that lost its lease (it took too long) leaves it to the new holder.
  await ctx.db.execute(
    sql`update notification_deliveries set
          status = ${status}, attempts = ${attempts}, last_attempt_at = ${now.toISOString()}::timestamptz,
          last_status = ${r.status ?? null}::int, last_error = ${r.ok ? null : (r.error ?? "failed").slice(0, 500)},
          delivered_at = ${r.ok ? now.toISOString() : null}::timestamptz, next_attempt_at = ${next.toISOString()}::timestamptz,
          lease_until = null, lease_owner = null
        where id = ${d.id} and lease_owner = ${owner}`,
  );
  return outcome;
}

/** One attempt of one delivery; never throws. */
export async function attempt(d: Claimed, cfg: NotifyConfig, now: Date): Promise<AttemptResult> {
  if (d.removed_at) return { ok: false, final: true, error: "the subscription was removed" };
  const payload = (typeof d.payload === "string" ? JSON.parse(d.payload) : d.payload) as EventPayload;
  try {
    if (d.channel === "email") return await sendEmail(d.target, payload, cfg);
    const body = JSON.stringify(d.channel === "slack" ? slackMessage(payload) : payload);
    const headers: Record<string, string> = { "content-type": "application/json", "user-agent": "Gatehouse-Notify/1" };
    if (d.channel === "webhook") {
      const ts = Math.floor(now.getTime() / 1000);
      headers[WEBHOOK_HEADERS.id] = d.id;
      headers[WEBHOOK_HEADERS.timestamp] = String(ts);
      headers[WEBHOOK_HEADERS.signature] = signWebhook(d.secret ?? "", d.id, ts, body);
    }
    return await post(new URL(d.target), body, headers, cfg);
  } catch (e) {
    return { ok: false, error: e instanceof Error ? e.message.split("\n")[0] : "failed" };
  }
}

/** POSTs with node:http(s) so that the address connected to is the one checked; redirects are not followed. */
function post(url: URL, body: string, headers: Record<string, string>, cfg: NotifyConfig): Promise<AttemptResult> {
  const refused = refuseLiteral(url, cfg.allowHosts);
  if (refused) return Promise.resolve({ ok: false, final: true, error: `refused: ${refused}` });
  const timeoutMs = cfg.timeoutMs ?? 15_000;
  const request = url.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve) => {
    let settled = false;
    const done = (r: AttemptResult) => {
      if (!settled) {
        settled = true;
        resolve(r);
      }
    };
    const req = request(
      url,
      {
        method: "POST",
        headers: { ...headers, "content-length": String(Buffer.byteLength(body)) },
        lookup: guardedLookup(cfg.allowHosts) as never,
        // A fresh connection each time: every attempt resolves and checks the address again.
        agent: false,
        timeout: timeoutMs,
      },
      (res: IncomingMessage) => {
        res.resume();
        const status = res.statusCode ?? 0;
        const ok = status >= 200 && status < 300;
        const retryAfter = Number(res.headers["retry-after"]);
        done({
          ok,
          status,
          error: ok
            ? undefined
            : status >= 300 && status < 400
              ? `HTTP ${status} (redirects are not followed)`
              : `HTTP ${status}`,
          final: status === 410,
          retryAfterMs: Number.isFinite(retryAfter) && retryAfter > 0 ? Math.min(retryAfter, 86_400) * 1000 : undefined,
        });
      },
    );
    req.on("timeout", () => {
      req.destroy();
      done({ ok: false, error: `no answer within ${Math.round(timeoutMs / 1000)} s` });
    });
    req.on("error", (e: NodeJS.ErrnoException) => {
      if (e.code === "EGATEHOUSEREFUSED") done({ ok: false, final: true, error: `refused: ${e.message}` });
      else done({ ok: false, error: e.code ? `${e.code} (could not reach ${url.host})` : `could not reach ${url.host}` });
    });
    req.end(body);
  });
}

const TRANSPORTS = new Map<string, Transporter>();

async function sendEmail(to: string, p: EventPayload, cfg: NotifyConfig): Promise<AttemptResult> {
  if (!cfg.smtp) return { ok: false, error: "e-mail is not configured (GATEHOUSE_SMTP_URL)" };
  let t = TRANSPORTS.get(cfg.smtp.url);
  if (!t) {
    t = createTransport({ url: cfg.smtp.url, connectionTimeout: 15_000, greetingTimeout: 15_000, socketTimeout: 30_000 });
    TRANSPORTS.set(cfg.smtp.url, t);
  }
  const m = emailMessage(p);
  try {
    await t.sendMail({ from: cfg.smtp.from, to, subject: m.subject, text: m.text });
    return { ok: true };
  } catch (e) {
    const err = e as { responseCode?: number; message?: string };
    // A permanent SMTP refusal (5xx) is final; the rest may pass later.
    return {
      ok: false,
      status: err.responseCode,
      final: (err.responseCode ?? 0) >= 500,
      error: (err.message ?? "failed").split("\n")[0],
    };
  }
}
