// What other verbs call, in their own transaction, when something happens that may change what runs in policy
// or that people want to hear about. Each is one awaited line at the end of that verb:
//   ingestReport → onScanIngested, recordDeployment → onDeploymentRecorded,
//   setPolicy → onPolicyChanged, createWaiver / approveWaiver / revokeWaiver → onWaiverChanged;
// evaluateGateRequest writes gateDecisionEvent's event in the statement that records the decision.
import { sql, type SQL } from "drizzle-orm";
import { queryRows } from "@/db/client";
import type { deployments, scans, waivers } from "@/db/schema";
import type { ServiceContext } from "../context";
import type { GateDecision } from "../gate/evaluate-gate";
import { defaultPolicyFor, type Policy } from "../gate/policy";
import { emitEvent, emitOnce } from "../notify/emit";
import type { NotificationEvent } from "../notify/events";
import { runtimePublicUrl } from "../public-url";
import { failingChecks, outcomeKey } from "./outcome";

const DAY_MS = 86_400_000;

export type RecheckReason = "scan" | "policy" | "waiver" | "deployment" | "time" | "intel";

export type ServiceInfo = { id: string; slug: string; name: string; teamId: string; teamSlug: string; teamName: string };

export async function serviceInfo(tx: ServiceContext, serviceId: string): Promise<ServiceInfo> {
  const [s] = await queryRows<{ id: string; slug: string; name: string; team_id: string; team_slug: string; team_name: string }>(
    tx.db,
    sql`select s.id, s.slug, s.name, s.team_id, t.slug as team_slug, t.name as team_name
        from services s join teams t on t.id = s.team_id where s.id = ${serviceId}`,
  );
  if (!s) throw new Error(`service ${serviceId} vanished`);
  return { id: s.id, slug: s.slug, name: s.name, teamId: s.team_id, teamSlug: s.team_slug, teamName: s.team_name };
}

export const serviceUrl = (slug: string, anchor = "stages") => `${runtimePublicUrl()}/services/${slug}#${anchor}`;
export const refOf = (s: ServiceInfo) => ({
  service: { slug: s.slug, name: s.name },
  team: { slug: s.teamSlug, name: s.teamName },
});

/** Marks the deployed stages matching `where` for a re-check now; rows are locked in key order (no deadlocks). */
export async function requestRechecks(tx: ServiceContext, where: SQL, reason: RecheckReason): Promise<number> {
  const now = tx.now().toISOString();
  const rows = await queryRows<{ service_id: string }>(
    tx.db,
    sql`update stage_status set
          due_at = least(coalesce(due_at, ${now}::timestamptz), ${now}::timestamptz),
          reasons = case when ${reason} = any(reasons) then reasons else array_append(reasons, ${reason}::text) end
        where (service_id, stage) in (
          select service_id, stage from stage_status where ${where} order by service_id, stage for update)
        returning service_id`,
  );
  return rows.length;
}

/** A scan arrived: re-check the stages running its commit or its artifact; tell of failed runs and stale databases. */
export async function onScanIngested(tx: ServiceContext, scan: typeof scans.$inferSelect): Promise<void> {
  await requestRechecks(
    tx,
    scan.artifact
      ? sql`service_id = ${scan.serviceId} and (commit = ${scan.commit} or artifact = ${scan.artifact})`
      : sql`service_id = ${scan.serviceId} and commit = ${scan.commit}`,
    "scan",
  );
  const failed = scan.status === "failed";
  const limit = scan.scannerDbBuiltAt ? await scannerDbLimitDays(tx) : null;
  const ageDays = scan.scannerDbBuiltAt ? (scan.scannedAt.getTime() - scan.scannerDbBuiltAt.getTime()) / DAY_MS : null;
  const stale = limit !== null && ageDays !== null && ageDays > limit;
  if (!failed && !stale) return;
  const svc = await serviceInfo(tx, scan.serviceId);
  const scanData = {
    id: scan.id,
    tool: scan.toolName,
    toolVersion: scan.toolVersion,
    commit: scan.commit,
    branch: scan.branch,
    artifact: scan.artifact,
    receivedAt: scan.receivedAt.toISOString(),
  };
  if (failed)
    await emitEvent(tx, {
      type: "scan.failed",
      teamId: svc.teamId,
      serviceId: svc.id,
      stage: scan.stage,
      data: {
        summary: `${scan.toolName} reported a failed run for ${svc.name} at commit ${scan.commit.slice(0, 12)}: ${scan.failureReason ?? "no reason given"}`,
        url: serviceUrl(svc.slug, "evidence"),
        ...refOf(svc),
        scan: { ...scanData, failureReason: scan.failureReason },
      },
    });
  if (stale) {
    const builtAt = scan.scannerDbBuiltAt!.toISOString();
    // One alert per database build and tool: the nightly scans that reuse it would repeat it.
    await emitOnce(tx, `scanner_db.stale:${svc.id}:${scan.toolName}:${builtAt}`, {
      type: "scanner_db.stale",
      teamId: svc.teamId,
      serviceId: svc.id,
      stage: scan.stage,
      data: {
        summary: `${scan.toolName} scanned ${svc.name} with a vulnerability database ${Math.floor(ageDays!)} days old (policies allow ${limit})`,
        url: serviceUrl(svc.slug, "evidence"),
        ...refOf(svc),
        scan: { ...scanData, scannerDbBuiltAt: builtAt, scannerDbAgeDays: Math.round(ageDays! * 10) / 10 },
        limitDays: limit,
      },
    });
  }
}

