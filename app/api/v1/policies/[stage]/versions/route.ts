import { apiRoute, json } from "@/server/api/rest/route";
import { listPolicyVersions } from "@/server/gate/policies";

export const dynamic = "force-dynamic";

export const GET = apiRoute<{ stage: string }>(async (api, { stage }) =>
  json(200, { versions: await listPolicyVersions(await api.authenticate(), stage) }),
);
