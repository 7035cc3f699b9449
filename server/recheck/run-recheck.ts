// Re-checks: the stage's policy evaluated again against what runs there. stage_status is the durable queue: a
// re-check takes its row with FOR UPDATE SKIP LOCKED and does everything in that one transaction, so several
// instances never run the same one together, and one that dies rolls back and leaves it due for another.
import { and, eq, sql } from "drizzle-orm";
import { queryRows } from "@/db/client";
import { stageStatus, type StageStatus } from "@/db/schema";
import { recordAudit } from "../audit/record-audit";
import { withTransaction, type ServiceContext } from "../context";
import { DomainError } from "../errors";
import { decideGate } from "../gate/decide";
import { gatherGateInput } from "../gate/gather-input";
import { currentPolicy } from "../gate/policies";
import { stageBySlug } from "../gate/stages";
import { emitEvent } from "../notify/emit";
import { failingChecks, outcomeKey } from "./outcome";
import { nextTimeChange } from "./predict";
import { insertRecheckDecision } from "./record-recheck";
import { refOf, serviceInfo, serviceUrl } from "./triggers";

/** Every deployed stage is re-checked at least this often, whatever the prediction says. */
export const RECHECK_FLOOR_MS = 3_600_000;

type Row = typeof stageStatus.$inferSelect;

type RawRow = Record<string, unknown>;
const date = (v: unknown) => (v === null || v === undefined ? null : v instanceof Date ? v : new Date(String(v)));

function rowOf(r: RawRow): Row {
  return {
    serviceId: String(r.service_id),
    stage: String(r.stage),
    deploymentId: String(r.deployment_id),
    commit: String(r.commit),
    artifact: (r.artifact as string | null) ?? null,
    deployedAt: date(r.deployed_at)!,
    deployDecisionId: (r.deploy_decision_id as string | null) ?? null,
    bypass: Boolean(r.bypass),
    status: r.status as StageStatus,
    since: date(r.since)!,
    checkedAt: date(r.checked_at),
    decisionId: (r.decision_id as string | null) ?? null,
    policyVersion: r.policy_version === null ? null : Number(r.policy_version),
    checks: (typeof r.checks === "string" ? JSON.parse(r.checks) : r.checks) as Row["checks"],
    outcomeKey: (r.outcome_key as string | null) ?? null,
    dueAt: date(r.due_at),
    reasons: (r.reasons as string[] | null) ?? [],
    nextCheckAt: date(r.next_check_at),
    failures: Number(r.failures ?? 0),
    lastError: (r.last_error as string | null) ?? null,
  };
}

export type RecheckOutcome = {
  serviceId: string;
  stage: string;
  status: StageStatus;
  previousStatus: StageStatus;
  /** the recheck decision recorded, or null when the answer was the same as the last one */
  decisionId: string | null;
};

