import { problem } from "@/server/api/rest/contract";
import { apiRoute, reply } from "@/server/api/rest/route";
import { idParams } from "@/server/api/rest/schemas";
import { testResultSchema } from "@/server/api/rest/schemas-notify";
import { env } from "@/server/env";
import { notifyConfig } from "@/server/notify/deliver";
import { testSubscription } from "@/server/notify/subscriptions";

export const dynamic = "force-dynamic";

export const POST = apiRoute(
  {
    method: "POST",
    path: "/api/v1/notifications/subscriptions/{id}/test",
    operationId: "testSubscription",
    summary: "Send a test event at once and say how the receiver answered (recorded like any delivery)",
    tags: ["Notifications"],
    auth: "token",
    scopes: ["notifications:write"],
    params: idParams,
    responses: {
      403: problem("A token bound to services may not see or manage the team's subscriptions", "forbidden"),
      200: { description: "How the delivery went", schema: testResultSchema },
      404: problem("No such subscription in the token's scope", "not-found"),
    },
  },
  async ({ ctx, params }) => reply(200, await testSubscription(ctx, params.id, notifyConfig(env()))),
);
