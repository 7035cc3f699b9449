import { readJson } from "@/server/api/rest/read-body";
import { apiRoute, json } from "@/server/api/rest/route";
import { env } from "@/server/env";
import { createWaiver, createWaiverInput, listWaivers } from "@/server/gate/waivers";

export const dynamic = "force-dynamic";

export const GET = apiRoute(async (api) => {
  const service = new URL(api.req.url).searchParams.get("service") ?? undefined;
  return json(200, { waivers: await listWaivers(await api.authenticate(), { service }) });
});

export const POST = apiRoute(async (api) => {
  const ctx = await api.authenticate();
  const input = createWaiverInput.parse(await readJson(api.req));
  return json(201, await createWaiver(ctx, input, { maxDays: env().GATEHOUSE_WAIVER_MAX_DAYS }));
});
