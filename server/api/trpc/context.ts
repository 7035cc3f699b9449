// The tRPC context of an HTTP request or a server component: the session's user, never anything from input.
import { headers as nextHeaders } from "next/headers";
import { TRPCError } from "@trpc/server";
import { recordDenial } from "../../audit/record-denial";
import { currentUser, userActor } from "../../auth/current-user";
import { DomainError } from "../../errors";
import { logger } from "../../log";
import { runtime } from "../../runtime";
import { assertSameOrigin } from "../../security/csrf";
import type { TrpcContext, UserActor } from "./init";

async function actorOfSession(): Promise<UserActor | null> {
  const user = await currentUser();
  if (!user) return null;
  const actor = userActor(user);
  return actor.type === "user" ? actor : null;
}

/**
 * For /api/trpc: mutations (POST) must come from our own origin, since the session is a cookie. A refused cross-site
 * request that carries a live session is an attack on that person: it is audited (access.denied), as every refusal is.
 */
export async function createRequestContext(req: Request): Promise<TrpcContext> {
  const base = {
    db: runtime().db,
    now: () => new Date(),
    requestId: req.headers.get("x-request-id") ?? undefined,
    ip: req.headers.get("x-gatehouse-client-ip") || undefined,
  };
  if (req.method !== "GET" && req.method !== "HEAD") {
    try {
      assertSameOrigin(req);
    } catch (e) {
      const actor = await actorOfSession().catch(() => null);
      if (actor) {
        const procedures = new URL(req.url).pathname.replace(/^\/api\/trpc\/?/, "").slice(0, 500);
        await recordDenial(
          { ...base, actor },
          {
            action: `trpc ${procedures}`,
            targetType: "procedure",
            targetId: procedures,
            reason: e instanceof DomainError ? e.type : "cross-site-request",
          },
        ).catch((err: unknown) => logger().error({ err, reqId: base.requestId }, "could not record a denial"));
      }
      throw new TRPCError({ code: "FORBIDDEN", message: "Cross-site request refused." });
    }
  }
  return { ...base, actor: await actorOfSession() };
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
