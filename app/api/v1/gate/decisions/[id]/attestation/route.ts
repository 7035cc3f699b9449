import { problem } from "@/server/api/rest/contract";
import { apiRoute } from "@/server/api/rest/route";
import { dsseEnvelopeSchema, idParams } from "@/server/api/rest/schemas";
import { getAttestation } from "@/server/attestation/get-attestation";

export const dynamic = "force-dynamic";

export const GET = apiRoute(
  {
    method: "GET",
    path: "/api/v1/gate/decisions/{id}/attestation",
    operationId: "getDecisionAttestation",
    summary: "The decision's signed SLSA verification summary (a DSSE envelope), byte for byte as stored",
    tags: ["Attestations"],
    auth: "token",
    scopes: ["read", "gate:evaluate", "deployments:write"],
    params: idParams,
    responses: {
      200: { description: "The DSSE envelope (docs/attestations.md)", schema: dsseEnvelopeSchema },
      404: problem("No such decision in the token's scope, or it has no attestation", "not-found"),
    },
  },
  // The stored bytes, not a re-serialization: the signature is over them.
  async ({ ctx, params }) =>
    new Response(await getAttestation(ctx, params.id), {
      status: 200,
      headers: { "content-type": "application/json", "cache-control": "no-store" },
    }),
);
