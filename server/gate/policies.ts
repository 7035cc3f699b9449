// Stage policies: stored with their history; each decision names the version it used.
import { and, asc, desc, eq, sql } from "drizzle-orm";
import { parse as parseYaml } from "yaml";
import { policies, stages } from "@/db/schema";
import { recordAudit } from "../audit/record-audit";
import { withTransaction, type ServiceContext } from "../context";
import { DomainError, notFound } from "../errors";
import { newId } from "../ids";
import { onPolicyChanged } from "../recheck/triggers";
import { requireRole } from "../auth/permissions";
import { requireScope } from "../tokens/tokens";
import { defaultPolicyFor, formatPolicyError, policySchema, type Policy, type PolicyError } from "./policy";
import { renderPolicy, type PolicyFormat } from "./policy-diff";
import { stageBySlug } from "./stages";

export type StoredPolicy = {
  id: string;
  stage: string;
  version: number;
  document: Policy;
  comment: string | null;
  createdBy: string;
  createdAt: string;
};

const view = (r: typeof policies.$inferSelect): StoredPolicy => ({
  id: r.id,
  stage: r.stage,
  version: r.version,
  document: r.document as Policy,
  comment: r.comment,
  createdBy: r.createdBy,
  createdAt: r.createdAt.toISOString(),
});

/** The policy in force for a stage; the shipped default becomes version 1 the first time it is needed. */
export async function currentPolicy(ctx: ServiceContext, stage: string): Promise<StoredPolicy> {
  const [row] = await ctx.db.select().from(policies).where(eq(policies.stage, stage)).orderBy(desc(policies.version)).limit(1);
  if (row) return view(row);
  const s = await stageBySlug(ctx, stage);
  const document = defaultPolicyFor(s.slug, s.previous);
  const now = ctx.now();
  const [created] = await ctx.db
    .insert(policies)
    .values({
      id: newId("policy", now.getTime()),
      stage,
      version: 1,
      document,
      comment: "Gatehouse default",
      createdBy: "system:default",
      createdAt: now,
    })
    .onConflictDoNothing()
    .returning();
  if (!created) return currentPolicy(ctx, stage); // seeded concurrently
  await recordAudit(
    { ...ctx, actor: { type: "system", label: "system:default" } },
    {
      action: "policy.seed",
      targetType: "policy",
      targetId: created.id,
      after: { stage, version: 1 },
    },
  );
  return view(created);
}

export async function getPolicy(ctx: ServiceContext, stage: string, version?: number): Promise<StoredPolicy> {
  if (ctx.actor.type === "token" && !ctx.actor.scopes.includes("policies:write")) requireScope(ctx.actor, "read");
  if (version !== undefined && !(Number.isSafeInteger(version) && version >= 1))
    throw new DomainError("bad_request", "version: must be a whole number from 1 on.", "validation-error");
  await stageBySlug(ctx, stage);
  if (version === undefined) return withTransaction(ctx, (tx) => currentPolicy(tx, stage));
  const [row] = await ctx.db
    .select()
    .from(policies)
    .where(and(eq(policies.stage, stage), eq(policies.version, version)))
    .limit(1);
  if (!row) throw notFound(`Version ${version} of the ${stage} policy`);
  return view(row);
}

export async function listPolicyVersions(ctx: ServiceContext, stage: string): Promise<StoredPolicy[]> {
  if (ctx.actor.type === "token" && !ctx.actor.scopes.includes("policies:write")) requireScope(ctx.actor, "read");
  await stageBySlug(ctx, stage);
  return (await ctx.db.select().from(policies).where(eq(policies.stage, stage)).orderBy(desc(policies.version))).map(view);
}

/** Parses a policy from JSON or YAML text, refusing it with the exact path of each error. */
export function parsePolicyText(text: string, contentType = "application/json"): Policy {
  let raw: unknown;
  try {
    raw = /ya?ml/i.test(contentType) ? parseYaml(text, { maxAliasCount: 50 }) : JSON.parse(text);
  } catch (e) {
    throw new DomainError(
      "bad_request",
      `The policy is not valid ${/ya?ml/i.test(contentType) ? "YAML" : "JSON"}: ${(e as Error).message.split("\n")[0]}`,
      "malformed-policy",
    );
  }
  return validatePolicy(raw);
}

export function validatePolicy(raw: unknown): Policy {
  const r = policySchema.safeParse(raw);
  if (r.success) return r.data;
  const errors = formatPolicyError(r.error);
  throw new DomainError(
    "unprocessable",
    `The policy is invalid: ${errors.map((e) => `${e.path}: ${e.message}`).join("; ")}`,
    "invalid-policy",
    { errors },
  );
}

/**
 * Stores a policy as the stage's next version. With `baseVersion` (the version the writer started from), a policy
 * changed by someone else meanwhile is refused (409 policy-changed) rather than silently replaced.
 */