/** The strictest scanner-database age any stage's policy in force allows, or null when none limits it. */
async function scannerDbLimitDays(tx: ServiceContext): Promise<number | null> {
  const rows = await queryRows<{ slug: string; previous: string | null; document: unknown }>(
    tx.db,
    sql`select s.slug, lag(s.slug) over (order by s.position) as previous,
               (select p.document from policies p where p.stage = s.slug order by p.version desc limit 1) as document
        from stages s`,
  );
  const limits = rows
    .map((r) => {
      const doc = (typeof r.document === "string" ? JSON.parse(r.document) : r.document) as Policy | null;
      return (doc ?? defaultPolicyFor(r.slug, r.previous)).rules.maxScannerDbAgeDays?.days;
    })
    .filter((d): d is number => d !== undefined);
  return limits.length ? Math.min(...limits) : null;
}

/** A deployment: the stage now runs it. In policy when an allow let it in; a bypass is told and checked at once. */
export async function onDeploymentRecorded(tx: ServiceContext, dep: typeof deployments.$inferSelect): Promise<void> {
  const now = tx.now();
  const [before] = await queryRows<{ status: string; since: string | Date }>(
    tx.db,
    sql`select status, since from stage_status where service_id = ${dep.serviceId} and stage = ${dep.stage} for update`,
  );
  const [decision] = dep.decisionId
    ? await queryRows<{ decision: string; policy_version: number; response: unknown }>(
        tx.db,
        sql`select decision, policy_version, response from gate_decisions where id = ${dep.decisionId}`,
      )
    : [];
  const response = decision
    ? ((typeof decision.response === "string" ? JSON.parse(decision.response) : decision.response) as GateDecision)
    : null;
  const status = response?.decision === "allow" ? "in_policy" : "unknown";
  const since = before && before.status === status ? new Date(before.since) : now;
  const checks = response ? response.checks.filter((c) => c.status === "fail") : [];
  const key = response ? outcomeKey(response.decision, Number(decision!.policy_version), response.checks) : null;
  const values = sql`${dep.serviceId}, ${dep.stage}, ${dep.id}, ${dep.commit}, ${dep.artifact}, ${dep.deployedAt.toISOString()}::timestamptz,
    ${dep.decisionId}, ${dep.bypass}, ${status}, ${since.toISOString()}::timestamptz, ${response ? now.toISOString() : null}::timestamptz,
    ${dep.decisionId}, ${response ? Number(decision!.policy_version) : null}::int, ${JSON.stringify(checks)}::jsonb, ${key},
    ${now.toISOString()}::timestamptz, array['deployment']::text[]`;
  // The first re-check, due at once, computes when time alone could next change the answer.
  await tx.db.execute(sql`
    insert into stage_status (service_id, stage, deployment_id, commit, artifact, deployed_at, deploy_decision_id, bypass,
                              status, since, checked_at, decision_id, policy_version, checks, outcome_key, due_at, reasons)
    values (${values})
    on conflict (service_id, stage) do update set
      deployment_id = excluded.deployment_id, commit = excluded.commit, artifact = excluded.artifact,
      deployed_at = excluded.deployed_at, deploy_decision_id = excluded.deploy_decision_id, bypass = excluded.bypass,
      status = excluded.status, since = excluded.since, checked_at = excluded.checked_at,
      decision_id = excluded.decision_id, policy_version = excluded.policy_version, checks = excluded.checks,
      outcome_key = excluded.outcome_key, due_at = excluded.due_at, reasons = excluded.reasons,
      next_check_at = null, failures = 0, last_error = null`);

  if (!dep.bypass && !(before?.status === "out_of_policy" && status === "in_policy")) return;
  const svc = await serviceInfo(tx, dep.serviceId);
  const deployment = {
    id: dep.id,
    commit: dep.commit,
    artifact: dep.artifact,
    deployedAt: dep.deployedAt.toISOString(),
    actor: dep.actorLabel,
  };
  if (dep.bypass)
    await emitEvent(tx, {
      type: "gate.bypass",
      teamId: svc.teamId,
      serviceId: svc.id,
      stage: dep.stage,
      data: {
        summary: `${svc.name} was deployed to ${dep.stage} without an allow decision (${dep.bypassReason ?? "bypass"})`,
        url: serviceUrl(svc.slug),
        ...refOf(svc),
        stage: dep.stage,
        deployment,
        reason: dep.bypassReason,
      },
    });
  if (before?.status === "out_of_policy" && status === "in_policy")
    await emitEvent(tx, {
      type: "stage.back_in_policy",
      teamId: svc.teamId,
      serviceId: svc.id,
      stage: dep.stage,
      data: {
        summary: `${svc.name} in ${dep.stage} is back in policy: an allowed deployment replaced what ran`,
        url: serviceUrl(svc.slug),
        ...refOf(svc),
        stage: dep.stage,
        status,
        previousStatus: before.status,
        since: since.toISOString(),
        deployment,
        decisionId: dep.decisionId,
        failingChecks: [],
      },
    });
}

