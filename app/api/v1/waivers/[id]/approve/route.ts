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
    summary: "Approve a pending waiver: never with a token",
    description:
      "Machine tokens request waivers and never approve them: a signed-in security reviewer who did not ask approves, in the dashboard (or the host's `waiver approve --as`). Every token is refused.",
    tags: ["Waivers"],
    auth: "token",
    scopes: ["waivers:write"],
    params: idParams,
    responses: {
      200: { description: "Approved", schema: waiverSchema },
      403: problem("Tokens never approve waivers", "forbidden", "approval-needs-person"),
      404: problem("No such waiver in the token's scope", "not-found"),
      409: problem("The waiver is not pending", "waiver-not-pending"),
    },
  },
  async ({ ctx, params }) => reply(200, await approveWaiver(ctx, params.id)),
);
