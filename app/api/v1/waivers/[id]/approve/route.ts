import { apiRoute, json } from "@/server/api/rest/route";
import { approveWaiver } from "@/server/gate/waivers";

export const dynamic = "force-dynamic";

export const POST = apiRoute<{ id: string }>(async (api, { id }) => json(200, await approveWaiver(await api.authenticate(), id)));
