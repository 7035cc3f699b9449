import { problem } from "@/server/api/rest/contract";
import { apiRoute, reply } from "@/server/api/rest/route";
import { gateDecisionSchema, idParams } from "@/server/api/rest/schemas";
import { getDecision } from "@/server/gate/evaluate-gate";

export const dynamic = "force-dynamic";

export const GET = apiRoute(
  {
    method: "GET",
    path: "/api/v1/gate/decisions/{id}",
    operationId: "getDecision",
    summary: "A stored decision, exactly as it was given",
    tags: ["Gate"],
    auth: "token",
    scopes: ["read", "gate:evaluate", "deployments:write"],
    params: idParams,
    responses: {
      200: { description: "The decision", schema: gateDecisionSchema },
      404: problem("No such decision in the token's scope", "not-found"),
    },
  },
  async ({ ctx, params }) => reply(200, await getDecision(ctx, params.id)),
);
