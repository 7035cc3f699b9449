import { readJson } from "@/server/api/rest/read-body";
import { apiRoute, json } from "@/server/api/rest/route";
import { deploymentRequest, recordDeployment } from "@/server/gate/deployments";

export const dynamic = "force-dynamic";

export const POST = apiRoute(async (api) => {
  const ctx = await api.authenticate();
  return json(201, await recordDeployment(ctx, deploymentRequest.parse(await readJson(api.req))));
});
