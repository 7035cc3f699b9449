// What every REST route shares: request id, caller IP, the credential (token with its rate limit and scopes, or a
// session), input parsed once against the route's contract, the answer, error mapping, and an audit record of every
// refusal. A route file is its contract plus a call to a verb; see docs/api.md.
import { randomUUID } from "node:crypto";
import type { z } from "zod";
import { isDenial, recordDenial } from "../../audit/record-denial";
import { requireRole } from "../../auth/permissions";
import type { ServiceContext } from "../../context";
import { env } from "../../env";
import { DomainError, unauthorized } from "../../errors";
import { logger } from "../../log";
import { runtime } from "../../runtime";
import { enforceApiRate } from "../../security/api-rate-limit";
import { authenticateTokenCached, InvalidTokenError, requireScope } from "../../tokens/tokens";
import type { BodySpec, RouteSpec } from "./contract";
import { findUnsafeValue } from "../../validation";
import { problemResponse } from "./problem";
import { OwnedBytes } from "../../owned-bytes";
import { readBody, readJson } from "./read-body";

export function bearerToken(req: Request): string | undefined {
  const h = req.headers.get("authorization");
  if (!h) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
  if (!m) throw unauthorized("Use Authorization: Bearer <token>.");
  return m[1];
}

type Out<T, Fallback> = T extends z.ZodType ? z.output<T> : Fallback;

/** A text body: the decoded text and the media type it came as (one of the spec's). */
export type TextBody = { text: string; mediaType: string };

type BodyOf<B> = B extends { type: "json"; schema: infer S }
  ? Out<S, never>
  : B extends { type: "text" }
    ? TextBody
    : B extends { type: "bytes" }
      ? OwnedBytes
      : undefined;

export type RouteInput<S extends RouteSpec> = {
  /** the caller as every verb takes it (token and session routes) */
  ctx: S["auth"] extends "none" ? undefined : ServiceContext;
  params: Out<S["params"], Record<string, never>>;
  query: Out<S["query"], Record<string, never>>;
  headers: Out<S["headers"], Record<string, never>>;
  body: BodyOf<S["body"]>;
  req: Request;
  requestId: string;
};

const REPLY = Symbol("reply");
export type Reply<Status extends number = number, Body = unknown> = {
  [REPLY]: true;
  status: Status;
  body: Body;
  headers?: Record<string, string>;
};

/** A JSON answer: the status must be one the spec declares with a schema, and the body must fit that schema. */
export const reply = <const Status extends number, Body>(
  status: Status,
  body: Body,
  headers?: Record<string, string>,
): Reply<Status, Body> => ({
  [REPLY]: true,
  status,
  body,
  headers,
});

type Replies<R> = {
  [K in keyof R & number]: R[K] extends { schema: infer Z extends z.ZodType } ? Reply<K, z.input<Z>> : never;
}[keyof R & number];

/** A Response is for bodies that are not JSON documents (a stream, the OpenAPI document's own cache headers). */
export type RouteResult<S extends RouteSpec> = Replies<S["responses"]> | Response;

type NextHandler = (req: Request, route: { params: Promise<Record<string, string>> }) => Promise<Response>;
export type ApiRoute<S extends RouteSpec = RouteSpec> = NextHandler & { spec: S };

export function apiRoute<const S extends RouteSpec>(
  spec: S,
  handler: (input: RouteInput<S>) => Promise<RouteResult<S>>,
): ApiRoute<S>;
export function apiRoute(spec: RouteSpec, handler: (input: RouteInput<RouteSpec>) => Promise<Response | Reply>): unknown {
  const route = async (req: Request, next: { params: Promise<Record<string, string>> }): Promise<Response> => {
    const requestId = req.headers.get("x-request-id") ?? randomUUID();
    // Set by our own HTTP server from the socket; never taken from the client.
    const ip = req.headers.get("x-gatehouse-client-ip") ?? undefined;
    const caller: Caller = { req, requestId, ip };
    try {
      const ctx = await authorize(spec, caller);
      const rawParams = await next.params;
      // A NUL or a lone surrogate in the path or the query string would reach the database (which refuses it): a 400.
      const unsafe = findUnsafeValue(rawParams) ?? findUnsafeValue(Object.fromEntries(new URL(req.url).searchParams.entries()));
      if (unsafe)
        throw new DomainError("bad_request", `${unsafe.path || "request"}: ${unsafe.problem} is not accepted.`, "invalid-text");
      const input = {
        ctx,
        params: parsePart("path", spec.params, rawParams),
        query: parsePart("query", spec.query, spec.query ? queryObject(new URL(req.url).searchParams, spec.query) : {}),
        headers: parsePart("header", spec.headers, spec.headers ? headerObject(req.headers, spec.headers) : {}),
        body: spec.body ? await readRequestBody(req, spec.body) : undefined,
        req,
        requestId,
      } as RouteInput<RouteSpec>;
      const result = await handler(input);
      if (result instanceof Response) return result;
      return json(result.status, result.body, result.headers);
    } catch (e) {
      return refusal(e, caller);
    }
  };
  return Object.assign(route, { spec });
}

