import { problem } from "@/server/api/rest/contract";
import { apiRoute, reply } from "@/server/api/rest/route";
import { idParams } from "@/server/api/rest/schemas";
import { removedSubscriptionSchema } from "@/server/api/rest/schemas-notify";
import { removeSubscription } from "@/server/notify/subscriptions";

export const dynamic = "force-dynamic";

export const DELETE = apiRoute(
  {
    method: "DELETE",
    path: "/api/v1/notifications/subscriptions/{id}",
    operationId: "removeSubscription",
    summary: "Remove a subscription (its pending deliveries are cancelled)",
    tags: ["Notifications"],
    auth: "token",
    scopes: ["notifications:write"],
    params: idParams,
    responses: {
      403: problem("A token bound to services may not see or manage the team's subscriptions", "forbidden"),
      200: { description: "Removed", schema: removedSubscriptionSchema },
      404: problem("No such subscription in the token's scope", "not-found"),
    },
  },
  async ({ ctx, params }) => reply(200, await removeSubscription(ctx, params.id)),
);
