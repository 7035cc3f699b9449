import { problem } from "@/server/api/rest/contract";
import { apiRoute, reply } from "@/server/api/rest/route";
import { findingListSchema, listFindingsQuery } from "@/server/api/rest/schemas";
import { listFindingsAfter } from "@/server/views/findings";

export const dynamic = "force-dynamic";

export const GET = apiRoute(
  {
    method: "GET",
    path: "/api/v1/findings",
    operationId: "listFindings",
    summary: "Findings in the token's scope",
    description:
      "Filters as in the dashboard: team, tier, service, severity, area, tool, status (open by default), sla=breached, closedWithinDays, kev=true (on CISA KEV), epssMin (EPSS at least), text; sorted by severity (default), first or last seen, service or title.",
    tags: ["Findings"],
    auth: "token",
    scopes: ["read"],
    query: listFindingsQuery,
    responses: {
      200: { description: "One page", schema: findingListSchema },
      400: problem("A cursor from another list or sort", "invalid-cursor"),
      403: problem("A service-bound token asking for another service", "forbidden"),
      404: problem("No such team or service in the token's scope", "not-found"),
    },
  },
  async ({ ctx, query: { cursor, limit, ...filter } }) => reply(200, await listFindingsAfter(ctx, filter, { cursor, limit })),
);
