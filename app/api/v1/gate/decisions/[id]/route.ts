import { apiRoute, json } from "@/server/api/rest/route";
import { getDecision } from "@/server/gate/evaluate-gate";

export const dynamic = "force-dynamic";

export const GET = apiRoute<{ id: string }>(async (api, { id }) => json(200, await getDecision(await api.authenticate(), id)));
