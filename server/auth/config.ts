// Auth.js (next-auth v5): email + password, and OIDC / GitHub when configured. Auth.js carries the
// session id in an encrypted JWT cookie; the session itself lives in user_sessions (see sessions.ts).
import NextAuth, { CredentialsSignin, type NextAuthConfig, type User } from "next-auth";
import type { Provider } from "next-auth/providers";
import Credentials from "next-auth/providers/credentials";
import GitHub from "next-auth/providers/github";
import { headers as nextHeaders } from "next/headers";
import { NextRequest } from "next/server";
import type { ServiceContext } from "../context";
import { env } from "../env";
import { logger } from "../log";
import { runtime } from "../runtime";
import { endSession, startSession, type SignInMethod } from "./sessions";
import { authSecret, externalProviders, sessionLimits } from "./settings";
import { matchExternalUser, SignInRefused, verifyCredentials } from "./sign-in";

/** Wrong email or password: the code Auth.js puts in the sign-in page's URL. */
export class InvalidCredentials extends CredentialsSignin {
  override code = "invalid";
}

/** Too many attempts; the code carries the wait in seconds (it also becomes a Retry-After header). */
export class SignInRateLimited extends CredentialsSignin {
  constructor(readonly retryAfter: number) {
    super();
    this.code = `rate_limited_${retryAfter}`;
  }
}

// What a sign-in hands from the provider step to the jwt callback (which creates the session row).
type Pending = { userId: string; method: SignInMethod; ip?: string; userAgent?: string | null };
type PendingUser = User & { gatehouse?: Pending };

const clientIp = (h: Headers | undefined) => h?.get("x-gatehouse-client-ip") || undefined;

function context(h: Headers | undefined, ip = clientIp(h)): ServiceContext {
  return {
    db: runtime().db,
    actor: { type: "system", label: "sign-in" },
    ip,
    requestId: h?.get("x-request-id") ?? undefined,
    now: () => new Date(),
  };
}

const isLoopback = (host: string) => /^(localhost|127(?:\.\d+){3}|\[::1\])$/i.test(host);

/**
 * Secure cookies whenever the browser can keep them: the public URL or the request is https, or, in
 * production, a loopback host (browsers treat http://localhost as secure). A plain-http install on a
 * remote host keeps working, without the Secure flag; serve Gatehouse over https in production.
 */
function secureCookies(h: Headers | undefined): boolean {
  const e = env();
  if (e.GATEHOUSE_PUBLIC_URL?.startsWith("https://")) return true;
  if (h?.get("x-forwarded-proto")?.split(",")[0]?.trim() === "https") return true;
  const host = (h?.get("x-forwarded-host") ?? h?.get("host") ?? "").split(",")[0]!.trim().replace(/:\d+$/, "");
  return e.NODE_ENV === "production" && isLoopback(host);
}

type GithubEmail = { email: string; verified: boolean; primary: boolean };

async function githubVerifiedEmails(accessToken: string | undefined): Promise<string[]> {
  if (!accessToken) return [];
  const res = await fetch("https://api.github.com/user/emails", {
    headers: { authorization: `Bearer ${accessToken}`, "user-agent": "gatehouse", accept: "application/vnd.github+json" },
    signal: AbortSignal.timeout(10_000),
  });
  if (!res.ok) return [];
  const list = (await res.json()) as GithubEmail[];
  return list
    .filter((e) => e.verified)
    .sort((a, b) => Number(b.primary) - Number(a.primary))
    .map((e) => e.email);
}

function providers(): Provider[] {
  const out: Provider[] = [
    Credentials({
      id: "credentials",
      name: "Email and password",
      credentials: { email: { label: "Email", type: "email" }, password: { label: "Password", type: "password" } },
      async authorize(credentials, request) {
        const h = request.headers;
        try {
          const user = await verifyCredentials(context(h), { email: credentials.email, password: credentials.password });
          const pending: Pending = { userId: user.id, method: "password", ip: clientIp(h), userAgent: h.get("user-agent") };
          return { id: user.id, email: user.email, name: user.name, gatehouse: pending } as PendingUser;
        } catch (e) {
          if (e instanceof SignInRefused) {
            throw e.reason === "rate_limited" ? new SignInRateLimited(e.retryAfterSeconds ?? 60) : new InvalidCredentials();
          }
          throw e;
        }
      },
    }),
  ];
  const ext = externalProviders();
  if (ext.oidc) {
    out.push({
      id: "oidc",
      name: ext.oidc.name,
      type: "oidc",
      issuer: ext.oidc.issuer,
      clientId: ext.oidc.clientId,
      clientSecret: ext.oidc.clientSecret,
      authorization: { params: { scope: "openid email profile" } },
      checks: ["pkce", "state", "nonce"],
      profile: (p: Record<string, unknown>) => ({
        id: String(p.sub),
        email: typeof p.email === "string" ? p.email : null,
        name: typeof p.name === "string" ? p.name : typeof p.preferred_username === "string" ? p.preferred_username : null,
      }),
    });
  }
  if (ext.github) out.push(GitHub({ clientId: ext.github.clientId, clientSecret: ext.github.clientSecret }));
  return out;
}

const authLog = () => logger().child({ component: "auth" });

// Expected refusals are one line at info; only real faults get the error and its stack.
const QUIET = new Set(["CredentialsSignin", "AccessDenied", "JWTSessionError", "MissingCSRF", "Verification"]);

