import { problem } from "@/server/api/rest/contract";
import { apiRoute, reply } from "@/server/api/rest/route";
import { idParams, scanResultSchema } from "@/server/api/rest/schemas";
import { getScan } from "@/server/ingest/ingest-report";

export const dynamic = "force-dynamic";

export const GET = apiRoute(
  {
    method: "GET",
    path: "/api/v1/scans/{id}",
    operationId: "getScan",
    summary: "A stored scan and its statistics",
    tags: ["Scans"],
    auth: "token",
    scopes: ["read", "scans:write"],
    params: idParams,
    responses: {
      200: { description: "The scan", schema: scanResultSchema },
      404: problem("No such scan in the token's scope", "not-found"),
    },
  },
  async ({ ctx, params }) => {
    const { duplicate: _d, ...result } = await getScan(ctx, params.id);
    return reply(200, result);
  },
);
