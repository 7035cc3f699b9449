import { z } from "zod";
import { apiRoute, reply } from "@/server/api/rest/route";
import { signingKeyListSchema } from "@/server/api/rest/schemas";
import { listSigningKeys } from "@/server/attestation/signing-keys";
import { runtime } from "@/server/runtime";

export const dynamic = "force-dynamic";

export const GET = apiRoute(
  {
    method: "GET",
    path: "/api/v1/keys",
    operationId: "listSigningKeys",
    summary: "Public keys that verify signed decisions, current and retired, with their validity",
    description:
      "No authentication: a deploy step fetches them to verify attestations offline. `?format=pem` answers the PEM keys alone.",
    tags: ["Attestations"],
    auth: "none",
    query: z.object({ format: z.enum(["json", "pem"]).optional() }),
    responses: { 200: { description: "Every published key, oldest first", schema: signingKeyListSchema } },
  },
  async ({ query }) => {
    const keys = await listSigningKeys(runtime());
    if (query.format === "pem") {
      return new Response(keys.map((k) => k.publicKeyPem).join(""), {
        status: 200,
        headers: { "content-type": "application/x-pem-file", "cache-control": "no-store" },
      });
    }
    return reply(200, { keys });
  },
);
