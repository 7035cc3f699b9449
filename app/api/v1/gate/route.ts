import { readJson } from "@/server/api/rest/read-body";
import { apiRoute, json } from "@/server/api/rest/route";
import { evaluateGateRequest, gateRequest } from "@/server/gate/evaluate-gate";

export const dynamic = "force-dynamic";

/** A block is still 200: the request succeeded. */
export const POST = apiRoute(async (api) => {
  const ctx = await api.authenticate();
  const body = gateRequest.parse(await readJson(api.req));
  return json(200, await evaluateGateRequest(ctx, body));
});
