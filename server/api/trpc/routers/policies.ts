import { z } from "zod";
import {
  getPolicy,
  listPolicyVersions,
  listStagePolicies,
  policySummary,
  savePolicyText,
  validatePolicyText,
  type PolicyVersionSummary,
} from "../../../gate/policies";
import { diffPolicies, POLICY_FORMATS, renderPolicy, type PolicyDiff } from "../../../gate/policy-diff";
import { stageBySlug } from "../../../gate/stages";
import { slugSchema } from "../../../validation";
import { protectedProcedure, router, securityProcedure } from "../init";

const MAX_TEXT = 256 * 1024; // the REST API's limit for a policy body
const stageInput = z.object({ stage: slugSchema });
const version = z.number().int().min(1).max(1_000_000);
const textInput = z.object({
  stage: slugSchema,
  text: z.string().max(MAX_TEXT, "A policy is at most 256 KiB."),
  format: z.enum(POLICY_FORMATS),
});

// Everyone signed in reads the policies (developers need to know what the gate enforces); security staff write them.
export const policiesRouter = router({
  /** Every stage in promotion order with the version in force. Reads only: nothing is seeded here. */
  list: protectedProcedure.query(({ ctx }) => listStagePolicies(ctx.svc)),

  /** One version (default: the one in force), with its canonical YAML and JSON renderings. */
  get: protectedProcedure.input(z.object({ stage: slugSchema, version: version.optional() })).query(async ({ ctx, input }) => {
    const s = await stageBySlug(ctx.svc, input.stage);
    const p = await getPolicy(ctx.svc, input.stage, input.version);
    return {
      stage: { slug: s.slug, name: s.name },
      ...policySummary(p),
      document: p.document,
      yaml: renderPolicy(p.document, "yaml"),
      json: renderPolicy(p.document, "json"),
    };
  }),

  /** Every version of a stage's policy, newest first (without the documents). */
  versions: protectedProcedure
    .input(stageInput)
    .query(async ({ ctx, input }) => (await listPolicyVersions(ctx.svc, input.stage)).map(policySummary)),

  /** The line changes from one version to another, in canonical YAML (default) or JSON. */
  diff: protectedProcedure
    .input(
      z.object({
        stage: slugSchema,
        from: version,
        to: version,
        format: z.enum(POLICY_FORMATS).default("yaml"),
        context: z.number().int().min(0).max(50).default(3),
      }),
    )
    .query(async ({ ctx, input }): Promise<{ from: PolicyVersionSummary; to: PolicyVersionSummary; diff: PolicyDiff }> => {
      const [from, to] = await Promise.all([
        getPolicy(ctx.svc, input.stage, input.from),
        getPolicy(ctx.svc, input.stage, input.to),
      ]);
      return {
        from: policySummary(from),
        to: policySummary(to),
        diff: diffPolicies(from.document, to.document, { format: input.format, context: input.context }),
      };
    }),

  /** Checks a draft: the errors by path, or the normalized document. Saves nothing. */
  validate: securityProcedure.input(textInput).mutation(({ ctx, input }) => validatePolicyText(ctx.svc, input)),

  /**
   * Saves a draft as the next version (audited). With `baseVersion`, a policy changed by someone else since the
   * editor opened is refused (CONFLICT) rather than silently replaced.
   */
  save: securityProcedure
    .input(
      textInput.extend({
        comment: z.string().trim().min(3, "Say why the policy changes (at least 3 characters).").max(500),
        baseVersion: version.optional(),
      }),
    )
    .mutation(async ({ ctx, input }) => policySummary(await savePolicyText(ctx.svc, input))),
});
