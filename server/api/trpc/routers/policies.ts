import { asc, desc, sql } from "drizzle-orm";
import { z } from "zod";
import { policies, stages } from "@/db/schema";
import { withTransaction } from "../../../context";
import { conflict, DomainError } from "../../../errors";
import {
  currentPolicy,
  getPolicy,
  listPolicyVersions,
  parsePolicyText,
  setPolicy,
  type StoredPolicy,
} from "../../../gate/policies";
import type { Policy, PolicyError } from "../../../gate/policy";
import { diffPolicies, POLICY_FORMATS, renderPolicy, type PolicyDiff } from "../../../gate/policy-diff";
import { stageBySlug } from "../../../gate/stages";
import { slugSchema } from "../../../validation";
import { protectedProcedure, router, securityProcedure } from "../init";

/** Who wrote a version, when and why; "default" is the policy Gatehouse ships (or no version stored yet). */
export type PolicyVersionSummary = {
  version: number;
  comment: string | null;
  createdBy: string;
  createdAt: string;
  isDefault: boolean;
};

export type StagePolicySummary = {
  stage: string;
  name: string;
  position: number;
  /** null: nothing stored yet, the shipped default applies (stored as version 1 the first time it is read) */
  current: PolicyVersionSummary | null;
  versions: number;
};

export type ValidationResult = { ok: true; document: Policy; yaml: string; json: string } | { ok: false; errors: PolicyError[] };

const DEFAULT_AUTHOR = "system:default";
const summary = (p: Pick<StoredPolicy, "version" | "comment" | "createdBy" | "createdAt">): PolicyVersionSummary => ({
  version: p.version,
  comment: p.comment,
  createdBy: p.createdBy,
  createdAt: p.createdAt,
  isDefault: p.createdBy === DEFAULT_AUTHOR,
});

const MAX_TEXT = 256 * 1024; // the REST API's limit for a policy body
const stageInput = z.object({ stage: slugSchema });
const version = z.number().int().min(1).max(1_000_000);
const textInput = z.object({
  stage: slugSchema,
  text: z.string().max(MAX_TEXT, "A policy is at most 256 KiB."),
  format: z.enum(POLICY_FORMATS),
});

/** Parses and validates without saving: the errors with their paths, or the normalized document. */
function validateText(text: string, format: (typeof POLICY_FORMATS)[number]): ValidationResult {
  try {
    const document = parsePolicyText(text, format === "yaml" ? "application/yaml" : "application/json");
    return { ok: true, document, yaml: renderPolicy(document, "yaml"), json: renderPolicy(document, "json") };
  } catch (e) {
    if (!(e instanceof DomainError)) throw e;
    if (e.type === "invalid-policy") return { ok: false, errors: (e.extra.errors as PolicyError[]) ?? [] };
    if (e.type === "malformed-policy") return { ok: false, errors: [{ path: "(root)", message: e.message }] };
    throw e;
  }
}

// Everyone signed in reads the policies (developers need to know what the gate enforces); security staff write them.
export const policiesRouter = router({
  /** Every stage in promotion order with the version in force. Reads only: nothing is seeded here. */
  list: protectedProcedure.query(async ({ ctx }): Promise<StagePolicySummary[]> => {
    const [all, latest] = await Promise.all([
      ctx.db
        .select({ slug: stages.slug, name: stages.name, position: stages.position })
        .from(stages)
        .orderBy(asc(stages.position)),
      ctx.db
        .selectDistinctOn([policies.stage], {
          stage: policies.stage,
          version: policies.version,
          comment: policies.comment,
          createdBy: policies.createdBy,
          createdAt: policies.createdAt,
          versions: sql<number>`count(*) over (partition by ${policies.stage})`.mapWith(Number),
        })
        .from(policies)
        .orderBy(policies.stage, desc(policies.version)),
    ]);
    const byStage = new Map(latest.map((p) => [p.stage, p]));
    return all.map((s) => {
      const p = byStage.get(s.slug);
      return {
        stage: s.slug,
        name: s.name,
        position: s.position,
        current: p ? summary({ ...p, createdAt: p.createdAt.toISOString() }) : null,
        versions: p?.versions ?? 0,
      };
    });
  }),

  /** One version (default: the one in force), with its canonical YAML and JSON renderings. */
  get: protectedProcedure.input(z.object({ stage: slugSchema, version: version.optional() })).query(async ({ ctx, input }) => {
    const s = await stageBySlug(ctx.svc, input.stage);
    const p = await getPolicy(ctx.svc, input.stage, input.version);
    return {
      stage: { slug: s.slug, name: s.name },
      ...summary(p),
      document: p.document,
      yaml: renderPolicy(p.document, "yaml"),
      json: renderPolicy(p.document, "json"),
    };
  }),

  /** Every version of a stage's policy, newest first (without the documents). */
  versions: protectedProcedure
    .input(stageInput)
    .query(async ({ ctx, input }) => (await listPolicyVersions(ctx.svc, input.stage)).map(summary)),

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
        from: summary(from),
        to: summary(to),
        diff: diffPolicies(from.document, to.document, { format: input.format, context: input.context }),
      };
    }),

  /** Checks a draft: the errors by path, or the normalized document. Saves nothing. */
  validate: securityProcedure.input(textInput).mutation(async ({ ctx, input }) => {
    await stageBySlug(ctx.svc, input.stage);
    return validateText(input.text, input.format);
  }),

  /**
   * Saves a draft as the next version (setPolicy audits it). With `baseVersion`, a policy changed by someone
   * else since the editor opened is refused (CONFLICT) rather than silently replaced.
   */
  save: securityProcedure
    .input(
      textInput.extend({
        comment: z.string().trim().min(3, "Say why the policy changes (at least 3 characters).").max(500),
        baseVersion: version.optional(),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      await stageBySlug(ctx.svc, input.stage);
      const document = parsePolicyText(input.text, input.format === "yaml" ? "application/yaml" : "application/json");
      return withTransaction(ctx.svc, async (tx) => {
        if (input.baseVersion !== undefined) {
          // The same lock setPolicy takes (re-entrant), so nobody saves between this check and the insert.
          await tx.db.execute(sql`select pg_advisory_xact_lock(hashtext(${`gatehouse:policy:${input.stage}`}))`);
          const current = await currentPolicy(tx, input.stage);
          if (current.version !== input.baseVersion)
            throw conflict(
              `Version ${current.version} was saved by ${current.createdBy} after you opened version ${input.baseVersion}; ` +
                "reload, review it and apply your change again.",
              "policy-changed",
            );
        }
        return summary(await setPolicy(tx, input.stage, document, input.comment));
      });
    }),
});
