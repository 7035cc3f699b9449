import { readBody } from "@/server/api/rest/read-body";
import { apiRoute, json } from "@/server/api/rest/route";
import { DomainError } from "@/server/errors";
import { getPolicy, savePolicyText } from "@/server/gate/policies";

export const dynamic = "force-dynamic";

const etag = (version: number) => `"${version}"`;

/** The version a writer started from: If-Match: "<version>" (as GET's ETag) or ?baseVersion=<version>. */
function baseVersionOf(req: Request): number | undefined {
  const header = req.headers.get("if-match")?.trim();
  const query = new URL(req.url).searchParams.get("baseVersion") ?? undefined;
  const parse = (v: string, from: string) => {
    const m = /^(?:W\/)?"?(\d{1,7})"?$/.exec(v);
    if (!m) throw new DomainError("bad_request", `${from} must be a policy version, e.g. "3".`, "validation-error");
    return Number(m[1]);
  };
  const fromHeader = header && header !== "*" ? parse(header, "If-Match") : undefined;
  const fromQuery = query !== undefined ? parse(query, "baseVersion") : undefined;
  if (fromHeader !== undefined && fromQuery !== undefined && fromHeader !== fromQuery)
    throw new DomainError("bad_request", "If-Match and baseVersion name different versions.", "validation-error");
  return fromHeader ?? fromQuery;
}

export const GET = apiRoute<{ stage: string }>(async (api, { stage }) => {
  const ctx = await api.authenticate();
  const v = new URL(api.req.url).searchParams.get("version");
  const policy = await getPolicy(ctx, stage, v === null ? undefined : Number.parseInt(v, 10));
  return json(200, policy, { etag: etag(policy.version) });
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
  const baseVersion = baseVersionOf(api.req);
  const text = new TextDecoder().decode(await readBody(api.req, 256 * 1024));
  const comment = new URL(api.req.url).searchParams.get("comment") ?? undefined;
  const format = /ya?ml/i.test(type) ? "yaml" : "json";
  const saved = await savePolicyText(ctx, { stage, text, format, comment, baseVersion });
  return json(200, saved, { etag: etag(saved.version) });
});
