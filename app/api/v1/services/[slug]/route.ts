import { z } from "zod";
import { problem } from "@/server/api/rest/contract";
import { apiRoute, reply } from "@/server/api/rest/route";
import { serviceDetailSchema } from "@/server/api/rest/schemas";
import { slugSchema } from "@/server/validation";
import { getServiceDetail } from "@/server/views/service";

export const dynamic = "force-dynamic";

export const GET = apiRoute(
  {
    method: "GET",
    path: "/api/v1/services/{slug}",
    operationId: "getService",
    summary: "A service: its live scorecard with every risk area, and what runs in each stage",
    tags: ["Services"],
    auth: "token",
    scopes: ["read"],
    params: z.object({ slug: slugSchema }),
    responses: {
      200: { description: "The service", schema: serviceDetailSchema },
      403: problem("A service-bound token for other services", "forbidden"),
      404: problem("No such service in the token's team", "not-found"),
    },
  },
  async ({ ctx, params }) => reply(200, await getServiceDetail(ctx, params.slug)),
);
