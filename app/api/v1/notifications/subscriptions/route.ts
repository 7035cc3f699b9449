// The team's notification subscriptions: list (read) and create (policies:write; a webhook's secret is in the answer, once).
import { readJson } from "@/server/api/rest/read-body";
import { apiRoute, json } from "@/server/api/rest/route";
import { env } from "@/server/env";
import { notifyConfig } from "@/server/notify/deliver";
import { createSubscription, createSubscriptionInput, listSubscriptions } from "@/server/notify/subscriptions";

export const dynamic = "force-dynamic";

export const GET = apiRoute(async (api) => json(200, { subscriptions: await listSubscriptions(await api.authenticate()) }));

export const POST = apiRoute(async (api) => {
  const ctx = await api.authenticate();
  const input = createSubscriptionInput.parse(await readJson(api.req));
  return json(201, await createSubscription(ctx, input, notifyConfig(env())));
});
