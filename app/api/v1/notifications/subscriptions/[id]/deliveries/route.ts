import { apiRoute, json } from "@/server/api/rest/route";
import { listDeliveries } from "@/server/notify/subscriptions";

export const dynamic = "force-dynamic";

export const GET = apiRoute<{ id: string }>(async (api, { id }) => {
  const q = new URL(api.req.url).searchParams;
  const status = q.get("status") ?? undefined;
  const limit = q.get("limit");
  return json(200, {
    deliveries: await listDeliveries(await api.authenticate(), {
      id,
      status: status as "pending" | "delivered" | "failed" | undefined,
      limit: limit ? Number(limit) : undefined,
    }),
  });
});
