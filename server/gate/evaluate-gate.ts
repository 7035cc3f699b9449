// The gate verb: gathers the evidence at a commit, evaluates the stage policy (pure), records the answer.
import { eq, sql } from "drizzle-orm";
import { z } from "zod";
import { queryRows, withPreparedStatements } from "@/db/client";
import { gateDecisions, services } from "@/db/schema";
import { attestationUrlFor, signDecision, storeAttestation } from "../attestation/attest-decision";
import { auditInsert } from "../audit/record-audit";
import { withTransaction, type ServiceContext } from "../context";
import { notFound } from "../errors";
import { newId } from "../ids";
import { runtimePublicUrl } from "../public-url";
import { prepareEvent } from "../notify/emit";
import { gateDecisionEvent, serviceInfo } from "../recheck/triggers";
import { serviceForActor } from "../services/access";
import { requireScope } from "../tokens/tokens";
import { artifactSchema, branchSchema, commitSchema, slugSchema } from "../validation";
import { decideGate } from "./decide";
import { gatherGateInput } from "./gather-input";
import { currentPolicy } from "./policies";
import { stageBySlug } from "./stages";
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
  return withPreparedStatements(() => withTransaction(ctx, (tx) => recordDecision(tx, req)));
}

/** Reads the evidence, decides and records the decision with its attestation, audit event and notification. */
async function recordDecision(tx: ServiceContext, req: z.output<typeof gateRequest>): Promise<GateDecision> {
  const artifact = req.artifact ?? null;
  const now = tx.now();
  // Independent reads go out together: on PostgreSQL they share one round trip (the driver pipelines them).
  // Refusals keep their order whichever answer comes first: the service, then the stage.
  const [svc, stage, policy] = await settleInOrder([
    serviceForActor(tx, req.service, "evaluate the gate for"),
    stageBySlug(tx, req.stage),
    currentPolicy(tx, req.stage),
  ] as const);
  // The service's names and team, for the notification of a block: read with the evidence, in the same round trip.
  const [input, info] = await Promise.all([
    gatherGateInput(tx, svc.id, stage, req.commit, artifact, policy.document, { keep: true }),
    serviceInfo(tx, svc.id),
  ]);
  const result = decideGate(input, policy.document);
  // Only these outlive the writes' round trips: the findings (a thousand objects, say) are garbage before them, so they
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
  const decisionRow = tx.db
    .insert(gateDecisions)
    .values({
      id,
      serviceId: svc.id,
      stage: stage.slug,
      commit: req.commit,
      artifact,
      branch: req.branch ?? null,
      decision: result.decision,
      policyId: policy.id,
      policyVersion: policy.version,
      response,
      actorLabel: tx.actor.label,
      evaluatedAt: now,
    })
    .getSQL();
  const signed = await signDecision(tx, {
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
  const audit = auditInsert(tx, {
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
  });
  const blocked = gateDecisionEvent(response, info);
  const event = blocked ? prepareEvent(tx, blocked) : null;
  // The decision, its attestation, its audit event and its notification in one statement (one round trip): the
  // attestation refers to the decision, which a statement's foreign-key checks see at its end. What it could not
  // store (the key not yet published) and the deliveries of the event (only when subscriptions want it) follow.
  const [written] = await queryRows<{ attested: number; subscriptions: string[] | null }>(
    tx.db,
    sql`with decision as (${decisionRow}),
      audit as (${audit})
      ${signed ? sql`, attestation as (${signed.insert})` : sql``}
      ${event ? sql`, event as (${event.insert})` : sql``}
      select ${signed ? sql`(select count(*) from attestation)::int` : sql`0`} as attested,
        ${event?.subscriptions ? sql`array(${event.subscriptions})` : sql`null::text[]`} as subscriptions`,
  );
  if (signed) await storeAttestation(tx, signed, written!.attested > 0);
  if (event) await event.deliver(written!.subscriptions ?? []);
  return response;
}

/** Promise.all whose rejection is the first in list order among those that failed, not the first in time. */
async function settleInOrder<T extends readonly unknown[]>(work: { [K in keyof T]: Promise<T[K]> }): Promise<T> {
  const settled = await Promise.allSettled(work);
  for (const r of settled) if (r.status === "rejected") throw r.reason;
  return settled.map((r) => (r as PromiseFulfilledResult<unknown>).value) as unknown as T;
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