type Caller = {
  req: Request;
  requestId: string;
  ip: string | undefined;
  base?: Omit<ServiceContext, "actor">;
  authed?: ServiceContext;
};

/** The credential the route asks for, then its scope or role: 401, 429 and 403 come before any input is read. */
async function authorize(spec: RouteSpec, caller: Caller): Promise<ServiceContext | undefined> {
  if (spec.auth === "none") return undefined;
  const base = { db: runtime().db, requestId: caller.requestId, ip: caller.ip, now: () => new Date() };
  caller.base = base;
  if (spec.auth === "session") {
    const { requireUser, userContext } = await import("../../auth/current-user");
    const ctx = { ...(await userContext(await requireUser())), requestId: caller.requestId };
    caller.authed = ctx;
    if (spec.role) requireRole(ctx.actor, spec.role);
    return ctx;
  }
  const actor = await authenticateTokenCached(base, bearerToken(caller.req), caller.ip);
  caller.authed = { ...base, actor };
  await enforceApiRate(base.db, actor.id, base.now(), env().GATEHOUSE_API_RATE_PER_MINUTE);
  const scopes = spec.scopes ?? [];
  if (scopes.length && !scopes.some((s) => actor.scopes.includes(s))) requireScope(actor, scopes[0]!);
  return caller.authed;
}

/** Problem+json for any error; a known caller told "no" is in the audit trail. */
async function refusal(e: unknown, caller: Caller): Promise<Response> {
  const path = new URL(caller.req.url).pathname;
  if (caller.base && isDenial(e)) {
    // A known token told "no"; an unknown or malformed one is not worth a write per request.
    const ctx = caller.authed ?? (e instanceof InvalidTokenError && e.refused ? { ...caller.base, actor: e.refused } : undefined);
    if (ctx) {
      await recordDenial(ctx, {
        action: `${caller.req.method} ${path}`,
        targetType: "endpoint",
        targetId: path,
        reason: e.type,
      }).catch((err: unknown) => logger().error({ err, reqId: caller.requestId }, "could not record a denial"));
    }
  }
  return problemResponse(e, caller.requestId, path);
}

type Where = "path" | "query" | "header" | "body";

/** One part of the input against its schema; every issue is reported with where it is. */
function parsePart(where: Where, schema: z.ZodType | undefined, value: unknown): unknown {
  if (!schema) return {};
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const errors = r.error.issues.map((i) => ({ in: where, path: i.path.join("."), message: i.message }));
  throw new DomainError("bad_request", errors.map((e) => `${e.path || where}: ${e.message}`).join("; "), "validation-error", {
    errors,
  });
}

/** The schema inside optional/default/nullable wrappers. */
function unwrap(schema: z.ZodType): z.ZodType {
  let s = schema as unknown as { _zod: { def: { type: string; innerType?: z.ZodType } } };
  while (s._zod.def.innerType && ["optional", "default", "nullable", "prefault", "catch"].includes(s._zod.def.type))
    s = s._zod.def.innerType as unknown as typeof s;
  return s as unknown as z.ZodType;
}

/** Query string → object: array fields take every value (repeated keys, or comma-separated); others the last. */
export function queryObject(params: URLSearchParams, schema: z.ZodObject): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of new Set(params.keys())) {
    const values = params.getAll(key);
    const field = schema.shape[key] as z.ZodType | undefined;
    const isArray = field && (unwrap(field) as unknown as { _zod: { def: { type: string } } })._zod.def.type === "array";
    out[key] = isArray ? values.flatMap((v) => v.split(",")).filter((v) => v !== "") : values.at(-1);
  }
  return out;
}

function headerObject(headers: Headers, schema: z.ZodObject): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of Object.keys(schema.shape)) {
    const v = headers.get(key);
    if (v !== null) out[key] = v;
  }
  return out;
}

const mediaFamily = (type: string) => (/json/i.test(type) ? "json" : /ya?ml/i.test(type) ? "yaml" : type.toLowerCase());

async function readRequestBody(req: Request, body: BodySpec): Promise<unknown> {
  if (body.type === "json") return parsePart("body", body.schema, await readJson(req, body.maxBytes));
  // Handed over whole to the verb that reads it, which lets the bytes go once decoded (server/owned-bytes.ts).
  if (body.type === "bytes") return new OwnedBytes(await readBody(req, body.maxBytes()));
  // A text body: the first declared media type when none is sent.
  const sent = (req.headers.get("content-type") ?? body.mediaTypes[0]!).split(";")[0]!.trim();
  const mediaType = body.mediaTypes.find((m) => m === sent.toLowerCase() || mediaFamily(m) === mediaFamily(sent));
  if (!mediaType)
    throw new DomainError(
      "unsupported_media_type",
      `Send the body as ${body.mediaTypes.join(" or ")}.`,
      "unsupported-media-type",
    );
  return { text: new TextDecoder().decode(await readBody(req, body.maxBytes)), mediaType };
}

export function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", "cache-control": "no-store", ...headers },
  });
}
