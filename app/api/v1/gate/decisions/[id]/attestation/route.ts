import { apiRoute } from "@/server/api/rest/route";
import { getAttestation } from "@/server/attestation/get-attestation";

export const dynamic = "force-dynamic";

/** The decision's signed VSA: a DSSE envelope, byte for byte as stored. Same authorization as the decision. */
export const GET = apiRoute<{ id: string }>(async (api, { id }) => {
  const envelope = await getAttestation(await api.authenticate(), id);
  return new Response(envelope, { status: 200, headers: { "content-type": "application/json", "cache-control": "no-store" } });
});
