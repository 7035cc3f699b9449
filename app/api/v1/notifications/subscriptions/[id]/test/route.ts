import { apiRoute, json } from "@/server/api/rest/route";
import { env } from "@/server/env";
import { notifyConfig } from "@/server/notify/deliver";
import { testSubscription } from "@/server/notify/subscriptions";

export const dynamic = "force-dynamic";

export const POST = apiRoute<{ id: string }>(async (api, { id }) =>
  json(200, await testSubscription(await api.authenticate(), id, notifyConfig(env()))),
);
