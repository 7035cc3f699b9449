// GET /api/v1/audit?since=&until=&limit= : the audit trail as streamed NDJSON, for security and admin.
import { exportAuditInput, ndjsonLine, openAuditExport, type AuditLine } from "@/server/audit/export-audit";
import { isDenial, recordDenial } from "@/server/audit/record-denial";
import { apiRoute } from "@/server/api/rest/route";
import { requireUser, userContext } from "@/server/auth/session";
import { logger } from "@/server/log";

export const dynamic = "force-dynamic";

/** Without a limit, one request returns at most this many events; page on with since. */
const DEFAULT_LIMIT = 10_000;

export const GET = apiRoute(async (api) => {
  const ctx = await userContext(await requireUser());
  const q = Object.fromEntries(new URL(api.req.url).searchParams);
  const input = exportAuditInput.parse({ ...q, limit: q.limit ?? DEFAULT_LIMIT });
  let events: AsyncIterator<AuditLine>;
  try {
    events = (await openAuditExport(ctx, input))[Symbol.asyncIterator]();
  } catch (e) {
    if (isDenial(e)) {
      await recordDenial(ctx, { action: "audit.export", targetType: "audit", reason: e.type }).catch((err: unknown) =>
        logger().error({ err, reqId: api.requestId }, "could not record a denial"),
      );
    }
    throw e;
  }
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const next = await events.next();
        if (next.done) controller.close();
        else controller.enqueue(encoder.encode(ndjsonLine(next.value)));
      } catch (err) {
        // The status is already sent: cut the stream, so the client sees an incomplete export.
        logger().error({ err, reqId: api.requestId }, "audit export failed");
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
});
