// The OpenAPI 3.1 document of the REST API, generated from the routes' contracts (the same zod schemas that parse
// their input and describe their answers). Every schema with a meta id is a named component. Pure.
import { z } from "zod";
import pkg from "@/package.json";
import { contractResponses, isSuccess, pathParameters, type RouteSpec } from "./contract";
import { openApiDocumentSchema, problemSchema } from "./schemas";

type Json = Record<string, unknown>;

/** The document's own route (app/api/v1/openapi.json), always part of the document. */
export const openApiRouteSpec = {
  method: "GET",
  path: "/api/v1/openapi.json",
  operationId: "getOpenApiDocument",
  summary: "This document",
  tags: ["Meta"],
  auth: "none",
  responses: { 200: { description: "OpenAPI 3.1", schema: openApiDocumentSchema } },
} as const satisfies RouteSpec;

const COMPONENTS = "#/components/schemas/";
const ref = (id: string) => ({ $ref: `${COMPONENTS}${id}` });

/** JSON Schemas of many zod schemas at once, sharing one set of named definitions. */
function convert(
  entries: Map<string, z.ZodType>,
  io: "input" | "output",
): { schemas: Map<string, Json>; defs: Record<string, Json> } {
  const wrapper = z.object(Object.fromEntries(entries));
  const js = z.toJSONSchema(wrapper, { io, unrepresentable: "any", reused: "inline" }) as {
    properties: Record<string, Json>;
    $defs?: Record<string, Json>;
  };
  return { schemas: new Map(Object.entries(js.properties)), defs: js.$defs ?? {} };
}

/** Renames $refs and drops what does not belong in a component (output objects may gain fields later). */
function tidy(value: unknown, rename: (id: string) => string, io: "input" | "output"): unknown {
  if (Array.isArray(value)) return value.map((v) => tidy(v, rename, io));
  if (!value || typeof value !== "object") return value;
  const out: Json = {};
  for (const [k, v] of Object.entries(value)) {
    if (k === "$schema" || k === "id") continue;
    if (k === "additionalProperties" && v === false && io === "output") continue;
    if (k === "$ref" && typeof v === "string" && v.startsWith("#/$defs/")) out[k] = `${COMPONENTS}${rename(v.slice(8))}`;
    else out[k] = tidy(v, rename, io);
  }
  return out;
}

/** idempotency-key → Idempotency-Key, as the header is usually written. */
const headerName = (name: string) => name.replace(/(^|-)([a-z])/g, (_, dash: string, c: string) => dash + c.toUpperCase());

function named(schema: Json, where: string): Json {
  if (typeof schema.$ref !== "string") throw new Error(`${where}: give its schema a name with .meta({ id: "…" })`);
  return schema;
}

