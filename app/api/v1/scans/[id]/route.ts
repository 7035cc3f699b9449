import { apiRoute, json } from "@/server/api/rest/route";
import { getScan } from "@/server/ingest/ingest-report";

export const dynamic = "force-dynamic";

export const GET = apiRoute<{ id: string }>(async (api, { id }) => {
  const ctx = await api.authenticate();
  const { duplicate: _d, ...result } = await getScan(ctx, id);
  return json(200, result);
});
