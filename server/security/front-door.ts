// What the HTTP server does to every request before Next.js sees it: the client's address (never taken from the
// client), the forwarded host and scheme (only from a trusted proxy or this machine), the refusal of paths Next.js
// cannot decode, and the security headers of routes that bypass proxy.ts.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { clientAddress, trustedProxies, unmapIpv4, type Cidr, type ProxyTrust } from "./client-address";
import { securityHeaders } from "./headers";

/** The request header our own server sets; whatever a client sent under this name is overwritten. */
export const CLIENT_IP_HEADER = "x-gatehouse-client-ip";

/**
 * Headers that say which host and scheme a reverse proxy was reached at. Without GATEHOUSE_PUBLIC_URL, sign-in builds
 * its redirects and picks its cookies' Secure flag and names from them (server/auth/config.ts), and Next.js checks a
 * server action's Origin against them: they are believed from a trusted proxy only, as X-Forwarded-For is, or from
 * this machine, and dropped from anyone else.
 */
export const FORWARDED_ORIGIN_HEADERS: readonly string[] = [
  "x-forwarded-host",
  "x-forwarded-proto",
  "x-forwarded-port",
  "forwarded",
];

/**
 * A connection from this machine: a loopback peer, or one whose address is the socket's own (the server bound to one
 * interface). Next.js renders a server action's redirect by fetching the page from this server itself, with the
 * X-Forwarded-* headers it set on the browser's request: those must reach it, or the page renders under another host
 * (and, for sign-in, another session cookie name). A remote client cannot connect from these addresses.
 */
export function fromThisMachine(socket: Pick<Socket, "remoteAddress" | "localAddress">): boolean {
  const peer = unmapIpv4(socket.remoteAddress ?? "");
  if (!peer) return false;
  if (/^127\./.test(peer) || peer === "::1") return true;
  return peer === unmapIpv4(socket.localAddress ?? "");
}

/** Drops the forwarded host and scheme unless the peer may set them (a trusted proxy, or this machine). */
export function dropUntrustedForwardedOrigin(req: IncomingMessage, trust: ProxyTrust): void {
  if (fromThisMachine(req.socket) || trust(req.socket.remoteAddress ?? "")) return;
  for (const name of FORWARDED_ORIGIN_HEADERS) delete req.headers[name];
}

/**
 * Routes kept out of proxy.ts's matcher. Next.js buffers (and cuts at proxyClientMaxBodySize) every body that passes
 * through the proxy: the report upload streams straight to its route. The gate is the pipelines' hot path, and the
 * proxy's second pass over each request cost it CPU for headers this door sets as well. Each route limits its own
 * body. Keep in step with `config` in proxy.ts.
 */
export const UNPROXIED_PATHS: readonly string[] = ["/api/v1/scans", "/api/v1/gate"];

/** True when the path has a percent-escape Next.js cannot decode, or decodes to a control character (NUL…). */
export function isMalformedPath(rawUrl: string): boolean {
  const path = rawUrl.split("?")[0]!.split("#")[0]!;
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    return true;
  }
  // eslint-disable-next-line no-control-regex
  return /[\u0000-\u001f\u007f]/.test(decoded) || !decoded.isWellFormed();
}

export type FrontDoor = {
  /** Prepares a request for Next.js; false when the request was answered here (and must not go on). */
  admit: (req: IncomingMessage, res: ServerResponse, requestId: string) => boolean;
};

export function frontDoor(opts: { trustedProxies: readonly Cidr[]; https: boolean; dev: boolean }): FrontDoor {
  const trust = trustedProxies(opts.trustedProxies);
  // An API answer's headers are the same for every request (its CSP allows nothing, so it carries no nonce).
  const api = securityHeaders({ nonce: "", dev: opts.dev, https: opts.https, api: true });
  return {
    admit(req, res, requestId) {
      req.headers[CLIENT_IP_HEADER] = clientAddress(req.socket.remoteAddress, req.headers["x-forwarded-for"], trust);
      dropUntrustedForwardedOrigin(req, trust);
      const url = req.url ?? "/";
      const path = url.split("?")[0]!;
      if (isMalformedPath(url)) {
        // Next.js would answer these with a bare 500; they are the client's mistake.
        res.writeHead(400, {
          ...api,
          "content-type": "application/problem+json",
          "cache-control": "no-store",
        });
        res.end(
          JSON.stringify({
            type: "/problems/malformed-path",
            title: "Bad request",
            status: 400,
            detail: "The request path is not valid percent-encoded UTF-8 text.",
            requestId,
          }),
        );
        return false;
      }
      if (UNPROXIED_PATHS.includes(path)) for (const [name, value] of Object.entries(api)) res.setHeader(name, value);
      return true;
    },
  };
}