export function openApiDocument(routes: readonly RouteSpec[]): Json {
  const all: RouteSpec[] = [...routes, openApiRouteSpec].sort(
    (a, b) => a.path.localeCompare(b.path) || a.method.localeCompare(b.method),
  );
  const ids = new Set<string>();
  for (const r of all) {
    if (ids.has(r.operationId)) throw new Error(`operationId ${r.operationId} is used twice`);
    ids.add(r.operationId);
    const declared = Object.keys(r.params?.shape ?? {}).sort();
    if (pathParameters(r.path).sort().join() !== declared.join())
      throw new Error(`${r.method} ${r.path}: params must declare exactly ${pathParameters(r.path).join(", ") || "nothing"}`);
  }

  // Answers are converted as they leave (output), requests as clients write them (input).
  const outputs = new Map<string, z.ZodType>([["problem", problemSchema]]);
  const inputs = new Map<string, z.ZodType>();
  all.forEach((r, i) => {
    for (const [status, resp] of Object.entries(contractResponses(r))) {
      if (isSuccess(resp)) {
        outputs.set(`${i}:${status}`, resp.schema);
        for (const [h, d] of Object.entries(resp.headers ?? {})) outputs.set(`${i}:${status}:${h}`, d.schema);
      }
    }
    if (r.body && r.body.type !== "bytes") inputs.set(`${i}:body`, r.body.schema);
    for (const part of ["params", "query", "headers"] as const) {
      for (const [name, s] of Object.entries(r[part]?.shape ?? {})) inputs.set(`${i}:${part}:${name}`, s as z.ZodType);
    }
  });
  const out = convert(outputs, "output");
  const inp = convert(inputs, "input");

  // A schema that reads differently as input (defaults, transforms) gets its own component, <Name>Input.
  const outName = (id: string) => id;
  const inName = (id: string) =>
    id in out.defs &&
    JSON.stringify(tidy(out.defs[id], outName, "input")) !== JSON.stringify(tidy(inp.defs[id], outName, "input"))
      ? `${id}Input`
      : id;
  const components: Record<string, unknown> = {};
  for (const [id, s] of Object.entries(out.defs)) components[outName(id)] = tidy(s, outName, "output");
  for (const [id, s] of Object.entries(inp.defs)) components[inName(id)] ??= tidy(s, inName, "input");
  const output = (key: string) => tidy(out.schemas.get(key), outName, "output") as Json;
  const input = (key: string) => tidy(inp.schemas.get(key), inName, "input") as Json;

  const paths: Record<string, Record<string, unknown>> = {};
  all.forEach((r, i) => {
    const where = `${r.method} ${r.path}`;
    const parameters = (["params", "query", "headers"] as const).flatMap((part) => {
      const shape = r[part]?.shape ?? {};
      return Object.entries(shape).map(([name, s]) => {
        const schema = input(`${i}:${part}:${name}`);
        const { description, ...rest } = schema;
        return {
          name: part === "headers" ? headerName(name) : name,
          in: part === "params" ? "path" : part === "query" ? "query" : "header",
          required: part === "params" || !(s as z.ZodType).safeParse(undefined).success,
          ...(description ? { description } : {}),
          schema: rest,
        };
      });
    });
    const responses: Record<string, unknown> = {};
    for (const [status, resp] of Object.entries(contractResponses(r))) {
      if (isSuccess(resp)) {
        const body = named(output(`${i}:${status}`), `${where} ${status}`);
        responses[status] = {
          description: resp.description,
          ...(resp.headers
            ? {
                headers: Object.fromEntries(
                  Object.entries(resp.headers).map(([h, d]) => [
                    h,
                    { description: d.description, schema: output(`${i}:${status}:${h}`) },
                  ]),
                ),
              }
            : {}),
          content: { [resp.contentType ?? "application/json"]: { schema: body } },
        };
      } else {
        responses[status] = {
          description: `${resp.description}. Problem types: ${resp.problems.map((p) => `/problems/${p}`).join(", ")}`,
          "x-problem-types": resp.problems,
          ...(status === "401" && r.auth === "token"
            ? { headers: { "WWW-Authenticate": { description: 'Bearer realm="gatehouse"', schema: { type: "string" } } } }
            : {}),
          ...(status === "429"
            ? {
                headers: {
                  "Retry-After": { description: "Seconds until the next call is allowed", schema: { type: "integer" } },
                },
              }
            : {}),
          content: { "application/problem+json": { schema: ref("Problem") } },
        };
      }
    }
    const body = r.body;
    const operation = {
      operationId: r.operationId,
      summary: r.summary,
      ...(r.description ? { description: r.description } : {}),
      tags: r.tags,
      ...(r.auth === "token"
        ? { security: r.scopes?.length ? r.scopes.map((s) => ({ bearer: [s] })) : [{ bearer: [] }] }
        : r.auth === "session"
          ? { security: [{ session: r.role ? [r.role] : [] }] }
          : { security: [] }),
      ...(parameters.length ? { parameters } : {}),
      ...(body
        ? {
            requestBody: {
              required: true,
              ...(body.description ? { description: body.description } : {}),
              content:
                body.type === "bytes"
                  ? Object.fromEntries(body.mediaTypes.map((m) => [m, { schema: {} }]))
                  : Object.fromEntries(
                      (body.type === "json" ? ["application/json"] : body.mediaTypes).map((m) => [
                        m,
                        { schema: named(input(`${i}:body`), `${where} body`) },
                      ]),
                    ),
            },
          }
        : {}),
      responses,
    };
    (paths[r.path] ??= {})[r.method.toLowerCase()] = operation;
  });

  return {
    openapi: "3.1.0",
    info: {
      title: "Gatehouse API",
      version: pkg.version,
      description:
        "Pipelines post scanner reports and ask whether a build may be promoted; integrations read services, scorecards, findings and gate decisions. Errors are RFC 9457 problem documents (application/problem+json). Lists page with an opaque cursor: pass nextCursor back as cursor until it is null.",
    },
    servers: [{ url: "/" }],
    tags: [...new Set(all.flatMap((r) => r.tags))].sort().map((name) => ({ name })),
    components: {
      schemas: Object.fromEntries(Object.entries(components).sort(([a], [b]) => a.localeCompare(b))),
      securitySchemes: {
        bearer: {
          type: "http",
          scheme: "bearer",
          description: "A Gatehouse API token (gth_…); the requirement lists the scopes, any one of which is enough",
        },
        session: { type: "apiKey", in: "cookie", name: "authjs.session-token", description: "A signed-in person's session" },
      },
    },
    paths,
  };
}
