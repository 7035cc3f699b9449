import { apiRoute, json } from "@/server/api/rest/route";
import { listSigningKeys } from "@/server/attestation/signing-keys";
import { runtime } from "@/server/runtime";

export const dynamic = "force-dynamic";

/** Public keys that verify signed decisions, current and retired, with their validity. No authentication. */
export const GET = apiRoute(async (api) => {
  const keys = await listSigningKeys(runtime());
  if (new URL(api.req.url).searchParams.get("format") === "pem") {
    return new Response(keys.map((k) => k.publicKeyPem).join(""), {
      status: 200,
      headers: { "content-type": "application/x-pem-file", "cache-control": "no-store" },
    });
  }
  return json(200, { keys });
});
