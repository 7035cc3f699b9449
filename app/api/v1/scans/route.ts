import { ingestParams } from "@/server/api/rest/schemas";
import { readBody } from "@/server/api/rest/read-body";
import { apiRoute, json } from "@/server/api/rest/route";
import { env } from "@/server/env";
import { ingestReport } from "@/server/ingest/ingest-report";

export const dynamic = "force-dynamic";

export const POST = apiRoute(async (api) => {
  const ctx = await api.authenticate();
  const params = ingestParams.parse(Object.fromEntries(new URL(api.req.url).searchParams));
  const body = await readBody(api.req, env().GATEHOUSE_MAX_UPLOAD_MB * 1024 * 1024);
  const result = await ingestReport(ctx, params, body, { idempotencyKey: api.req.headers.get("idempotency-key") ?? undefined });
  const { duplicate, ...rest } = result;
  return json(duplicate ? 200 : 201, duplicate ? { ...rest, duplicate: true } : rest, {
    location: `/api/v1/scans/${result.scan.id}`,
  });
});