// Read once per process: the secret never changes while Gatehouse runs.
const SECRET = Symbol.for("gatehouse.authSecret");
const secretHolder = globalThis as { [SECRET]?: Promise<string> };
function cachedSecret(): Promise<string> {
  secretHolder[SECRET] ??= authSecret(runtime().db).catch((e: unknown) => {
    delete secretHolder[SECRET];
    throw e;
  });
  return secretHolder[SECRET];
}

async function buildConfig(h: Headers | undefined): Promise<NextAuthConfig> {
  const limits = sessionLimits();
  const configured = env().GATEHOUSE_PUBLIC_URL;
  // Auth.js builds its own URLs (OAuth redirect URIs) from AUTH_URL: the same origin on every path.
  if (configured) process.env.AUTH_URL ??= new URL(configured).origin;
  return {
    secret: await cachedSecret(),
    trustHost: true,
    basePath: "/api/auth",
    useSecureCookies: secureCookies(h),
    session: { strategy: "jwt", maxAge: limits.maxHours * 3600 },
    pages: { signIn: "/sign-in", signOut: "/sign-out", error: "/sign-in" },
    providers: providers(),
    callbacks: {
      async signIn({ user, account, profile }) {
        const u = user as PendingUser;
        if (account?.provider === "credentials") return !!u.gatehouse;
        const ctx = context(h);
        let matched = null;
        if (account?.provider === "oidc") {
          const claim: unknown = profile?.email_verified;
          const verified = claim === true || claim === "true";
          const email = typeof profile?.email === "string" ? profile.email : null;
          matched = await matchExternalUser(ctx, {
            method: "oidc",
            verifiedEmails: verified && email ? [email] : [],
            unverifiedEmail: email,
          });
        } else if (account?.provider === "github") {
          matched = await matchExternalUser(ctx, {
            method: "github",
            verifiedEmails: await githubVerifiedEmails(account.access_token),
            unverifiedEmail: user.email,
          });
        }
        if (!matched) return false;
        // From here on the Gatehouse user is the one signing in, whatever the provider called them.
        u.gatehouse = {
          userId: matched.id,
          method: account!.provider as SignInMethod,
          ip: clientIp(h),
          userAgent: h?.get("user-agent"),
        };
        return true;
      },
      async jwt({ token, user }) {
        if (!user) return token;
        const pending = (user as PendingUser).gatehouse;
        if (!pending) return null;
        const sid = await startSession(context(h, pending.ip), {
          userId: pending.userId,
          method: pending.method,
          limits,
          userAgent: pending.userAgent,
        });
        // Only ids travel in the cookie: role, teams and validity are read from the database on every request.
        return { sub: pending.userId, sid };
      },
      session({ session, token }) {
        const out = { expires: session.expires, user: { id: token.sub ?? "" }, sid: token.sid };
        return out as unknown as typeof session;
      },
    },
    events: {
      async signOut(message) {
        // Direct POSTs to /api/auth/signout end the session here; the sign-out page already did (a no-op then).
        const sid = "token" in message ? message.token?.sid : undefined;
        if (typeof sid === "string") await endSession(context(h), sid);
      },
    },
    logger: {
      error(error) {
        const name = (error as { type?: string }).type ?? error.name;
        if (QUIET.has(name)) authLog().info({ authError: name }, "sign-in refused");
        else authLog().error({ err: error }, "auth error");
      },
      warn(code) {
        authLog().warn({ code }, "auth warning");
      },
      debug() {},
    },
  };
}

async function requestHeaders(req: Request | undefined): Promise<Headers | undefined> {
  if (req) return req.headers;
  try {
    return await nextHeaders();
  } catch {
    return undefined; // outside a request (never expected): no IP, no host
  }
}

const nextAuth = NextAuth(async (req) => buildConfig(await requestHeaders(req)));

export const { auth, signIn, signOut } = nextAuth;

/**
 * The origin people use: GATEHOUSE_PUBLIC_URL when set, else the request's (forwarded) host. Next.js reports
 * the listening address (http://0.0.0.0:3000) as the request URL, which would break OAuth redirect URIs.
 */
function publicOrigin(h: Headers): string | undefined {
  const configured = env().GATEHOUSE_PUBLIC_URL;
  if (configured) return new URL(configured).origin;
  const host = (h.get("x-forwarded-host") ?? h.get("host") ?? "").split(",")[0]!.trim();
  if (!/^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/.test(host)) return undefined;
  const proto = h.get("x-forwarded-proto")?.split(",")[0]?.trim() === "https" ? "https" : "http";
  return `${proto}://${host}`;
}

function atPublicOrigin(req: NextRequest): NextRequest {
  const origin = publicOrigin(req.headers);
  const url = new URL(req.url);
  if (!origin || url.origin === origin) return req;
  return new NextRequest(new URL(`${url.pathname}${url.search}`, origin), req);
}

/** Auth.js's route handlers, with a Retry-After header (seconds) on rate-limited sign-ins. */
async function withRetryAfter(res: Response): Promise<Response> {
  const target = res.headers.get("location") ?? "";
  const m = /[?&]code=rate_limited_(\d+)/.exec(target);
  if (!m) return res;
  const out = new Response(res.body, { status: res.status, statusText: res.statusText, headers: new Headers(res.headers) });
  out.headers.set("retry-after", m[1]!);
  return out;
}

export const handlers = {
  GET: (req: NextRequest) => nextAuth.handlers.GET(atPublicOrigin(req)),
  POST: async (req: NextRequest) => withRetryAfter(await nextAuth.handlers.POST(atPublicOrigin(req))),
};
