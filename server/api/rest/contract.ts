// The contract of a REST route, declared once next to its handler: input (path, query, headers, body) and output as
// zod schemas, every status with its problem types, the credential and the scopes. apiRoute() enforces it, the
// OpenAPI document is generated from it, and the integration tests parse every real answer with it. Pure.
// How to declare a route: docs/api.md.
import type { z } from "zod";
import type { Role } from "@/db/schema/users";
import type { TokenScope } from "../../tokens/token-scopes";

export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/** A 2xx (or other documented non-problem) answer. */
export type SuccessResponse = {
  description: string;
  /** the body's schema; give it `.meta({ id: "Name" })`, it becomes the named component #/components/schemas/Name */
  schema: z.ZodType;
  /** default application/json; application/x-ndjson means one `schema` document per line */
  contentType?: string;
  headers?: Readonly<Record<string, { description: string; schema: z.ZodType }>>;
};

/** An RFC 9457 problem document; `problems` are the problem types this status may carry (…/problems/<type>). */
export type ProblemResponse = { description: string; problems: readonly string[] };

export type ResponseSpec = SuccessResponse | ProblemResponse;

export type BodySpec =
  /** a JSON document parsed with `schema` (Content-Type *json*) */
  | { type: "json"; schema: z.ZodType; maxBytes?: number; description?: string }
  /** text in one of `mediaTypes` (matched on json / yaml), handed over undecoded; `schema` documents it */
  | { type: "text"; schema: z.ZodType; mediaTypes: readonly string[]; maxBytes: number; description?: string }
  /** raw bytes (optionally gzip Content-Encoding), e.g. a scanner report */
  | { type: "bytes"; mediaTypes: readonly string[]; maxBytes: () => number; description?: string };

export type RouteSpec = {
  method: HttpMethod;
  /** the OpenAPI path, e.g. /api/v1/services/{slug}; its {names} are the keys of `params` */
  path: string;
  /** unique, verbNoun: listServices, getService */
  operationId: string;
  summary: string;
  description?: string;
  tags: readonly string[];
  /** token: Authorization: Bearer gth_…; session: a signed-in person's cookie; none: public */
  auth: "token" | "session" | "none";
  /** token routes: any one of these scopes lets the call through (verbs check again) */
  scopes?: readonly TokenScope[];
  /** session routes: the least role */
  role?: Role;
  params?: z.ZodObject;
  /** repeated keys (or commas) fill array fields; use z.coerce for numbers */
  query?: z.ZodObject;
  /** lower-case header names */
  headers?: z.ZodObject;
  body?: BodySpec;
  /** the route's own answers; apiRoute's own (401, 403, 429, 400, 413, 415, 500) are added by contractResponses */
  responses: Readonly<Record<number, ResponseSpec>>;
};

export const problem = (description: string, ...problems: string[]): ProblemResponse => ({ description, problems });

export const isSuccess = (r: ResponseSpec): r is SuccessResponse => "schema" in r;

/** The answers apiRoute itself gives, by what the route takes. */
function ownResponses(spec: RouteSpec): Record<number, ProblemResponse> {
  const own: Record<number, ProblemResponse> = {};
  if (spec.auth === "token") {
    own[401] = problem("No token, or an invalid, expired or revoked one", "unauthorized");
    if (spec.scopes?.length)
      own[403] = problem(`The token has none of the scopes ${spec.scopes.join(", ")}`, "insufficient-scope");
    own[429] = problem("Over the token's rate limit (Retry-After, in seconds)", "rate-limited");
  }
  if (spec.auth === "session") {
    own[401] = problem("Not signed in", "unauthorized");
    if (spec.role) own[403] = problem(`Needs the ${spec.role} role`, "insufficient-role", "forbidden");
  }
  if (spec.params || spec.query || spec.headers || spec.body)
    own[400] = problem(
      "A parameter or field is invalid (errors[] gives each one), or holds a NUL or a lone surrogate",
      "validation-error",
      "invalid-text",
    );
  if (spec.body) {
    const media = spec.body.type === "json" ? "JSON" : spec.body.mediaTypes.join(" or ");
    own[400] = problem(
      "Invalid parameters or body (errors[] gives each), an empty or malformed body, or broken gzip",
      "validation-error",
      "invalid-text",
      "empty-body",
      "malformed-gzip",
      ...(spec.body.type === "json" ? ["malformed-json"] : []),
    );
    own[413] = problem(
      "The body is over the limit, before or after gunzip, or a decompression bomb",
      "payload-too-large",
      "decompression-bomb",
    );
    own[415] = problem(`Not ${media}, or a Content-Encoding other than gzip`, "unsupported-media-type", "unsupported-encoding");
  }
  own[500] = problem("Something went wrong on our side; quote the requestId", "internal-error");
  return own;
}

/** Every answer of a route: its own, merged with apiRoute's (problem types joined). */
export function contractResponses(spec: RouteSpec): Record<number, ResponseSpec> {
  const all: Record<number, ResponseSpec> = { ...ownResponses(spec) };
  for (const [key, r] of Object.entries(spec.responses)) {
    const status = Number(key);
    const before = all[status];
    if (before && !isSuccess(before) && !isSuccess(r))
      all[status] = {
        description: `${r.description}; or: ${before.description}`,
        problems: [...new Set([...r.problems, ...before.problems])],
      };
    else all[status] = r;
  }
  return all;
}

/** The {names} of a path template, in order. */
export const pathParameters = (path: string): string[] => [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);
