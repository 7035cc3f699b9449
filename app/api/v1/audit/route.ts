// GET /api/v1/audit?since=&until=&limit= : the audit trail as streamed NDJSON, for security and admin.
import { openAuditExport, ndjsonLine, type AuditLine } from "@/server/audit/export-audit";
import { apiRoute } from "@/server/api/rest/route";
import { auditEventSchema, exportAuditQuery } from "@/server/api/rest/schemas";
import { logger } from "@/server/log";

export const dynamic = "force-dynamic";

/** Without a limit, one request returns at most this many events; page on with since. */
const DEFAULT_LIMIT = 10_000;

export const GET = apiRoute(
  {
    method: "GET",
    path: "/api/v1/audit",
    operationId: "exportAudit",
    summary: "Export the audit trail as NDJSON (signed-in security or admin users)",
    description: `One JSON event per line, oldest first (since inclusive, until exclusive, at most limit, default ${DEFAULT_LIMIT}); secrets, hashes and tokens are stripped from before/after. Each export is itself recorded.`,
    tags: ["Audit"],
    auth: "session",
    role: "security",
    query: exportAuditQuery,
    responses: {
      200: {
        description: "NDJSON stream: one AuditEvent per line",
        schema: auditEventSchema,
        contentType: "application/x-ndjson",
      },
    },
  },
  async ({ ctx, query, requestId }) => {
    const events = (await openAuditExport(ctx, { ...query, limit: query.limit ?? DEFAULT_LIMIT }))[
      Symbol.asyncIterator
    ]() as AsyncIterator<AuditLine>;
    const encoder = new TextEncoder();
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        try {
          const next = await events.next();
          if (next.done) controller.close();
          else controller.enqueue(encoder.encode(ndjsonLine(next.value)));
        } catch (err) {
          // The status is already sent: cut the stream, so the client sees an incomplete export.
          logger().error({ err, reqId: requestId }, "audit export failed");
          controller.error(new Error("audit export failed"));
        }
      },
      async cancel() {
        await events.return?.();
      },
    });
    return new Response(body, {
      status: 200,
      headers: { "content-type": "application/x-ndjson; charset=utf-8", "cache-control": "no-store" },
    });
  },
);