/** Re-evaluates one deployed stage whose row the caller holds locked, and records what changed. */
async function recheckLocked(tx: ServiceContext, row: Row): Promise<RecheckOutcome> {
  const now = tx.now();
  const stage = await stageBySlug(tx, row.stage);
  const policy = await currentPolicy(tx, row.stage);
  const input = await gatherGateInput(tx, row.serviceId, stage, row.commit, row.artifact, policy.document, { keep: true });
  const result = decideGate(input, policy.document);
  const status: StageStatus = result.decision === "allow" ? "in_policy" : "out_of_policy";
  const failing = result.checks.filter((c) => c.status === "fail");
  const key = outcomeKey(result.decision, policy.version, result.checks);
  const changed = status !== row.status;
  const svc = await serviceInfo(tx, row.serviceId);

  let decisionId = row.decisionId;
  let recorded: string | null = null;
  if (key !== row.outcomeKey || decisionId === null || changed) {
    const d = await insertRecheckDecision(tx, {
      service: { id: svc.id, slug: svc.slug },
      stage: row.stage,
      commit: row.commit,
      artifact: row.artifact,
      deploymentId: row.deploymentId,
      reasons: row.reasons.length ? row.reasons : ["time"],
      policy: { id: policy.id, version: policy.version },
      input,
      result,
    });
    decisionId = recorded = d.decisionId;
    await recordAudit(tx, {
      action: "gate.recheck",
      targetType: "gate_decision",
      targetId: d.decisionId,
      teamId: svc.teamId,
      after: {
        service: svc.slug,
        stage: row.stage,
        commit: row.commit,
        artifact: row.artifact,
        deploymentId: row.deploymentId,
        decision: result.decision,
        status,
        previousStatus: row.status,
        reasons: d.reasons,
        policyVersion: policy.version,
      },
    });
  }
  const since = changed ? now : row.since;
  const predicted = nextTimeChange(input, policy.document);
  const floor = new Date(now.getTime() + RECHECK_FLOOR_MS);
  await tx.db
    .update(stageStatus)
    .set({
      status,
      since,
      checkedAt: now,
      decisionId,
      policyVersion: policy.version,
      checks: failing,
      outcomeKey: key,
      dueAt: null,
      reasons: [],
      nextCheckAt: predicted && predicted < floor ? predicted : floor,
      failures: 0,
      lastError: null,
    })
    .where(and(eq(stageStatus.serviceId, row.serviceId), eq(stageStatus.stage, row.stage)));

  // "unknown → in policy" is the first look at a new deployment, not news.
  const news = changed && (status === "out_of_policy" || row.status === "out_of_policy");
  if (news) {
    const out = status === "out_of_policy";
    await emitEvent(tx, {
      type: out ? "stage.out_of_policy" : "stage.back_in_policy",
      teamId: svc.teamId,
      serviceId: svc.id,
      stage: row.stage,
      data: {
        summary: out
          ? `${svc.name} in ${row.stage} is out of policy: ${failing.map((c) => c.title).join("; ")}`
          : `${svc.name} in ${row.stage} is back in policy`,
        url: serviceUrl(svc.slug),
        ...refOf(svc),
        stage: row.stage,
        status,
        previousStatus: row.status,
        since: since.toISOString(),
        deployment: {
          id: row.deploymentId,
          commit: row.commit,
          artifact: row.artifact,
          deployedAt: row.deployedAt.toISOString(),
        },
        decisionId,
        reasons: row.reasons,
        failingChecks: failingChecks(result.checks),
      },
    });
  }
  return { serviceId: row.serviceId, stage: row.stage, status, previousStatus: row.status, decisionId: recorded };
}

export type RecheckRun = {
  checked: RecheckOutcome[];
  /** `cause`: an unexpected error, for the server log */
  failed: { serviceId: string; stage: string; error: string; cause?: unknown }[];
};

/** Runs the re-checks that are due, one transaction each, until none is left or `limit` ran. */
export async function runDueRechecks(ctx: ServiceContext, opts: { limit?: number } = {}): Promise<RecheckRun> {
  const out: RecheckRun = { checked: [], failed: [] };
  const limit = opts.limit ?? 100;
  while (out.checked.length + out.failed.length < limit) {
    let taken: Row | undefined;
    try {
      const r = await withTransaction(ctx, async (tx) => {
        const now = tx.now().toISOString();
        const [raw] = await queryRows<RawRow>(
          tx.db,
          sql`select * from stage_status where due_at <= ${now}::timestamptz
              order by due_at, service_id, stage limit 1 for update skip locked`,
        );
        if (!raw) return null;
        taken = rowOf(raw);
        return recheckLocked(tx, taken);
      });
      if (!r) break;
      out.checked.push(r);
    } catch (e) {
      if (!taken) throw e;
      const known = e instanceof DomainError;
      const error = known ? e.message : "the re-check failed (see the server log)";
      out.failed.push({ serviceId: taken.serviceId, stage: taken.stage, error, cause: known ? undefined : e });
      // Due again only after a back-off, so this loop moves on to the next one.
      await markFailed(ctx, taken, error);
    }
  }
  return out;
}

/** A re-check that fails is tried again later, with back-off; meanwhile nobody can say the stage is in policy. */
async function markFailed(ctx: ServiceContext, row: Row, error: string): Promise<void> {
  await withTransaction(ctx, async (tx) => {
    const now = tx.now();
    const delay = Math.min(10_000 * 2 ** Math.min(row.failures, 12), RECHECK_FLOOR_MS);
    await tx.db
      .update(stageStatus)
      .set({
        failures: sql`${stageStatus.failures} + 1`,
        lastError: error.slice(0, 500),
        dueAt: new Date(now.getTime() + delay),
        status: "unknown",
        since: row.status === "unknown" ? row.since : now,
      })
      .where(and(eq(stageStatus.serviceId, row.serviceId), eq(stageStatus.stage, row.stage)));
  });
}

/** The periodic part: stages whose answer time alone may have changed become due. Returns how many. */
export async function sweepTimeRechecks(ctx: ServiceContext): Promise<number> {
  const now = ctx.now().toISOString();
  const rows = await queryRows<{ stage: string }>(
    ctx.db,
    sql`update stage_status set due_at = ${now}::timestamptz, reasons = array['time']
        where next_check_at <= ${now}::timestamptz and due_at is null
        returning stage`,
  );
  return rows.length;
}
