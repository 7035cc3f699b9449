import { problem } from "@/server/api/rest/contract";
import { apiRoute, reply } from "@/server/api/rest/route";
import { createdSubscriptionSchema, createSubscriptionBody, subscriptionListSchema } from "@/server/api/rest/schemas-notify";
import { env } from "@/server/env";
import { notifyConfig } from "@/server/notify/deliver";
import { createSubscription, listSubscriptions } from "@/server/notify/subscriptions";

export const dynamic = "force-dynamic";

export const GET = apiRoute(
  {
    method: "GET",
    path: "/api/v1/notifications/subscriptions",
    operationId: "listSubscriptions",
    summary: "The team's notification subscriptions, with their recent delivery counts",
    tags: ["Notifications"],
    auth: "token",
    scopes: ["read", "notifications:write"],
    responses: {
      200: { description: "The subscriptions (secrets are never shown again)", schema: subscriptionListSchema },
      403: problem("A token bound to services may not see the team's subscriptions", "forbidden"),
    },
  },
  async ({ ctx }) => reply(200, { subscriptions: await listSubscriptions(ctx) }),
);

export const POST = apiRoute(
  {
    method: "POST",
    path: "/api/v1/notifications/subscriptions",
    operationId: "createSubscription",
    summary: "Subscribe a webhook, Slack-compatible webhook or e-mail address to the team's events",
    description: "A webhook's whsec_ signing secret is in this answer, once.",
    tags: ["Notifications"],
    auth: "token",
    scopes: ["notifications:write"],
    body: { type: "json", schema: createSubscriptionBody },
    responses: {
      201: { description: "The subscription and, for a webhook, its secret", schema: createdSubscriptionSchema },
      403: problem("The token may not manage this team's subscriptions", "forbidden"),
      404: problem("No such team in the token's scope", "not-found"),
      422: problem("The target is refused (not https, or a private address not allowed)", "unsafe-target"),
    },
  },
  async ({ ctx, body }) => reply(201, await createSubscription(ctx, body, notifyConfig(env()))),
);
