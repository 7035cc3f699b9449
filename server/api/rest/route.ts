// What every REST route shares: request id, caller IP, the database, token authentication, the
// per-token rate limit, error mapping, and an audit record of every refusal.
import { randomUUID } from "node:crypto";
import { isDenial, recordDenial } from "../../audit/record-denial";
import type { ServiceContext } from "../../context";
import { env } from "../../env";
import { unauthorized } from "../../errors";
import { logger } from "../../log";
import { runtime } from "../../runtime";
import { enforceApiRate } from "../../security/api-rate-limit";
import { authenticateToken, InvalidTokenError } from "../../tokens/tokens";
import { problemResponse } from "./problem";

export type ApiRequest = {
  req: Request;
  requestId: string;
  ip: string | undefined;
  /** a context acting as the bearer token's holder; throws 401 without a valid token, 429 over its rate */
  authenticate: () => Promise<ServiceContext>;
};

export function bearerToken(req: Request): string | undefined {
  const h = req.headers.get("authorization");
  if (!h) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
  if (!m) throw unauthorized("Use Authorization: Bearer <token>.");
  return m[1];
}

export function apiRoute<P = Record<string, string>>(
  handler: (api: ApiRequest, params: P) => Promise<Response>,
): (req: Request, route: { params: Promise<P> }) => Promise<Response> {
  return async (req, route) => {
    const requestId = req.headers.get("x-request-id") ?? randomUUID();
    // Set by our own HTTP server from the socket; never taken from the client.
    const ip = req.headers.get("x-gatehouse-client-ip") ?? undefined;
    let authed: ServiceContext | undefined;
    let base: Omit<ServiceContext, "actor"> | undefined;
    try {
      const rt = runtime();
      const b = { db: rt.db, requestId, ip, now: () => new Date() };
      base = b;
      const api: ApiRequest = {
        req,
        requestId,
        ip,
        authenticate: async () => {
          const actor = await authenticateToken(b, bearerToken(req), ip);
          authed = { ...b, actor };
          await enforceApiRate(b.db, actor.id, b.now(), env().GATEHOUSE_API_RATE_PER_MINUTE);
          return authed;
        },
      };
      return await handler(api, await route.params);
    } catch (e) {
      const path = new URL(req.url).pathname;
      if (base && isDenial(e)) {
        // A known token told "no"; an unknown or malformed one is not worth a write per request.
        const ctx = authed ?? (e instanceof InvalidTokenError && e.refused ? { ...base, actor: e.refused } : undefined);
        if (ctx) {
          await recordDenial(ctx, {
            action: `${req.method} ${path}`,
            targetType: "endpoint",
            targetId: path,
            reason: e.type,
          }).catch((err: unknown) => logger().error({ err, reqId: requestId }, "could not record a denial"));
        }
      }
      return problemResponse(e, requestId, path);
    }
  };
}

export function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", "cache-control": "no-store", ...headers },
  });
}
