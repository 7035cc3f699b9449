// The tRPC context of an HTTP request or a server component: the session's user, never anything from input.
import { headers as nextHeaders } from "next/headers";
import { TRPCError } from "@trpc/server";
import { currentUser, userActor } from "../../auth/session";
import { runtime } from "../../runtime";
import { assertSameOrigin } from "../../security/csrf";
import type { TrpcContext, UserActor } from "./init";

async function actorOfSession(): Promise<UserActor | null> {
  const user = await currentUser();
  if (!user) return null;
  const actor = userActor(user);
  return actor.type === "user" ? actor : null;
}

/** For /api/trpc: mutations (POST) must come from our own origin, since the session is a cookie. */
export async function createRequestContext(req: Request): Promise<TrpcContext> {
  if (req.method !== "GET" && req.method !== "HEAD") {
    try {
      assertSameOrigin(req);
    } catch {
      throw new TRPCError({ code: "FORBIDDEN", message: "Cross-site request refused." });
    }
  }
  return {
    db: runtime().db,
    now: () => new Date(),
    requestId: req.headers.get("x-request-id") ?? undefined,
    ip: req.headers.get("x-gatehouse-client-ip") || undefined,
    actor: await actorOfSession(),
  };
}

/** For server components: the same context, from the incoming request's headers. */
export async function createServerContext(): Promise<TrpcContext> {
  const h = await nextHeaders();
  return {
    db: runtime().db,
    now: () => new Date(),
    requestId: h.get("x-request-id") ?? undefined,
    ip: h.get("x-gatehouse-client-ip") || undefined,
    actor: await actorOfSession(),
  };
}
