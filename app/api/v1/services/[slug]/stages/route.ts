import { z } from "zod";
import { problem } from "@/server/api/rest/contract";
import { apiRoute, reply } from "@/server/api/rest/route";
import { serviceStagesSchema } from "@/server/api/rest/schemas-notify";
import { serviceStages } from "@/server/recheck/stage-status";
import { slugSchema } from "@/server/validation";

export const dynamic = "force-dynamic";

export const GET = apiRoute(
  {
    method: "GET",
    path: "/api/v1/services/{slug}/stages",
    operationId: "getServiceStages",
    summary: "What runs in each stage and whether it is still in policy",
    tags: ["Services"],
    auth: "token",
    scopes: ["read"],
    params: z.object({ slug: slugSchema }),
    responses: {
      200: { description: "Every stage in promotion order", schema: serviceStagesSchema },
      403: problem("The token may not read this service", "forbidden"),
      404: problem("No such service in the token's scope", "not-found"),
    },
  },
  async ({ ctx, params }) => reply(200, await serviceStages(ctx, params.slug)),
);
