// GET /api/v1/services/{slug}/stages: what runs in each stage and whether it is still in policy (scope read).
import { apiRoute, json } from "@/server/api/rest/route";
import { serviceStages } from "@/server/recheck/stage-status";

export const dynamic = "force-dynamic";

export const GET = apiRoute<{ slug: string }>(async (api, { slug }) =>
  json(200, await serviceStages(await api.authenticate(), slug)),
);
