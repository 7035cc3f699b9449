import { problem } from "@/server/api/rest/contract";
import { apiRoute, reply } from "@/server/api/rest/route";
import { listServicesQuery, serviceListSchema } from "@/server/api/rest/schemas";
import { scoresOf } from "@/server/views/scores";
import { listServicesAfter } from "@/server/views/services";

export const dynamic = "force-dynamic";

export const GET = apiRoute(
  {
    method: "GET",
    path: "/api/v1/services",
    operationId: "listServices",
    summary: "The services the token sees, with their grade and open findings",
    description:
      "Filters as in the dashboard (team, tier, text, grade) and its sorts; a service-bound token sees its services only.",
    tags: ["Services"],
    auth: "token",
    scopes: ["read"],
    query: listServicesQuery,
    responses: {
      200: { description: "One page", schema: serviceListSchema },
      400: problem("A cursor from another list or sort", "invalid-cursor"),
      404: problem("No such team in the token's scope", "not-found"),
    },
  },
  async ({ ctx, query: { cursor, limit, ...filter } }) =>
    reply(200, await listServicesAfter(ctx, filter, { cursor, limit }, (services) => scoresOf(ctx, services))),
);
