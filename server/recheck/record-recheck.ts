// A re-check is recorded as an immutable decision of kind "recheck": the same record as a pipeline's gate call,
// never taken for one (pipeline-facing lookups read kind = "gate" only). Every recheck decision is written here.
import { gateDecisions } from "@/db/schema";
import { attestDecision, attestationUrlFor } from "../attestation/attest-decision";
import type { ServiceContext } from "../context";
import type { GateDecision } from "../gate/evaluate-gate";
import type { GateEvaluation, GateInput } from "../gate/types";
import { newId } from "../ids";
import { runtimePublicUrl } from "../public-url";

export type RecheckDecision = GateDecision & {
  kind: "recheck";
  /** the deployment whose artifact and commit were evaluated */
  deploymentId: string;
  /** what asked for it: scan, policy, waiver, deployment, time */
  reasons: string[];
};

export type RecheckRecord = {
  service: { id: string; slug: string };
  stage: string;
  commit: string;
  artifact: string | null;
  deploymentId: string;
  reasons: string[];
  policy: { id: string; version: number };
  input: GateInput;
  result: GateEvaluation;
};

export async function insertRecheckDecision(tx: ServiceContext, r: RecheckRecord): Promise<RecheckDecision> {
  const now = tx.now();
  const id = newId("decision", now.getTime());
  const applied = new Set(r.result.waiversApplied);
  const response: RecheckDecision = {
    kind: "recheck",
    decision: r.result.decision,
    decisionId: id,
    url: `${runtimePublicUrl()}/decisions/${id}`,
    service: r.service.slug,
    stage: r.stage,
    commit: r.commit,
    artifact: r.artifact,
    branch: null,
    policy: r.policy,
    checks: r.result.checks,
    waiversApplied: r.input.waivers
      .filter((w) => applied.has(w.id))
      .map((w) => ({ id: w.id, kind: w.kind, match: w.match, reason: w.reason, expiresAt: w.expiresAt?.toISOString() ?? null })),
    evidence: r.result.evidence,
    evaluatedAt: now.toISOString(),
    deploymentId: r.deploymentId,
    reasons: r.reasons,
    attestationUrl: attestationUrlFor({ id, commit: r.commit, artifact: r.artifact }),
  };
  await tx.db.insert(gateDecisions).values({
    id,
    kind: "recheck",
    serviceId: r.service.id,
    stage: r.stage,
    commit: r.commit,
    artifact: r.artifact,
    branch: null,
    decision: r.result.decision,
    policyId: r.policy.id,
    policyVersion: r.policy.version,
    response,
    actorLabel: tx.actor.label,
    evaluatedAt: now,
  });
  // Signed like a pipeline's decision: a deploy-side verifier sees a FAILED re-check as such.
  await attestDecision(tx, {
    id,
    serviceId: r.service.id,
    service: r.service.slug,
    stage: r.stage,
    commit: r.commit,
    artifact: r.artifact,
    decision: r.result.decision,
    policyId: r.policy.id,
    evaluatedAt: now,
    evidence: r.result.evidence,
  });
  return response;
}
