import { problem } from "@/server/api/rest/contract";
import { apiRoute, reply } from "@/server/api/rest/route";
import { idParams, waiverSchema } from "@/server/api/rest/schemas";
import { revokeWaiver } from "@/server/gate/waivers";

export const dynamic = "force-dynamic";

export const POST = apiRoute(
  {
    method: "POST",
    path: "/api/v1/waivers/{id}/revoke",
    operationId: "revokeWaiver",
    summary: "Revoke a waiver or a false-positive mark",
    tags: ["Waivers"],
    auth: "token",
    scopes: ["waivers:write"],
    params: idParams,
    responses: {
      200: { description: "Revoked", schema: waiverSchema },
      404: problem("No such waiver in the token's scope", "not-found"),
      409: problem("The waiver is already revoked", "waiver-revoked"),
    },
  },
  async ({ ctx, params }) => reply(200, await revokeWaiver(ctx, params.id)),
);