/** The event a gate decision raises: a block tells the team (its subscriptions); an allow raises none. */
export function gateDecisionEvent(d: GateDecision, svc: ServiceInfo): NotificationEvent | null {
  if (d.decision !== "block") return null;
  const failing = d.checks.filter((c) => c.status === "fail");
  return {
    type: "gate.blocked",
    teamId: svc.teamId,
    serviceId: svc.id,
    stage: d.stage,
    data: {
      summary: `The gate blocked ${svc.name} from ${d.stage} at commit ${d.commit.slice(0, 12)}: ${failing.map((c) => c.title).join("; ")}`,
      url: d.url,
      ...refOf(svc),
      stage: d.stage,
      commit: d.commit,
      artifact: d.artifact,
      branch: d.branch,
      decisionId: d.decisionId,
      failingChecks: failingChecks(d.checks),
    },
  };
}

/** A stage's policy changed: everything running there is checked against it. */
export async function onPolicyChanged(tx: ServiceContext, stage: string): Promise<void> {
  await requestRechecks(tx, sql`stage = ${stage}`, "policy");
}

/** A new KEV catalog: what runs anywhere may now carry a known exploited vulnerability. */
export async function onKevChanged(tx: ServiceContext): Promise<void> {
  await requestRechecks(tx, sql`true`, "intel");
}

export type WaiverChange = "requested" | "approved" | "revoked";

/** A waiver was requested, approved (also at creation) or revoked. */
export async function onWaiverChanged(tx: ServiceContext, change: WaiverChange, w: typeof waivers.$inferSelect): Promise<void> {
  if (change !== "requested") {
    const parts: SQL[] = [sql`true`];
    if (w.serviceId) parts.push(sql`service_id = ${w.serviceId}`);
    if (w.stages) parts.push(sql`stage = any(${`{${w.stages.join(",")}}`}::text[])`);
    await requestRechecks(tx, sql.join(parts, sql` and `), "waiver");
  }
  if (change === "revoked") return;
  const svc = w.serviceId ? await serviceInfo(tx, w.serviceId) : null;
  const what = w.kind === "false_positive" ? "False-positive mark" : "Waiver";
  const scope = svc ? svc.name : "every service";
  await emitEvent(tx, {
    type: change === "requested" ? "waiver.requested" : "waiver.approved",
    teamId: w.teamId,
    serviceId: w.serviceId,
    stage: null,
    data: {
      summary:
        change === "requested"
          ? `${what} requested by ${w.createdBy} for ${scope} (${w.matchType} ${w.matchValue}): ${w.reason}`
          : `${what} for ${scope} (${w.matchType} ${w.matchValue}) approved by ${w.approvedBy ?? "?"}`,
      url: `${runtimePublicUrl()}/waivers?status=${change === "requested" ? "pending" : "active"}`,
      ...(svc ? refOf(svc) : { service: null, team: null }),
      waiver: waiverData(w),
    },
  });
}

export const waiverData = (w: typeof waivers.$inferSelect) => ({
  id: w.id,
  kind: w.kind,
  match: { type: w.matchType, value: w.matchValue },
  stages: w.stages,
  reason: w.reason,
  expiresAt: w.expiresAt?.toISOString() ?? null,
  requestedBy: w.createdBy,
  approvedBy: w.approvedBy,
});
