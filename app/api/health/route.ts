import { apiRoute, reply } from "@/server/api/rest/route";
import { healthSchema } from "@/server/api/rest/schemas";
import { getHealth } from "@/server/health";
import { runtime } from "@/server/runtime";

export const dynamic = "force-dynamic";

export const GET = apiRoute(
  {
    method: "GET",
    path: "/api/health",
    operationId: "getHealth",
    summary: "Liveness and database health",
    tags: ["Meta"],
    auth: "none",
    responses: {
      200: { description: "Healthy", schema: healthSchema },
      503: { description: "The database does not answer", schema: healthSchema },
    },
  },
  async () => {
    const health = await getHealth(runtime());
    return health.status === "ok" ? reply(200, health) : reply(503, health);
  },
);
