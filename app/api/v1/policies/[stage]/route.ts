import { z } from "zod";
import { problem } from "@/server/api/rest/contract";
import { apiRoute, reply } from "@/server/api/rest/route";
import { policyBody, stageParams, storedPolicySchema } from "@/server/api/rest/schemas";
import { DomainError } from "@/server/errors";
import { getPolicy, savePolicyText } from "@/server/gate/policies";

export const dynamic = "force-dynamic";

const version = z.coerce.number().int().min(1).max(1_000_000);
const etag = (v: number) => ({ etag: `"${v}"` });
const etagHeader = {
  etag: { description: 'The version, as "<n>": send it back as If-Match to save from it', schema: z.string() },
};

export const GET = apiRoute(
  {
    method: "GET",
    path: "/api/v1/policies/{stage}",
    operationId: "getPolicy",
    summary: "The policy in force for a stage, or one version of it",
    tags: ["Policies"],
    auth: "token",
    scopes: ["read", "policies:write"],
    params: stageParams,
    query: z.object({ version: version.optional().meta({ description: "A stored version (default: the one in force)" }) }),
    responses: {
      200: { description: "The policy", schema: storedPolicySchema, headers: etagHeader },
      404: problem("Unknown stage or version", "unknown-stage", "not-found"),
    },
  },
  async ({ ctx, params, query }) => {
    const policy = await getPolicy(ctx, params.stage, query.version);
    return reply(200, policy, etag(policy.version));
  },
);

/** If-Match "<n>" (GET's ETag) or ?baseVersion=<n>: the version a writer started from. */
const ifMatch = z
  .string()
  .trim()
  .regex(/^(?:W\/)?"?\d{1,7}"?$|^\*$/, 'a version as GET gave it, e.g. "3"')
  .transform((v) => (v === "*" ? undefined : Number(v.replace(/\D/g, ""))));

export const PUT = apiRoute(
  {
    method: "PUT",
    path: "/api/v1/policies/{stage}",
    operationId: "setPolicy",
    summary: "Set a stage's policy (a new version)",
    description:
      "The body is the policy document, JSON or YAML. With If-Match (or baseVersion) naming the version you started from, a policy someone else changed meanwhile is refused with 409 instead of being replaced.",
    tags: ["Policies"],
    auth: "token",
    scopes: ["policies:write"],
    params: stageParams,
    query: z.object({
      comment: z.string().trim().max(500).optional().meta({ description: "Why the policy changes" }),
      baseVersion: version.optional().meta({ description: "The version this change starts from (or If-Match)" }),
    }),
    headers: z.object({ "if-match": ifMatch.optional().meta({ description: 'The version this change starts from, e.g. "3"' }) }),
    body: { type: "text", schema: policyBody, mediaTypes: ["application/json", "application/yaml"], maxBytes: 256 * 1024 },
    responses: {
      200: { description: "The new version", schema: storedPolicySchema, headers: etagHeader },
      400: problem("Not valid JSON or YAML, or If-Match and baseVersion disagree", "malformed-policy"),
      404: problem("Unknown stage", "unknown-stage"),
      409: problem("The policy changed since the version you started from; reload and apply your change again", "policy-changed"),
      422: problem("The policy is invalid; errors[] gives each exact path", "invalid-policy"),
    },
  },
  async ({ ctx, params, query, headers, body }) => {
    const fromHeader = headers["if-match"];
    if (fromHeader !== undefined && query.baseVersion !== undefined && fromHeader !== query.baseVersion)
      throw new DomainError("bad_request", "If-Match and baseVersion name different versions.", "validation-error");
    const saved = await savePolicyText(ctx, {
      stage: params.stage,
      text: body.text,
      format: body.mediaType === "application/yaml" ? "yaml" : "json",
      comment: query.comment,
      baseVersion: fromHeader ?? query.baseVersion,
    });
    return reply(200, saved, etag(saved.version));
  },
);
