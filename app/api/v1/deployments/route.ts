import { problem } from "@/server/api/rest/contract";
import { apiRoute, reply } from "@/server/api/rest/route";
import { deploymentRequestBody, deploymentSchema } from "@/server/api/rest/schemas";
import { recordDeployment } from "@/server/gate/deployments";

export const dynamic = "force-dynamic";

export const POST = apiRoute(
  {
    method: "POST",
    path: "/api/v1/deployments",
    operationId: "recordDeployment",
    summary: "Record what now runs in a stage",
    description:
      "Without a matching allow decision the deployment is a gate bypass: it is still recorded, and written to the audit log.",
    tags: ["Gate"],
    auth: "token",
    scopes: ["deployments:write"],
    body: { type: "json", schema: deploymentRequestBody },
    responses: {
      201: { description: "Recorded (bypass: true when no allow decision matches)", schema: deploymentSchema },
      403: problem("The token may not use this service", "forbidden"),
      404: problem("Unknown service or stage", "not-found", "unknown-stage"),
    },
  },
  async ({ ctx, body }) => reply(201, await recordDeployment(ctx, body)),
);
