import { readBody } from "@/server/api/rest/read-body";
import { apiRoute, json } from "@/server/api/rest/route";
import { DomainError } from "@/server/errors";
import { getPolicy, parsePolicyText, setPolicy } from "@/server/gate/policies";

export const dynamic = "force-dynamic";

export const GET = apiRoute<{ stage: string }>(async (api, { stage }) => {
  const ctx = await api.authenticate();
  const v = new URL(api.req.url).searchParams.get("version");
  return json(200, await getPolicy(ctx, stage, v === null ? undefined : Number.parseInt(v, 10)));
});

/** The body is the policy document, JSON or YAML (Content-Type application/yaml). */
export const PUT = apiRoute<{ stage: string }>(async (api, { stage }) => {
  const ctx = await api.authenticate();
  const type = api.req.headers.get("content-type") ?? "application/json";
  if (!/json|ya?ml/i.test(type))
    throw new DomainError(
      "unsupported_media_type",
      "Send the policy as application/json or application/yaml.",
      "unsupported-media-type",
    );
  const text = new TextDecoder().decode(await readBody(api.req, 256 * 1024));
  const comment = new URL(api.req.url).searchParams.get("comment") ?? undefined;
  return json(200, await setPolicy(ctx, stage, parsePolicyText(text, type), comment));
});
