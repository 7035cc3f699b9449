// The service page's reads besides the scorecard: what runs in each stage, the latest evidence per kind,
// recent gate decisions with their checks, and the policy in force per stage.
import { asc, sql } from "drizzle-orm";
import { queryRows } from "@/db/client";
import { stages } from "@/db/schema";
import type { ServiceContext } from "../context";
import type { GateDecision } from "../gate/evaluate-gate";
import { defaultPolicyFor, type Policy } from "../gate/policy";
import type { GateCheck } from "../gate/types";
import { stageRuntimes, type StageRuntime } from "../recheck/stage-status";
import type { Scorecard } from "../scoring/formula";
import { computeServiceScorecard } from "../scoring/snapshot";
import { serviceForActor, teamOfService, type ServiceRef } from "../services/access";
import type { Tier } from "./filters";
import { asIso, requireReader } from "./visibility";

export type StageRun = {
  stage: string;
  name: string;
  deployment: {
    id: string;
    commit: string;
    artifact: string | null;
    deployedAt: string;
    actor: string;
    bypass: boolean;
    bypassReason: string | null;
    decision: { id: string; decision: "allow" | "block"; evaluatedAt: string; policyVersion: number } | null;
  } | null;
  lastDecision: { id: string; decision: "allow" | "block"; commit: string; evaluatedAt: string } | null;
  policy: { version: number | null; description: string | null; rules: string[]; isDefault: boolean };
  /** whether what runs there is still in policy, from the re-checks */
  runtime: StageRuntime;
};

export type EvidenceLatest = {
  kind: string;
  scanId: string;
  tool: string;
  toolVersion: string | null;
  status: "complete" | "failed";
  commit: string;
  branch: string;
  receivedAt: string;
  /** when the scan ran, as its report says (never later than receivedAt): its evidence ages from here */
  scannedAt: string;
  scannerDbBuiltAt: string | null;
};

export type RecentDecision = {
  id: string;
  stage: string;
  commit: string;
  artifact: string | null;
  decision: "allow" | "block";
  evaluatedAt: string;
  actor: string;
  policyVersion: number;
  checks: GateCheck[];
  /** "recheck": Gatehouse re-evaluated what runs; "gate": a pipeline asked */
  kind: "gate" | "recheck";
};

/** One line per rule of a policy, as people read it. */
export function describeRules(p: Policy): string[] {
  const r = p.rules;
  const out: string[] = [];
  const tag = (mode: string) => (mode === "warn" ? " (warn)" : "");
  for (const m of r.maxFindings ?? [])
    out.push(`At most ${m.max} ${m.severity}-or-worse findings${m.area ? ` in area ${m.area}` : ""}${tag(m.mode)}`);
  if (r.noSecrets) out.push(`No secrets${tag(r.noSecrets.mode)}`);
  for (const e of r.requiredEvidence ?? [])
    out.push(`${e.kind} evidence required${e.maxAgeDays ? `, at most ${e.maxAgeDays} days old` : ""}${tag(e.mode)}`);
  if (r.maxScannerDbAgeDays)
    out.push(`Scanner database at most ${r.maxScannerDbAgeDays.days} days old${tag(r.maxScannerDbAgeDays.mode)}`);
  if (r.sla) out.push(`No finding past its SLA${tag(r.sla.mode)}`);
  if (r.previousStage) out.push(`Passed ${r.previousStage.stage ?? "the previous stage"} first${tag(r.previousStage.mode)}`);
  if (r.artifactBinding) out.push(`Evidence bound to the artifact${tag(r.artifactBinding.mode)}`);
  if (r.minScorecardGrade) out.push(`Scorecard grade ${r.minScorecardGrade.grade} or better${tag(r.minScorecardGrade.mode)}`);
  return out;
}

