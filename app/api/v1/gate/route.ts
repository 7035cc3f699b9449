import { problem } from "@/server/api/rest/contract";
import { apiRoute, reply } from "@/server/api/rest/route";
import { gateDecisionSchema, gateRequestBody } from "@/server/api/rest/schemas";
import { evaluateGateRequest } from "@/server/gate/evaluate-gate";

export const dynamic = "force-dynamic";

export const POST = apiRoute(
  {
    method: "POST",
    path: "/api/v1/gate",
    operationId: "evaluateGate",
    summary: "May this commit (and artifact) enter this stage?",
    description:
      "Evaluates the stage policy against the findings and evidence uploaded for the commit, records the decision immutably and explains it check by check. A block is still 200: the request succeeded.",
    tags: ["Gate"],
    auth: "token",
    scopes: ["gate:evaluate"],
    body: { type: "json", schema: gateRequestBody },
    responses: {
      200: { description: "The decision (allow or block)", schema: gateDecisionSchema },
      403: problem("The token may not use this service", "forbidden"),
      404: problem("Unknown service or stage", "not-found", "unknown-stage"),
    },
  },
  async ({ ctx, body }) => reply(200, await evaluateGateRequest(ctx, body)),
);
