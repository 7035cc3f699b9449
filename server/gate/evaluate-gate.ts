// The gate verb: gathers the evidence at a commit, evaluates the stage policy (pure), records the answer.
import { and, desc, eq, sql } from "drizzle-orm";
import { z } from "zod";
import { queryRows } from "@/db/client";
import { gateDecisions, scoreSnapshots, services } from "@/db/schema";
import { recordAudit } from "../audit/record-audit";
import { withTransaction, type ServiceContext } from "../context";
import { notFound } from "../errors";
import { newId } from "../ids";
import type { EvidenceKind, FindingKind, Severity } from "../ingest/types";
import { runtimePublicUrl } from "../public-url";
import { serviceForActor } from "../services/access";
import { requireScope } from "../tokens/tokens";
import { artifactSchema, commitSchema, slugSchema } from "../validation";
import { evaluateGate as evaluate } from "./evaluate";
import { currentPolicy } from "./policies";
import { stageBySlug } from "./stages";
import type { GateCheck, GateEvidence, GateFinding, GateInput } from "./types";
import { waiversFor } from "./waivers";

export const gateRequest = z.object({
  service: slugSchema,
  stage: slugSchema,
  commit: commitSchema,
  artifact: artifactSchema.optional(),
  branch: z.string().trim().min(1).max(250).optional(),
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
};

type FindingRow = {
  id: string;
  fingerprint: string;
  severity: Severity;
  risk_area: number;
  kind: FindingKind;
  rule_id: string;
  title: string;
  vulnerability_id: string | null;
  aliases: string[];
  first_seen_at: string | Date;
  package_name: string | null;
  package_version: string | null;
  fixed_versions: string[];
  file: string | null;
};

type ScanRow = {
  id: string;
  tool_name: string;
  evidence: string[];
  status: "complete" | "failed";
  received_at: string | Date;
  scanner_db_built_at: string | Date | null;
  artifact: string | null;
};

const asDate = (v: string | Date) => (v instanceof Date ? v : new Date(v));

/** The latest scan per tool (and artifact) uploaded for this commit: what the evaluation reads. */
async function scansAtCommit(
  ctx: ServiceContext,
  serviceId: string,
  commit: string,
  artifact: string | null,
): Promise<ScanRow[]> {
  return queryRows<ScanRow>(
    ctx.db,
    sql`select distinct on (tool_name, coalesce(artifact, '')) id, tool_name, evidence, status, received_at, scanner_db_built_at, artifact
        from scans
        where service_id = ${serviceId} and commit = ${commit}
          and (${artifact}::text is null or artifact is null or artifact = ${artifact})
        order by tool_name, coalesce(artifact, ''), received_at desc, id desc`,
  );
}

async function findingsOfScans(ctx: ServiceContext, serviceId: string, scanIds: string[]): Promise<FindingRow[]> {
  if (!scanIds.length) return [];
  return queryRows<FindingRow>(
    ctx.db,
    sql`select f.id, f.fingerprint, f.severity, f.risk_area, f.kind, f.rule_id, f.title, f.vulnerability_id, f.aliases,
               f.first_seen_at, f.package_name, f.package_version, f.fixed_versions, f.file
        from findings f
        where f.service_id = ${serviceId}
          and f.id in (select sf.finding_id from scan_findings sf
                       where sf.scan_id in (select json_array_elements_text(${JSON.stringify(scanIds)}::json)) and sf.suppressed = 0)`,
  );
}

export async function evaluateGateRequest(ctx: ServiceContext, raw: z.input<typeof gateRequest>): Promise<GateDecision> {
  requireScope(ctx.actor, "gate:evaluate");
  const req = gateRequest.parse(raw);
  const svc = await serviceForActor(ctx, req.service, "evaluate the gate for");
  const stage = await stageBySlug(ctx, req.stage);
  const artifact = req.artifact ?? null;

  return withTransaction(ctx, async (tx) => {
    const now = tx.now();
    const policy = await currentPolicy(tx, stage.slug);
    const scans = await scansAtCommit(tx, svc.id, req.commit, artifact);
    const findingRows = await findingsOfScans(
      tx,
      svc.id,
      scans.map((s) => s.id),
    );
    const waiverRows = await waiversFor(tx, svc.id, stage.slug);
    const previousSlug = policy.document.rules.previousStage?.stage ?? stage.previous;
    let previousStage: GateInput["previousStage"] = null;
    if (policy.document.rules.previousStage && previousSlug) {
      const [prev] = await tx.db
        .select()
        .from(gateDecisions)
        .where(
          and(
            eq(gateDecisions.serviceId, svc.id),
            eq(gateDecisions.stage, previousSlug),
            eq(gateDecisions.commit, req.commit),
            artifact ? eq(gateDecisions.artifact, artifact) : undefined,
          ),
        )
        .orderBy(desc(gateDecisions.evaluatedAt), desc(gateDecisions.id))
        .limit(1);
      previousStage = {
        stage: previousSlug,
        decision: prev ? { id: prev.id, decision: prev.decision, artifact: prev.artifact, evaluatedAt: prev.evaluatedAt } : null,
      };
    }

    const input: GateInput = {
      now,
      stage: stage.slug,
      commit: req.commit,
      artifact,
      findings: findingRows.map((f): GateFinding => ({
        id: f.id,
        fingerprint: f.fingerprint,
        severity: f.severity,
        riskArea: Number(f.risk_area),
        kind: f.kind,
        ruleId: f.rule_id,
        title: f.title,
        vulnerabilityId: f.vulnerability_id,
        aliases: f.aliases ?? [],
        firstSeenAt: asDate(f.first_seen_at),
        packageName: f.package_name,
        packageVersion: f.package_version,
        fixedVersions: f.fixed_versions ?? [],
        file: f.file,
      })),
      waivers: waiverRows.map((w) => ({
        id: w.id,
        match: { type: w.matchType, value: w.matchValue },
        kind: w.kind,
        reason: w.reason,
        expiresAt: w.expiresAt,
      })),
      evidence: scans.map((s): GateEvidence => ({
        scanId: s.id,
        tool: s.tool_name,
        kinds: s.evidence as EvidenceKind[],
        status: s.status,
        receivedAt: asDate(s.received_at),
        scannerDbBuiltAt: s.scanner_db_built_at ? asDate(s.scanner_db_built_at) : null,
        artifact: s.artifact,
      })),
      previousStage,
      scorecardGrade: policy.document.rules.minScorecardGrade ? await latestGrade(tx, svc.id) : null,
    };
    const result = evaluate(input, policy.document);
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
      waiversApplied: waiverRows
        .filter((w) => applied.has(w.id))
        .map((w) => ({
          id: w.id,
          kind: w.kind,
          match: { type: w.matchType, value: w.matchValue },
          reason: w.reason,
          expiresAt: w.expiresAt?.toISOString() ?? null,
        })),
      evidence: result.evidence,
      evaluatedAt: now.toISOString(),
    };
    await tx.db.insert(gateDecisions).values({
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
    });
    await recordAudit(tx, {
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
    return response;
  });
}

/** The service's grade from its newest daily scorecard, or null when it was never scored. */
async function latestGrade(ctx: ServiceContext, serviceId: string): Promise<string | null> {
  const [row] = await ctx.db
    .select({ grade: scoreSnapshots.grade })
    .from(scoreSnapshots)
    .where(eq(scoreSnapshots.serviceId, serviceId))
    .orderBy(desc(scoreSnapshots.day))
    .limit(1);
  return row?.grade ?? null;
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
