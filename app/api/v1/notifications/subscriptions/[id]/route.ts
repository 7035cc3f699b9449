import { apiRoute, json } from "@/server/api/rest/route";
import { removeSubscription } from "@/server/notify/subscriptions";

export const dynamic = "force-dynamic";

export const DELETE = apiRoute<{ id: string }>(async (api, { id }) =>
  json(200, await removeSubscription(await api.authenticate(), id)),
);
