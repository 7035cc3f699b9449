// The gate verb: gathers the evidence at a commit, evaluates the stage policy (pure), records the answer.
import { eq } from "drizzle-orm";
import { z } from "zod";
import { Params, rawRows, withPreparedStatements } from "@/db/client";
import { gateDecisions, services } from "@/db/schema";
import {
  attestationInsert,
  attestationUrlFor,
  signDecision,
  usableKey,
  type SignedAttestation,
} from "../attestation/attest-decision";
import { ensureSigningKeyUsable } from "../attestation/signing-keys";
import { auditInsert } from "../audit/record-audit";
import { withTransaction, type ServiceContext } from "../context";
import { notFound } from "../errors";
import { newId } from "../ids";
import { runtimePublicUrl } from "../public-url";
import { prepareEvent, wakeDelivery } from "../notify/emit";
import { gateDecisionEvent } from "../recheck/triggers";
import { usableService } from "../services/access";
import { requireScope } from "../tokens/tokens";
import { artifactSchema, branchSchema, commitSchema, slugSchema } from "../validation";
import { decideGate } from "./decide";
import { gatherGateInput, gateRequestRead } from "./gather-input";
import { currentPolicy } from "./policies";
import { stageIn } from "./stages";
import type { GateCheck } from "./types";

export const gateRequest = z.object({
  service: slugSchema,
  stage: slugSchema,
  commit: commitSchema,
  artifact: artifactSchema.optional(),
  branch: branchSchema.optional(),
});

export type GateDecision = {
  decision: "allow" | "block";
  decisionId: string;
  url: string;
  service: string;
  stage: string;
  commit: string;
  artifact: string | null;
  branch: string | null;
  policy: { id: string; version: number };
  checks: GateCheck[];
  waiversApplied: {
    id: string;
    kind: string;
    match: { type: string; value: string };
    reason: string;
    expiresAt: string | null;
  }[];
  evidence: string[];
  evaluatedAt: string;
  /** the signed VSA of this decision (DSSE); null when the commit is abbreviated and no artifact was given */
  attestationUrl: string | null;
};

export async function evaluateGateRequest(ctx: ServiceContext, raw: z.input<typeof gateRequest>): Promise<GateDecision> {
  requireScope(ctx.actor, "gate:evaluate");
  const req = gateRequest.parse(raw);
  // The gate's statements are few and fixed, and it is the pipelines' hot path: prepared once per connection.
  return withPreparedStatements(async () => {
    // One statement reads and one writes, each a transaction of its own (the writes are one statement: all of them or
    // none), so the gate sends no BEGIN or COMMIT. What it rarely writes besides (a stage's default policy, the
    // findings a first gate keeps, the signing key's publication) is written whole on its own.
    const recorded = await recordDecision(ctx, req);
    // The signing key was not usable when the decision was written (nothing was): it is published, or a retired key
    // refuses the decision, and then the same writes go out again, in the transaction that made the key usable.
    if (!recorded.written) {
      await withTransaction(ctx, async (tx) => {
        await ensureSigningKeyUsable(tx, recorded.signed!.key);
        const [again] = await rawRows<{ written: number }>(tx.db, recorded.writes.text, recorded.writes.params);
        if (!again?.written) throw new Error(`could not store the attestation of decision ${recorded.response.decisionId}`);
      });
    }
    if (recorded.delivered) wakeDelivery();
    return recorded.response;
  });
}

type Recorded = {
  response: GateDecision;
  /** whether the writes were made (they are not when the signing key was not usable) */
  written: boolean;
  signed: SignedAttestation | null;
  writes: { text: string; params: unknown[] };
  /** whether the decision's notification has deliveries to make */
  delivered: boolean;
};

