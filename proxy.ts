// Runs before every request (pages, API, static files): security headers and the per-request CSP nonce.
import { NextResponse, type NextRequest } from "next/server";
import { generateNonce, isHttpsUrl, securityHeaders } from "@/server/security/headers";

// JSON endpoints; /api/auth is left out because Auth.js may answer with HTML pages.
const isApi = (path: string) => path.startsWith("/api/") && !path.startsWith("/api/auth/");

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

// No matcher: every path, static assets included, gets the headers.
