import { problem } from "@/server/api/rest/contract";
import { apiRoute, reply } from "@/server/api/rest/route";
import { policyVersionsSchema, stageParams } from "@/server/api/rest/schemas";
import { listPolicyVersions } from "@/server/gate/policies";

export const dynamic = "force-dynamic";

export const GET = apiRoute(
  {
    method: "GET",
    path: "/api/v1/policies/{stage}/versions",
    operationId: "listPolicyVersions",
    summary: "Every version of a stage's policy, newest first",
    tags: ["Policies"],
    auth: "token",
    scopes: ["read", "policies:write"],
    params: stageParams,
    responses: {
      200: { description: "The history", schema: policyVersionsSchema },
      404: problem("Unknown stage", "unknown-stage"),
    },
  },
  async ({ ctx, params }) => reply(200, { versions: await listPolicyVersions(ctx, params.stage) }),
);