/** Reads the evidence, decides and records the decision with its attestation, audit event and notification. */
async function recordDecision(ctx: ServiceContext, req: z.output<typeof gateRequest>): Promise<Recorded> {
  const artifact = req.artifact ?? null;
  const now = ctx.now();
  // Everything the gate reads, in one statement; refusals keep their order: the service, then the stage.
  const read = await gateRequestRead(ctx, { service: req.service, stage: req.stage, commit: req.commit, artifact });
  const svc = usableService(ctx.actor, read.service ?? undefined, req.service, "evaluate the gate for");
  const stage = stageIn(read.stages, req.stage);
  // A stage without a stored policy yet gets its default stored (once), then the evidence is read the usual way.
  const policy = read.policy ?? (await withTransaction(ctx, (tx) => currentPolicy(tx, req.stage)));
  const input = read.policy
    ? await read.evidence(true)
    : await gatherGateInput(ctx, svc.id, stage, req.commit, artifact, policy.document, { keep: true });
  const result = decideGate(input, policy.document);
  // Only these outlive the writes' round trip: the findings (a thousand objects, say) are garbage before it, so they
  // die young instead of being promoted while this request waits on the database.
  const { evidenceScans, waivers } = input;
  const id = newId("decision", now.getTime());
  const applied = new Set(result.waiversApplied);
  const response: GateDecision = {
    decision: result.decision,
    decisionId: id,
    url: `${runtimePublicUrl()}/decisions/${id}`,
    service: svc.slug,
    stage: stage.slug,
    commit: req.commit,
    artifact,
    branch: req.branch ?? null,
    policy: { id: policy.id, version: policy.version },
    checks: result.checks,
    waiversApplied: waivers
      .filter((w) => applied.has(w.id))
      .map((w) => ({
        id: w.id,
        kind: w.kind,
        match: w.match,
        reason: w.reason,
        expiresAt: w.expiresAt?.toISOString() ?? null,
      })),
    evidence: result.evidence,
    evaluatedAt: now.toISOString(),
    attestationUrl: attestationUrlFor({ id, commit: req.commit, artifact }),
  };
  const signed = await signDecision(ctx, {
    id,
    serviceId: svc.id,
    service: svc.slug,
    stage: stage.slug,
    commit: req.commit,
    artifact,
    decision: result.decision,
    policyId: policy.id,
    evaluatedAt: now,
    evidence: result.evidence,
    scans: evidenceScans,
  });
  const p = new Params();
  // The decision, its attestation, its audit event, its notification and the notification's deliveries, in one
  // statement: the attestation refers to the decision, which a statement's foreign-key checks see at its end. When it
  // is signed, everything is written only if the signing key is published and not retired (`k`, share-locked so a
  // rotation waits): otherwise nothing is, and the caller publishes the key (or refuses) and writes again.
  const guard = signed ? usableKey(signed, p) : "select null::text as id";
  const decisionInsert = `insert into gate_decisions (id, service_id, stage, commit, artifact, branch, decision, policy_id,
      policy_version, response, actor_label, evaluated_at, kind)
    select ${p.add(id)}, ${p.add(svc.id)}, ${p.add(stage.slug)}, ${p.add(req.commit)}, ${p.add(artifact)}, ${p.add(req.branch ?? null)},
      ${p.add(result.decision)}, ${p.add(policy.id)}, ${p.add(policy.version)}::int, ${p.add(JSON.stringify(response))}::jsonb,
      ${p.add(ctx.actor.label)}, ${p.add(response.evaluatedAt)}::timestamptz, 'gate' from k returning id`;
  const audit = auditInsert(
    ctx,
    {
      action: `gate.${result.decision}`,
      targetType: "gate_decision",
      targetId: id,
      teamId: svc.teamId,
      after: {
        service: svc.slug,
        stage: stage.slug,
        commit: req.commit,
        artifact,
        decision: result.decision,
        policyVersion: policy.version,
      },
    },
    p,
    "k",
  );
  const blocked = gateDecisionEvent(response, svc);
  const event = blocked ? prepareEvent(ctx, blocked) : null;
  const deliveries = event?.deliveries(p, read.subscriptions, "k") ?? null;
  const text = `with k as (${guard}),
      decision as (${decisionInsert}),
      audit as (${audit})
      ${signed ? `, attestation as (${attestationInsert(signed, p, "k")})` : ""}
      ${event ? `, event as (${event.insert(p, "k")})` : ""}
      ${deliveries ? `, deliveries as (${deliveries})` : ""}
    select (select count(*) from decision)::int as written`;
  const [row] = await rawRows<{ written: number }>(ctx.db, text, p.values);
  return {
    response,
    written: (row?.written ?? 0) > 0,
    signed,
    writes: { text, params: p.values },
    delivered: !!deliveries,
  };
}

/** A stored decision, exactly as it was given. */
export async function getDecision(ctx: ServiceContext, id: string): Promise<GateDecision> {
  const actor = ctx.actor;
  if (actor.type === "token" && !actor.scopes.includes("gate:evaluate") && !actor.scopes.includes("deployments:write"))
    requireScope(actor, "read");
  const [row] = await ctx.db
    .select({ d: gateDecisions, teamId: services.teamId })
    .from(gateDecisions)
    .innerJoin(services, eq(services.id, gateDecisions.serviceId))
    .where(eq(gateDecisions.id, id))
    .limit(1);
  if (
    !row ||
    (actor.type === "token" && (row.teamId !== actor.teamId || (actor.serviceIds && !actor.serviceIds.includes(row.d.serviceId))))
  ) {
    throw notFound(`Decision "${id}"`);
  }
  return row.d.response as GateDecision;
}