/** Each stage in promotion order with the latest deployment, the latest decision and the policy in force. */
export async function stageRuns(ctx: ServiceContext, serviceId: string): Promise<StageRun[]> {
  const [all, deps, decisions, pols, runtimes] = await Promise.all([
    ctx.db.select().from(stages).orderBy(asc(stages.position)),
    queryRows<Record<string, unknown>>(
      ctx.db,
      sql`select distinct on (dp.stage) dp.stage, dp.id, dp.commit, dp.artifact, dp.deployed_at, dp.actor_label, dp.bypass, dp.bypass_reason,
                 d.id as decision_id, d.decision, d.evaluated_at, d.policy_version
          from deployments dp left join gate_decisions d on d.id = dp.decision_id
          where dp.service_id = ${serviceId}
          order by dp.stage, dp.deployed_at desc, dp.id desc`,
    ),
    queryRows<Record<string, unknown>>(
      ctx.db,
      sql`select distinct on (stage) stage, id, decision, commit, evaluated_at from gate_decisions
          where service_id = ${serviceId} and kind = 'gate' order by stage, evaluated_at desc, id desc`,
    ),
    queryRows<{ stage: string; version: number; document: unknown }>(
      ctx.db,
      sql`select distinct on (stage) stage, version, document from policies order by stage, version desc`,
    ),
    stageRuntimes(ctx, serviceId),
  ]);
  return all.map((s, i): StageRun => {
    const dep = deps.find((d) => d.stage === s.slug);
    const dec = decisions.find((d) => d.stage === s.slug);
    const pol = pols.find((p) => p.stage === s.slug);
    const doc = pol
      ? ((typeof pol.document === "string" ? JSON.parse(pol.document) : pol.document) as Policy)
      : defaultPolicyFor(s.slug, i > 0 ? all[i - 1]!.slug : null);
    return {
      stage: s.slug,
      name: s.name,
      deployment: dep
        ? {
            id: String(dep.id),
            commit: String(dep.commit),
            artifact: (dep.artifact as string | null) ?? null,
            deployedAt: asIso(dep.deployed_at as string)!,
            actor: String(dep.actor_label),
            bypass: Boolean(dep.bypass),
            bypassReason: (dep.bypass_reason as string | null) ?? null,
            decision: dep.decision_id
              ? {
                  id: String(dep.decision_id),
                  decision: dep.decision as "allow" | "block",
                  evaluatedAt: asIso(dep.evaluated_at as string)!,
                  policyVersion: Number(dep.policy_version),
                }
              : null,
          }
        : null,
      lastDecision: dec
        ? {
            id: String(dec.id),
            decision: dec.decision as "allow" | "block",
            commit: String(dec.commit),
            evaluatedAt: asIso(dec.evaluated_at as string)!,
          }
        : null,
      policy: {
        version: pol ? Number(pol.version) : null,
        description: doc.description ?? null,
        rules: describeRules(doc),
        isDefault: !pol,
      },
      runtime: runtimes.find((r) => r.stage === s.slug)!,
    };
  });
}

/** The latest scan per evidence kind (complete or failed), with its tool version. */
export async function latestEvidence(ctx: ServiceContext, serviceId: string): Promise<EvidenceLatest[]> {
  const rows = await queryRows<Record<string, unknown>>(
    ctx.db,
    sql`select distinct on (k.kind) k.kind, s.id, s.tool_name, s.tool_version, s.status, s.commit, s.branch, s.received_at,
               s.scanned_at, s.scanner_db_built_at
        from scans s cross join lateral unnest(s.evidence) as k(kind)
        where s.service_id = ${serviceId}
        order by k.kind, s.scanned_at desc, s.id desc`,
  );
  return rows.map((r) => ({
    kind: String(r.kind),
    scanId: String(r.id),
    tool: String(r.tool_name),
    toolVersion: (r.tool_version as string | null) ?? null,
    status: r.status as "complete" | "failed",
    commit: String(r.commit),
    branch: String(r.branch),
    receivedAt: asIso(r.received_at as string)!,
    scannedAt: asIso(r.scanned_at as string)!,
    scannerDbBuiltAt: asIso((r.scanner_db_built_at as string | null) ?? null),
  }));
}

/** The latest gate decisions of a service with their checks, exactly as recorded. */
export async function recentDecisions(ctx: ServiceContext, serviceId: string, limit = 10): Promise<RecentDecision[]> {
  const rows = await queryRows<Record<string, unknown>>(
    ctx.db,
    sql`select id, stage, commit, artifact, decision, evaluated_at, actor_label, policy_version, response, kind
        from gate_decisions where service_id = ${serviceId} order by evaluated_at desc, id desc limit ${limit}`,
  );
  return rows.map((r) => {
    const response = (typeof r.response === "string" ? JSON.parse(r.response) : r.response) as GateDecision;
    return {
      id: String(r.id),
      stage: String(r.stage),
      commit: String(r.commit),
      artifact: (r.artifact as string | null) ?? null,
      decision: r.decision as "allow" | "block",
      evaluatedAt: asIso(r.evaluated_at as string)!,
      actor: String(r.actor_label),
      policyVersion: Number(r.policy_version),
      checks: response.checks ?? [],
      kind: r.kind === "recheck" ? "recheck" : "gate",
    };
  });
}

export type ServiceDetail = {
  service: Pick<ServiceRef, "id" | "slug" | "name" | "repoUrl" | "defaultBranch"> & {
    team: { slug: string; name: string };
    tier: Tier;
  };
  scorecard: Scorecard;
  stages: StageRun[];
};

/** A service as integrations read it: who owns it, its live scorecard (with its areas) and what runs in each stage. */
export async function getServiceDetail(ctx: ServiceContext, slug: string): Promise<ServiceDetail> {
  requireReader(ctx.actor);
  const svc = await serviceForActor(ctx, slug, "read");
  const [team, scorecard, stages] = await Promise.all([
    teamOfService(ctx, svc),
    computeServiceScorecard(ctx, svc.id),
    stageRuns(ctx, svc.id),
  ]);
  const { id, name, repoUrl, defaultBranch, criticality } = svc;
  return { service: { id, slug: svc.slug, name, team, tier: criticality, repoUrl, defaultBranch }, scorecard, stages };
}
