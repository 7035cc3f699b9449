// "What would unblock production": the gate's own pure evaluation of the service's latest commit, never recorded.
// The evidence gathering mirrors server/gate/evaluate-gate.ts (whose helpers are private) query for query.
import { and, asc, desc, eq, sql } from "drizzle-orm";
import { queryRows } from "@/db/client";
import { gateDecisions, stages } from "@/db/schema";
import { withTransaction, type ServiceContext } from "../context";
import { evaluateGate } from "../gate/evaluate";
import { currentPolicy } from "../gate/policies";
import { stageBySlug } from "../gate/stages";
import type { GateCheck, GateEvidence, GateFinding, GateInput } from "../gate/types";
import { waiversFor } from "../gate/waivers";
import type { EvidenceKind, FindingKind, Severity } from "../ingest/types";
import { asDate, asIso } from "./scope";

export type GatePreview = {
  stage: string;
  stageName: string;
  commit: string | null;
  branch: string | null;
  artifact: string | null;
  decision: "allow" | "block" | null;
  policy: { id: string; version: number; description: string | null } | null;
  checks: GateCheck[];
  /** when the evidence for the commit was received, newest first */
  evidence: { scanId: string; tool: string; kinds: string[]; status: string; receivedAt: string }[];
  stages: { slug: string; name: string }[];
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

/** The commit the service most recently scanned on its default branch (any branch if none). */
async function latestCommit(
  ctx: ServiceContext,
  svc: { id: string; defaultBranch: string },
): Promise<{ commit: string; branch: string; artifact: string | null } | null> {
  const [row] = await queryRows<{ commit: string; branch: string }>(
    ctx.db,
    sql`select commit, branch from scans where service_id = ${svc.id}
        order by (branch = ${svc.defaultBranch}) desc, received_at desc, id desc limit 1`,
  );
  if (!row) return null;
  const [art] = await queryRows<{ artifact: string }>(
    ctx.db,
    sql`select artifact from scans where service_id = ${svc.id} and commit = ${row.commit} and artifact is not null
        order by received_at desc, id desc limit 1`,
  );
  return { commit: row.commit, branch: row.branch, artifact: art?.artifact ?? null };
}

/** The gate's input for a commit, gathered exactly as evaluate-gate.ts does it. */
export async function gatherGateInput(
  tx: ServiceContext,
  serviceId: string,
  stage: { slug: string; previous: string | null },
  commit: string,
  artifact: string | null,
  previousStageRule: { stage?: string } | undefined,
): Promise<GateInput> {
  const scans = await queryRows<ScanRow>(
    tx.db,
    sql`select distinct on (tool_name, coalesce(artifact, '')) id, tool_name, evidence, status, received_at, scanner_db_built_at, artifact
        from scans
        where service_id = ${serviceId} and commit = ${commit}
          and (${artifact}::text is null or artifact is null or artifact = ${artifact})
        order by tool_name, coalesce(artifact, ''), received_at desc, id desc`,
  );
  const scanIds = scans.map((s) => s.id);
  const findingRows = scanIds.length
    ? await queryRows<FindingRow>(
        tx.db,
        sql`select f.id, f.fingerprint, f.severity, f.risk_area, f.kind, f.rule_id, f.title, f.vulnerability_id, f.aliases,
                   f.first_seen_at, f.package_name, f.package_version, f.fixed_versions, f.file
            from findings f
            where f.service_id = ${serviceId}
              and f.id in (select sf.finding_id from scan_findings sf
                           where sf.scan_id in (select json_array_elements_text(${JSON.stringify(scanIds)}::json)) and sf.suppressed = 0)`,
      )
    : [];
  const waiverRows = await waiversFor(tx, serviceId, stage.slug);
  let previousStage: GateInput["previousStage"] = null;
  const previousSlug = previousStageRule?.stage ?? stage.previous;
  if (previousStageRule && previousSlug) {
    const [prev] = await tx.db
      .select()
      .from(gateDecisions)
      .where(
        and(
          eq(gateDecisions.serviceId, serviceId),
          eq(gateDecisions.stage, previousSlug),
          eq(gateDecisions.commit, commit),
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
  return {
    now: tx.now(),
    stage: stage.slug,
    commit,
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
    scorecardGrade: null,
  };
}

/** Evaluates the stage's policy (the last stage by default) against the latest commit; nothing is written. */
export async function previewGate(
  ctx: ServiceContext,
  svc: { id: string; defaultBranch: string },
  stageSlug?: string,
): Promise<GatePreview> {
  const all = await ctx.db.select({ slug: stages.slug, name: stages.name }).from(stages).orderBy(asc(stages.position));
  const chosen = stageSlug ?? all[all.length - 1]?.slug ?? "production";
  const stage = await stageBySlug(ctx, chosen);
  const latest = await latestCommit(ctx, svc);
  // currentPolicy may seed the shipped default (as getPolicy does), so it runs in a transaction.
  return withTransaction(ctx, async (tx) => {
    const policy = await currentPolicy(tx, stage.slug);
    const base = {
      stage: stage.slug,
      stageName: stage.name,
      policy: { id: policy.id, version: policy.version, description: policy.document.description ?? null },
      stages: all,
    };
    if (!latest) return { ...base, commit: null, branch: null, artifact: null, decision: null, checks: [], evidence: [] };
    const input = await gatherGateInput(tx, svc.id, stage, latest.commit, latest.artifact, policy.document.rules.previousStage);
    const result = evaluateGate(input, policy.document);
    return {
      ...base,
      commit: latest.commit,
      branch: latest.branch,
      artifact: latest.artifact,
      decision: result.decision,
      checks: result.checks,
      evidence: input.evidence
        .map((e) => ({ scanId: e.scanId, tool: e.tool, kinds: e.kinds, status: e.status, receivedAt: asIso(e.receivedAt)! }))
        .sort((a, b) => (a.receivedAt < b.receivedAt ? 1 : -1)),
    };
  });
}
