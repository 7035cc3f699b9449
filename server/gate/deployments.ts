// Deployments: what now runs where. One without a matching, recent "allow" is a gate bypass, and the audit log says so.
// Deployments are records (append-only in the database, like decisions).
import { and, desc, eq, isNull } from "drizzle-orm";
import { z } from "zod";
import { deployments, gateDecisions } from "@/db/schema";
import { recordAudit } from "../audit/record-audit";
import { withTransaction, type ServiceContext } from "../context";
import { newId } from "../ids";
import { currentPolicy } from "./policies";
import { onDeploymentRecorded } from "../recheck/triggers";
import { serviceForActor } from "../services/access";
import { requireScope } from "../tokens/tokens";
import { artifactSchema, commitSchema, singleLineSchema, slugSchema } from "../validation";
import { stageBySlug } from "./stages";

export const deploymentRequest = z.object({
  service: slugSchema,
  stage: slugSchema,
  commit: commitSchema,
  artifact: artifactSchema.optional(),
  decisionId: singleLineSchema(100).optional(),
});

export type DeploymentView = {
  id: string;
  service: string;
  stage: string;
  commit: string;
  artifact: string | null;
  decisionId: string | null;
  bypass: boolean;
  bypassReason: string | null;
  deployedAt: string;
};

export async function recordDeployment(ctx: ServiceContext, raw: z.input<typeof deploymentRequest>): Promise<DeploymentView> {
  requireScope(ctx.actor, "deployments:write");
  const req = deploymentRequest.parse(raw);
  const svc = await serviceForActor(ctx, req.service, "record deployments of");
  const stage = await stageBySlug(ctx, req.stage);
  const artifact = req.artifact ?? null;
  return withTransaction(ctx, async (tx) => {
    const now = tx.now();
    // The same artifact on both sides, or none on either: an allow for one image never lets in another.
    const matching = and(
      eq(gateDecisions.serviceId, svc.id),
      eq(gateDecisions.stage, stage.slug),
      eq(gateDecisions.commit, req.commit),
      artifact ? eq(gateDecisions.artifact, artifact) : isNull(gateDecisions.artifact),
      eq(gateDecisions.decision, "allow"),
      eq(gateDecisions.kind, "gate"),
    );
    const [decision] = await tx.db
      .select({ id: gateDecisions.id, evaluatedAt: gateDecisions.evaluatedAt })
      .from(gateDecisions)
      .where(req.decisionId ? and(matching, eq(gateDecisions.id, req.decisionId)) : matching)
      .orderBy(desc(gateDecisions.evaluatedAt), desc(gateDecisions.id))
      .limit(1);
    const maxAgeHours = (await currentPolicy(tx, stage.slug)).document.decisionMaxAgeHours;
    const ageMs = decision ? now.getTime() - decision.evaluatedAt.getTime() : null;
    const stale = ageMs !== null && maxAgeHours !== undefined && ageMs > maxAgeHours * 3_600_000;
    const bypass = !decision || stale;
    const target = `${stage.slug} at commit ${req.commit}${artifact ? ` and artifact ${artifact}` : " without an artifact"}`;
    const bypassReason = !decision
      ? req.decisionId
        ? `decision ${req.decisionId} is not an allow for this service, stage, commit and artifact`
        : `no allow decision for ${target}`
      : stale
        ? `stale decision: the newest allow for ${target} (${decision.id}) is ${Math.floor(ageMs! / 3_600_000)} hours old; ` +
          `the ${stage.slug} policy accepts at most ${maxAgeHours}`
        : null;
    const [row] = await tx.db
      .insert(deployments)
      .values({
        id: newId("deployment", now.getTime()),
        serviceId: svc.id,
        stage: stage.slug,
        commit: req.commit,
        artifact,
        decisionId: bypass ? null : decision!.id,
        bypass,
        bypassReason,
        actorLabel: tx.actor.label,
        deployedAt: now,
      })
      .returning();
    await recordAudit(tx, {
      action: bypass ? "deployment.bypass" : "deployment.record",
      targetType: "deployment",
      targetId: row!.id,
      teamId: svc.teamId,
      after: {
        service: svc.slug,
        stage: stage.slug,
        commit: req.commit,
        artifact,
        decisionId: bypass ? null : decision!.id,
        staleDecisionId: stale ? decision!.id : undefined,
        bypass,
        bypassReason,
      },
    });
    await onDeploymentRecorded(tx, row!);
    return {
      id: row!.id,
      service: svc.slug,
      stage: stage.slug,
      commit: req.commit,
      artifact,
      decisionId: row!.decisionId,
      bypass,
      bypassReason,
      deployedAt: now.toISOString(),
    };
  });
}
