import { z } from "zod";
import { problem } from "@/server/api/rest/contract";
import { apiRoute, reply } from "@/server/api/rest/route";
import { createWaiverBody, waiverListSchema, waiverSchema } from "@/server/api/rest/schemas";
import { env } from "@/server/env";
import { createWaiver, listWaivers } from "@/server/gate/waivers";
import { slugSchema } from "@/server/validation";

export const dynamic = "force-dynamic";

export const GET = apiRoute(
  {
    method: "GET",
    path: "/api/v1/waivers",
    operationId: "listWaivers",
    summary: "Waivers visible to the token",
    tags: ["Waivers"],
    auth: "token",
    scopes: ["read", "waivers:write"],
    query: z.object({
      service: slugSchema
        .optional()
        .meta({ description: "Only those that apply to this service (its own and those for every service)" }),
    }),
    responses: {
      200: { description: "Newest first, at most 1,000", schema: waiverListSchema },
      403: problem("The token may not read this service", "forbidden"),
      404: problem("No such service in the token's scope", "not-found"),
    },
  },
  async ({ ctx, query }) => reply(200, { waivers: await listWaivers(ctx, query) }),
);

export const POST = apiRoute(
  {
    method: "POST",
    path: "/api/v1/waivers",
    operationId: "createWaiver",
    summary: "Request a waiver or mark a false positive",
    description: "Pending until a second party approves it.",
    tags: ["Waivers"],
    auth: "token",
    scopes: ["waivers:write"],
    body: { type: "json", schema: createWaiverBody },
    responses: {
      201: { description: "The waiver", schema: waiverSchema },
      400: problem("Invalid waiver (no reason, no expiry, expiry past the maximum)", "validation-error"),
      403: problem("The token may not waive findings of this service, or of every service", "forbidden"),
      404: problem("No such service in the token's scope", "not-found"),
    },
  },
  async ({ ctx, body }) => reply(201, await createWaiver(ctx, body, { maxDays: env().GATEHOUSE_WAIVER_MAX_DAYS })),
);
