import { problem } from "@/server/api/rest/contract";
import { apiRoute, reply } from "@/server/api/rest/route";
import { idParams } from "@/server/api/rest/schemas";
import { deliveryListSchema, listDeliveriesQuery } from "@/server/api/rest/schemas-notify";
import { listDeliveries } from "@/server/notify/subscriptions";

export const dynamic = "force-dynamic";

export const GET = apiRoute(
  {
    method: "GET",
    path: "/api/v1/notifications/subscriptions/{id}/deliveries",
    operationId: "listDeliveries",
    summary: "A subscription's newest deliveries, what each attempt answered, and what failed for good",
    tags: ["Notifications"],
    auth: "token",
    scopes: ["read", "notifications:write"],
    params: idParams,
    query: listDeliveriesQuery,
    responses: {
      403: problem("A token bound to services may not see or manage the team's subscriptions", "forbidden"),
      200: { description: "Newest first", schema: deliveryListSchema },
      404: problem("No such subscription in the token's scope", "not-found"),
    },
  },
  async ({ ctx, params, query }) => reply(200, { deliveries: await listDeliveries(ctx, { id: params.id, ...query }) }),
);
