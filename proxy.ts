// Runs before every request (pages, API, static files): security headers and the per-request CSP nonce.
import { NextResponse, type NextRequest } from "next/server";
import { generateNonce, isHttpsUrl, securityHeaders } from "@/server/security/headers";

// Responses that never render get the policy that allows nothing: JSON endpoints and the pipeline client download.
// /api/auth is left out because Auth.js may answer with HTML pages.
const isApi = (path: string) => (path.startsWith("/api/") && !path.startsWith("/api/auth/")) || path === "/gatehouse.mjs";

export function proxy(request: NextRequest) {
  const nonce = generateNonce();
  const headers = securityHeaders({
    nonce,
    dev: process.env.NODE_ENV === "development",
    https: isHttpsUrl(process.env.GATEHOUSE_PUBLIC_URL),
    api: isApi(request.nextUrl.pathname),
  });
  // Next.js reads the nonce from the request's CSP header and puts it on its own scripts and styles.
  const requestHeaders = new Headers(request.headers);
  requestHeaders.set("content-security-policy", headers["content-security-policy"]!);
  requestHeaders.set("x-nonce", nonce);
  const response = NextResponse.next({ request: { headers: requestHeaders } });
  for (const [name, value] of Object.entries(headers)) response.headers.set(name, value);
  return response;
}

// Every path, static assets included, except the report upload and the gate: Next.js buffers every body that passes
// through the proxy and silently cuts it at proxyClientMaxBodySize (10 MiB), so the upload streams straight to its
// route; the gate, the pipelines' hot path, is spared the proxy's pass. The server's front door
// (server/security/front-door.ts, UNPROXIED_PATHS) gives both the same API headers.
export const config = {
  matcher: ["/((?!api/v1/scans$|api/v1/gate$).*)"],
};
