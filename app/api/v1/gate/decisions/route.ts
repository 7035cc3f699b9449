import { problem } from "@/server/api/rest/contract";
import { apiRoute, reply } from "@/server/api/rest/route";
import { decisionListSchema, listDecisionsQuery } from "@/server/api/rest/schemas";
import { listDecisionsAfter } from "@/server/views/decisions";

export const dynamic = "force-dynamic";

export const GET = apiRoute(
  {
    method: "GET",
    path: "/api/v1/gate/decisions",
    operationId: "listDecisions",
    summary: "Gate decisions in the token's scope, newest first",
    description:
      "Filters as in the dashboard: team, tier, service, stage, decision (allow or block), days; dir=asc for oldest first.",
    tags: ["Gate"],
    auth: "token",
    scopes: ["read"],
    query: listDecisionsQuery,
    responses: {
      200: { description: "One page", schema: decisionListSchema },
      400: problem("A cursor from another list or sort", "invalid-cursor"),
      403: problem("A service-bound token asking for another service", "forbidden"),
      404: problem("No such team or service in the token's scope", "not-found"),
    },
  },
  async ({ ctx, query: { cursor, limit, ...filter } }) => reply(200, await listDecisionsAfter(ctx, filter, { cursor, limit })),
);
