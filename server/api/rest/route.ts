// What every REST route shares: request id, caller IP, the database, token authentication, error mapping.
import { randomUUID } from "node:crypto";
import type { ServiceContext } from "../../context";
import { unauthorized } from "../../errors";
import { runtime } from "../../runtime";
import { authenticateToken } from "../../tokens/tokens";
import { problemResponse } from "./problem";

export type ApiRequest = {
  req: Request;
  requestId: string;
  ip: string | undefined;
  /** a context acting as the bearer token's holder; throws 401 without a valid token */
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
    try {
      const rt = runtime();
      const base = { db: rt.db, requestId, ip, now: () => new Date() };
      const api: ApiRequest = {
        req,
        requestId,
        ip,
        authenticate: async () => ({ ...base, actor: await authenticateToken(base, bearerToken(req), ip) }),
      };
      return await handler(api, await route.params);
    } catch (e) {
      return problemResponse(e, requestId, new URL(req.url).pathname);
    }
  };
}

export function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", "cache-control": "no-store", ...headers },
  });
}
