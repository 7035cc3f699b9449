import { z } from "zod";
import { problem } from "@/server/api/rest/contract";
import { apiRoute, reply } from "@/server/api/rest/route";
import { scanResultSchema, uploadScanQuery } from "@/server/api/rest/schemas";
import { env } from "@/server/env";
import { ingestParsedReport } from "@/server/ingest/ingest-report";

export const dynamic = "force-dynamic";

const location = { location: { description: "The scan: /api/v1/scans/{id}", schema: z.string() } };

export const POST = apiRoute(
  {
    method: "POST",
    path: "/api/v1/scans",
    operationId: "uploadScan",
    summary: "Upload a scanner report",
    description:
      "The body is the raw report exactly as the tool wrote it (optionally Content-Encoding: gzip). Findings are normalized, deduplicated and committed before the response is sent. The same bytes for the same service, commit and scope return 200 with duplicate: true.",
    tags: ["Scans"],
    auth: "token",
    scopes: ["scans:write"],
    query: uploadScanQuery,
    headers: z.object({
      "idempotency-key": z
        .string()
        .max(200)
        .optional()
        .meta({ description: "1–200 visible ASCII characters; the same key for a different upload is a 409" }),
    }),
    body: {
      type: "bytes",
      mediaTypes: ["application/json", "application/xml", "application/x-ndjson", "application/octet-stream"],
      maxBytes: () => env().GATEHOUSE_MAX_UPLOAD_MB * 1024 * 1024,
      description: "The report, at most GATEHOUSE_MAX_UPLOAD_MB after gunzip",
    },
    responses: {
      201: { description: "Ingested", schema: scanResultSchema, headers: location },
      200: { description: "The same report was already ingested; nothing changed", schema: scanResultSchema, headers: location },
      400: problem(
        "Malformed JSON/XML (with line and column), an empty report, or a bad Idempotency-Key",
        "malformed-report",
        "empty-report",
      ),
      403: problem("The token may not write to this service", "forbidden"),
      404: problem("Unknown service, and the token may not create it", "not-found"),
      409: problem("Idempotency-Key reused for a different upload", "idempotency-key-reused"),
      415: problem("Unrecognized format; lists the supported formats", "unsupported-format"),
      422: problem(
        "A well-formed report that breaks its format's schema, is not the format named, or is empty in a way several tools write",
        "invalid-report",
        "format-mismatch",
        "ambiguous-report",
      ),
    },
  },
  async ({ ctx, query, headers, body }) => {
    const { duplicate, ...result } = await ingestParsedReport(ctx, query, body, { idempotencyKey: headers["idempotency-key"] });
    const where = { location: `/api/v1/scans/${result.scan.id}` };
    return duplicate ? reply(200, { ...result, duplicate: true }, where) : reply(201, result, where);
  },
);
