import { problem } from "@/server/api/rest/contract";
import { apiRoute, reply } from "@/server/api/rest/route";
import { idParams, waiverSchema } from "@/server/api/rest/schemas";
import { approveWaiver } from "@/server/gate/waivers";

export const dynamic = "force-dynamic";

export const POST = apiRoute(
  {
    method: "POST",
    path: "/api/v1/waivers/{id}/approve",
    operationId: "approveWaiver",
    summary: "Approve a pending waiver (not by its requester)",
    tags: ["Waivers"],
    auth: "token",
    scopes: ["policies:write"],
    params: idParams,
    responses: {
      200: { description: "Approved", schema: waiverSchema },
      403: problem("The requester cannot approve their own waiver", "forbidden"),
      404: problem("No such waiver in the token's scope", "not-found"),
      409: problem("The waiver is not pending", "waiver-not-pending"),
    },
  },
  async ({ ctx, params }) => reply(200, await approveWaiver(ctx, params.id)),
);