export async function setPolicy(
  ctx: ServiceContext,
  stage: string,
  document: unknown,
  comment?: string,
  opts: { baseVersion?: number } = {},
): Promise<StoredPolicy> {
  requireScope(ctx.actor, "policies:write");
  // A stage policy applies to every team: an organisation-level actor changes it, never one bound to a team.
  if (ctx.actor.type === "token" && !ctx.actor.org)
    throw new DomainError(
      "forbidden",
      "Stage policies are organisation-wide: a token bound to a team cannot change them.",
      "insufficient-scope",
      { requiredScope: "policies:write" },
    );
  if (ctx.actor.type === "user") requireRole(ctx.actor, "security");
  const policy = validatePolicy(document);
  return withTransaction(ctx, async (tx) => {
    await stageBySlug(tx, stage);
    // Versions are numbered in order even when two changes arrive together, and nobody saves between the check and the insert.
    await tx.db.execute(sql`select pg_advisory_xact_lock(hashtext(${`gatehouse:policy:${stage}`}))`);
    const before = await currentPolicy(tx, stage);
    if (opts.baseVersion !== undefined && before.version !== opts.baseVersion) {
      throw new DomainError(
        "conflict",
        `Version ${before.version} was saved by ${before.createdBy} after you opened version ${opts.baseVersion}; ` +
          "reload, review it and apply your change again.",
        "policy-changed",
        { currentVersion: before.version, baseVersion: opts.baseVersion },
      );
    }
    const now = tx.now();
    const [row] = await tx.db
      .insert(policies)
      .values({
        id: newId("policy", now.getTime()),
        stage,
        version: before.version + 1,
        document: policy,
        comment: comment ?? null,
        createdBy: tx.actor.label,
        createdAt: now,
      })
      .returning();
    await recordAudit(tx, {
      action: "policy.update",
      targetType: "policy",
      targetId: row!.id,
      before: { version: before.version, document: before.document },
      after: { version: row!.version, document: policy, comment: comment ?? null },
    });
    await onPolicyChanged(tx, stage);
    return view(row!);
  });
}

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

const DEFAULT_AUTHOR = "system:default";

export const policySummary = (
  p: Pick<StoredPolicy, "version" | "comment" | "createdBy" | "createdAt">,
): PolicyVersionSummary => ({
  version: p.version,
  comment: p.comment,
  createdBy: p.createdBy,
  createdAt: p.createdAt,
  isDefault: p.createdBy === DEFAULT_AUTHOR,
});

/** Every stage in promotion order with the version in force. Reads only: nothing is seeded here. */
export async function listStagePolicies(ctx: ServiceContext): Promise<StagePolicySummary[]> {
  if (ctx.actor.type === "token" && !ctx.actor.scopes.includes("policies:write")) requireScope(ctx.actor, "read");
  const [all, latest] = await Promise.all([
    ctx.db.select({ slug: stages.slug, name: stages.name, position: stages.position }).from(stages).orderBy(asc(stages.position)),
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
      current: p ? policySummary({ ...p, createdAt: p.createdAt.toISOString() }) : null,
      versions: p?.versions ?? 0,
    };
  });
}

const contentTypeOf = (format: PolicyFormat) => (format === "yaml" ? "application/yaml" : "application/json");

export type PolicyValidation = { ok: true; document: Policy; yaml: string; json: string } | { ok: false; errors: PolicyError[] };

/** Parses and validates a draft without saving it: the errors with their paths, or the normalized document. */
export async function validatePolicyText(
  ctx: ServiceContext,
  input: { stage: string; text: string; format: PolicyFormat },
): Promise<PolicyValidation> {
  await stageBySlug(ctx, input.stage);
  try {
    const document = parsePolicyText(input.text, contentTypeOf(input.format));
    return { ok: true, document, yaml: renderPolicy(document, "yaml"), json: renderPolicy(document, "json") };
  } catch (e) {
    if (!(e instanceof DomainError)) throw e;
    if (e.type === "invalid-policy") return { ok: false, errors: (e.extra.errors as PolicyError[]) ?? [] };
    if (e.type === "malformed-policy") return { ok: false, errors: [{ path: "(root)", message: e.message }] };
    throw e;
  }
}

/** A policy written as JSON or YAML text, saved as the next version (see setPolicy for `baseVersion`). */
export async function savePolicyText(
  ctx: ServiceContext,
  input: { stage: string; text: string; format: PolicyFormat; comment?: string; baseVersion?: number },
): Promise<StoredPolicy> {
  requireScope(ctx.actor, "policies:write");
  await stageBySlug(ctx, input.stage);
  const document = parsePolicyText(input.text, contentTypeOf(input.format));
  return setPolicy(ctx, input.stage, document, input.comment, { baseVersion: input.baseVersion });
}
