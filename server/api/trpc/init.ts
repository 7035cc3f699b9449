// The tRPC procedure ladder: public → protected (signed-in user) → team (a service the user can see) → security.
// The role and teams come from the session (server side), never from input.
import { initTRPC, TRPCError, type TRPC_ERROR_CODE_KEY } from "@trpc/server";
import superjson from "superjson";
import { z, ZodError } from "zod";
import type { Database } from "@/db/client";
import { recordDenialWherever } from "../../audit/record-denial";
import { hasRole } from "../../auth/permissions";
import type { Actor, ServiceContext } from "../../context";
import { DomainError, type ErrorCode } from "../../errors";
import { logger } from "../../log";
import { serviceForActor, type ServiceRef } from "../../services/access";
import { findUnsafeValue, slugSchema } from "../../validation";

export type UserActor = Extract<Actor, { type: "user" }>;

export type TrpcContext = {
  db: Database;
  now: () => Date;
  requestId?: string;
  ip?: string;
  /** the signed-in user, or null */
  actor: UserActor | null;
};

const CODES: Record<ErrorCode, TRPC_ERROR_CODE_KEY> = {
  bad_request: "BAD_REQUEST",
  unauthorized: "UNAUTHORIZED",
  forbidden: "FORBIDDEN",
  not_found: "NOT_FOUND",
  conflict: "CONFLICT",
  payload_too_large: "PAYLOAD_TOO_LARGE",
  unsupported_media_type: "UNSUPPORTED_MEDIA_TYPE",
  unprocessable: "UNPROCESSABLE_CONTENT",
  rate_limited: "TOO_MANY_REQUESTS",
  unavailable: "SERVICE_UNAVAILABLE",
};

const INTERNAL = "Something went wrong on our side.";

/** DomainError → its tRPC code; ZodError → BAD_REQUEST; anything else → a generic 500 without internals. */
export function toTrpcError(e: unknown): TRPCError {
  if (e instanceof TRPCError) {
    const cause = e.cause;
    if (cause instanceof DomainError || cause instanceof ZodError) return toTrpcError(cause);
    if (e.code === "INTERNAL_SERVER_ERROR") return new TRPCError({ code: e.code, message: INTERNAL, cause: e.cause ?? e });
    return e;
  }
  if (e instanceof DomainError) return new TRPCError({ code: CODES[e.code], message: e.message, cause: e });
  if (e instanceof ZodError) {
    const message = e.issues.map((i) => `${i.path.join(".") || "input"}: ${i.message}`).join("; ");
    return new TRPCError({ code: "BAD_REQUEST", message, cause: e });
  }
  return new TRPCError({ code: "INTERNAL_SERVER_ERROR", message: INTERNAL, cause: e });
}

const t = initTRPC.context<TrpcContext>().create({
  transformer: superjson,
  // Stack traces stay on the server, whatever the environment.
  isDev: false,
  errorFormatter({ shape, error, ctx }) {
    const internal = error.code === "INTERNAL_SERVER_ERROR";
    const problem = error.cause instanceof DomainError ? error.cause.type : undefined;
    return {
      ...shape,
      message: internal
        ? `${INTERNAL}${ctx?.requestId ? ` Quote request id ${ctx.requestId} when reporting it.` : ""}`
        : shape.message,
      data: { code: shape.data.code, httpStatus: shape.data.httpStatus, path: shape.data.path, ...(problem ? { problem } : {}) },
    };
  },
});

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

const mapErrors = t.middleware(async ({ next, ctx, path }) => {
  const result = await next();
  if (!result.ok) {
    const mapped = toTrpcError(result.error);
    if (mapped.code === "INTERNAL_SERVER_ERROR")
      logger().error({ err: result.error.cause ?? result.error, reqId: ctx.requestId, path }, "unhandled tRPC error");
    // A signed-in user told "no" or "not yours" is in the audit trail, as on the REST API. The refused change has
    // rolled back by now; a caller that runs the whole call in its own transaction keeps the record in it.
    if (ctx.actor && (mapped.code === "FORBIDDEN" || mapped.code === "NOT_FOUND")) {
      const svc: ServiceContext = { db: ctx.db, now: ctx.now, requestId: ctx.requestId, ip: ctx.ip, actor: ctx.actor };
      const cause = mapped.cause instanceof DomainError ? mapped.cause.type : mapped.code.toLowerCase();
      const denial = { action: `trpc ${path}`, targetType: "procedure", targetId: path, reason: cause };
      await recordDenialWherever(svc, denial).catch((err: unknown) =>
        logger().error({ err, reqId: ctx.requestId, path }, "could not record a denial"),
      );
    }
    throw mapped;
  }
  return result;
});

/** No procedure ever sees a NUL, invalid Unicode or an absurdly deep or large input: BAD_REQUEST, before any verb. */
const inputGuard = t.middleware(async ({ getRawInput, next }) => {
  const unsafe = findUnsafeValue(await getRawInput(), { maxDepth: 32, maxNodes: 100_000 });
  if (unsafe)
    throw new DomainError("bad_request", `${unsafe.path || "input"}: ${unsafe.problem} is not accepted.`, "invalid-text");
  return next();
});

export const publicProcedure = t.procedure.use(mapErrors).use(inputGuard);

/** A signed-in user; `ctx.svc` is the ServiceContext every verb takes. */
export const protectedProcedure = publicProcedure.use(({ ctx, next }) => {
  if (!ctx.actor) throw new TRPCError({ code: "UNAUTHORIZED", message: "Sign in to continue." });
  const svc: ServiceContext = { db: ctx.db, now: ctx.now, requestId: ctx.requestId, ip: ctx.ip, actor: ctx.actor };
  return next({ ctx: { actor: ctx.actor, svc } });
});

export type ServiceRow = ServiceRef;

/** Input names a service; one in a team the user cannot see does not exist (NOT_FOUND, never FORBIDDEN). */
export const teamProcedure = protectedProcedure
  .input(z.object({ service: slugSchema }))
  .use(async ({ ctx, input, next }) => next({ ctx: { service: await serviceForActor(ctx.svc, input.service) } }));

/** Security staff and admins. */
export const securityProcedure = protectedProcedure.use(({ ctx, next }) => {
  if (!hasRole(ctx.actor, "security")) throw new TRPCError({ code: "FORBIDDEN", message: "This needs the security role." });
  return next();
});

/** Admins: teams, members, roles and accounts. */
export const adminProcedure = protectedProcedure.use(({ ctx, next }) => {
  if (!hasRole(ctx.actor, "admin")) throw new TRPCError({ code: "FORBIDDEN", message: "This needs the admin role." });
  return next();
});
