// Security headers for every response. Pure: the caller passes the nonce and the deployment facts.

export type HeaderOptions = {
  /** a fresh random value per request; Next.js reads it back from the request's CSP header */
  nonce: string;
  /** `next dev` needs 'unsafe-eval' (React's error overlay) and un-nonced dev styles */
  dev: boolean;
  /** the public URL is https: send HSTS and upgrade-insecure-requests */
  https: boolean;
  /** JSON API responses never render: they get a policy that allows nothing at all */
  api?: boolean;
};

/** 128 random bits, base64: unguessable and valid in a CSP source expression. */
export function generateNonce(): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return btoa(String.fromCharCode(...bytes));
}

export function contentSecurityPolicy(o: HeaderOptions): string {
  if (o.api) return "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
  const directives = [
    "default-src 'self'",
    // 'strict-dynamic': scripts the nonced Next.js runtime loads are trusted; no host allow-list, no inline.
    `script-src 'self' 'nonce-${o.nonce}' 'strict-dynamic'${o.dev ? " 'unsafe-eval'" : ""}`,
    // <style> elements need the nonce (Next.js adds it); dev-mode style injection carries none.
    `style-src 'self' ${o.dev ? "'unsafe-inline'" : `'nonce-${o.nonce}'`}`,
    `style-src-elem 'self' ${o.dev ? "'unsafe-inline'" : `'nonce-${o.nonce}'`}`,
    // style="" attributes (React style props, chart layout) cannot carry a nonce and cannot run script.
    "style-src-attr 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "frame-src 'none'",
    "worker-src 'self' blob:",
    "manifest-src 'self'",
  ];
  if (o.https) directives.push("upgrade-insecure-requests");
  return directives.join("; ");
}

export const PERMISSIONS_POLICY = [
  "accelerometer=()",
  "camera=()",
  "geolocation=()",
  "gyroscope=()",
  "magnetometer=()",
  "microphone=()",
  "payment=()",
  "usb=()",
  "browsing-topics=()",
].join(", ");

/** Two years, as the HSTS preload list asks; only ever sent when the public URL is https. */
export const HSTS = "max-age=63072000; includeSubDomains";

/** Every header a response gets, the CSP included. */
export function securityHeaders(o: HeaderOptions): Record<string, string> {
  const h: Record<string, string> = {
    "content-security-policy": contentSecurityPolicy(o),
    "x-content-type-options": "nosniff",
    "referrer-policy": "strict-origin-when-cross-origin",
    "permissions-policy": PERMISSIONS_POLICY,
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
    // Legacy twin of frame-ancestors for browsers without CSP 2.
    "x-frame-options": "DENY",
    "x-dns-prefetch-control": "off",
  };
  if (o.https) h["strict-transport-security"] = HSTS;
  return h;
}

/** The nonce a CSP header carries, or undefined. */
export function nonceFromCsp(csp: string | null | undefined): string | undefined {
  return csp ? /'nonce-([^']+)'/.exec(csp)?.[1] : undefined;
}

/** HSTS and upgrade-insecure-requests follow the URL people use, not NODE_ENV: a plain-http install must keep working. */
export const isHttpsUrl = (url: string | undefined): boolean => !!url && /^https:\/\//i.test(url);
