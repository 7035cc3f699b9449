// The OpenAPI 3.1 document of the public API, generated from the same zod schemas that validate requests.
import { z } from "zod";
import { VERSION } from "../../health";
import { SUPPORTED_FORMATS } from "../../ingest/detect";
import { healthSchema, ingestParams, problemSchema, scanResultSchema } from "./schemas";

const ref = (id: string) => ({ $ref: `#/components/schemas/${id}` });
const problem = (description: string) => ({ description, content: { "application/problem+json": { schema: ref("Problem") } } });

function queryParameters(schema: z.ZodObject): unknown[] {
  const js = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as {
    properties: Record<string, unknown>;
    required?: string[];
  };
  return Object.entries(js.properties).map(([name, s]) => ({
    name,
    in: "query",
    required: js.required?.includes(name) ?? false,
    schema: s,
  }));
}

export function openApiDocument(): unknown {
  const components = z.toJSONSchema(z.object({ a: scanResultSchema, b: problemSchema, c: healthSchema }), {
    target: "openapi-3.0",
    unrepresentable: "any",
    reused: "ref",
  }) as { $defs?: Record<string, unknown>; definitions?: Record<string, unknown> };
  const schemas = Object.fromEntries(
    Object.entries(components.$defs ?? components.definitions ?? {}).map(([k, v]) => [
      k,
      JSON.parse(
        JSON.stringify(v).replaceAll("#/$defs/", "#/components/schemas/").replaceAll("#/definitions/", "#/components/schemas/"),
      ),
    ]),
  );
  const formatParam = {
    description: `Report format, or auto (default) to detect it from the content. One of: auto, ${SUPPORTED_FORMATS.join(", ")}`,
  };
  return {
    openapi: "3.1.0",
    info: {
      title: "Gatehouse API",
      version: VERSION,
      description:
        "Pipelines post scanner reports, and ask whether a build may be promoted. Errors are RFC 9457 problem documents.",
    },
    components: {
      schemas,
      securitySchemes: { bearer: { type: "http", scheme: "bearer", description: "A Gatehouse machine token (gth_…)" } },
    },
    paths: {
      "/api/health": {
        get: {
          summary: "Liveness and database health",
          responses: {
            "200": { description: "Healthy", content: { "application/json": { schema: ref("Health") } } },
            "503": { description: "Database unreachable", content: { "application/json": { schema: ref("Health") } } },
          },
        },
      },
      "/api/v1/scans": {
        post: {
          summary: "Upload a scanner report",
          description:
            "The body is the raw report exactly as the tool wrote it (optionally Content-Encoding: gzip). Findings are normalized, deduplicated and committed before the response is sent. The same bytes for the same service, commit and scope return 200 with duplicate: true.",
          security: [{ bearer: [] }],
          parameters: [
            ...queryParameters(ingestParams).map((p) =>
              (p as { name: string }).name === "format" ? { ...(p as object), ...formatParam } : p,
            ),
            { name: "Idempotency-Key", in: "header", required: false, schema: { type: "string", maxLength: 200 } },
          ],
          requestBody: {
            required: true,
            content: {
              "application/json": { schema: {} },
              "application/xml": { schema: {} },
              "application/x-ndjson": { schema: {} },
              "application/octet-stream": { schema: {} },
            },
          },
          responses: {
            "201": { description: "Ingested", content: { "application/json": { schema: ref("ScanResult") } } },
            "200": {
              description: "The same report was already ingested; nothing changed",
              content: { "application/json": { schema: ref("ScanResult") } },
            },
            "400": problem("Malformed JSON/XML (with line and column), empty body, or bad parameters"),
            "401": problem("No token or an invalid, expired or revoked token"),
            "403": problem("The token may not write to this service or lacks scans:write"),
            "404": problem("Unknown service (and the token may not create it)"),
            "409": problem("Idempotency-Key reused for a different upload"),
            "413": problem("Larger than GATEHOUSE_MAX_UPLOAD_MB, before or after gunzip, or a decompression bomb"),
            "415": problem("Unrecognized format or content encoding; lists the supported formats"),
            "422": problem("A well-formed report that breaks its format's schema, or an ambiguous empty report"),
          },
        },
      },
      "/api/v1/scans/{id}": {
        get: {
          summary: "A stored scan and its statistics",
          security: [{ bearer: [] }],
          parameters: [{ name: "id", in: "path", required: true, schema: { type: "string" } }],
          responses: {
            "200": { description: "The scan", content: { "application/json": { schema: ref("ScanResult") } } },
            "401": problem("No valid token"),
            "404": problem("No such scan in the token's scope"),
          },
        },
      },
      "/api/v1/openapi.json": { get: { summary: "This document", responses: { "200": { description: "OpenAPI 3.1" } } } },
    },
  };
}
