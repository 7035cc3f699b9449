// CSRF defence for cookie-authenticated mutations: the browser must say the request comes from our own origin.
import { DomainError } from "../errors";
import { env } from "../env";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

export type OriginCheck = { ok: true } | { ok: false; reason: string };

/**
 * Pure check. Sec-Fetch-Site (sent by every current browser) must be "same-origin"; without it,
 * Origin must name the host the request was sent to, or the public URL. A mutation with neither
 * header is refused: browsers always send one, so only a stripped request lacks both.
 */
export function checkSameOrigin(
  req: { method: string; headers: Pick<Headers, "get">; url: string },
  publicUrl?: string,
): OriginCheck {
  if (SAFE_METHODS.has(req.method.toUpperCase())) return { ok: true };
  const site = req.headers.get("sec-fetch-site");
  if (site) return site === "same-origin" ? { ok: true } : { ok: false, reason: `Sec-Fetch-Site is ${site}` };
  const origin = req.headers.get("origin");
  if (!origin || origin === "null") return { ok: false, reason: "no Origin header" };
  let given: URL;
  try {
    given = new URL(origin);
  } catch {
    return { ok: false, reason: "malformed Origin header" };
  }
  const allowed = new Set<string>();
  const host = req.headers.get("host");
  // TLS may end at a reverse proxy, so the scheme the server sees can differ: compare the host.
  if (host && given.host === host) return { ok: true };
  try {
    allowed.add(new URL(req.url).origin);
    if (publicUrl) allowed.add(new URL(publicUrl).origin);
  } catch {
    /* an unparseable URL allows nothing */
  }
  return allowed.has(given.origin) ? { ok: true } : { ok: false, reason: `Origin ${given.origin} is not this site` };
}

/** Throws 403 for a cross-site POST, PUT, PATCH or DELETE. */
export function assertSameOrigin(request: Request): void {
  const r = checkSameOrigin(request, env().GATEHOUSE_PUBLIC_URL);
  if (!r.ok) throw new DomainError("forbidden", "Cross-site request refused.", "cross-site-request");
}
