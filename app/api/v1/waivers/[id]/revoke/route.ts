import { apiRoute, json } from "@/server/api/rest/route";
import { revokeWaiver } from "@/server/gate/waivers";

export const dynamic = "force-dynamic";

export const POST = apiRoute<{ id: string }>(async (api, { id }) => json(200, await revokeWaiver(await api.authenticate(), id)));
