// Stage policies: stored with their history; each decision names the version it used.
import { and, desc, eq, sql } from "drizzle-orm";
import { parse as parseYaml } from "yaml";
import { policies } from "@/db/schema";
import { recordAudit } from "../audit/record-audit";
import { withTransaction, type ServiceContext } from "../context";
import { DomainError, notFound } from "../errors";
import { newId } from "../ids";
import { onPolicyChanged } from "../recheck/triggers";
import { requireScope } from "../tokens/tokens";
import { defaultPolicyFor, formatPolicyError, policySchema, type Policy } from "./policy";
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

export async function setPolicy(ctx: ServiceContext, stage: string, document: unknown, comment?: string): Promise<StoredPolicy> {
  requireScope(ctx.actor, "policies:write");
  const policy = validatePolicy(document);
  return withTransaction(ctx, async (tx) => {
    await stageBySlug(tx, stage);
    // Versions are numbered in order even when two changes arrive together.
    await tx.db.execute(sql`select pg_advisory_xact_lock(hashtext(${`gatehouse:policy:${stage}`}))`);
    const before = await currentPolicy(tx, stage);
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
