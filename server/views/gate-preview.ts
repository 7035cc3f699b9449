// "What would unblock production": the gate's own pure evaluation of the service's latest commit, never recorded.
import { asc, sql } from "drizzle-orm";
import { queryRows } from "@/db/client";
import { stages } from "@/db/schema";
import { withTransaction, type ServiceContext } from "../context";
import { decideGate } from "../gate/decide";
import { gatherGateInput } from "../gate/gather-input";
import { currentPolicy } from "../gate/policies";
import { stageBySlug } from "../gate/stages";
import type { GateCheck } from "../gate/types";
import { asIso } from "./visibility";

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
    // Kept as a gate keeps what it read (gate_inputs, valid until the service's next upload): the next view of this
    // page, and the pipeline's gate at this commit, read one row instead of every finding (6,239 findings at a commit:
    // the preview's p50 150 → 50 ms). An upload keeps it too, but only for its own commit, and the latest commit on the
    // default branch is often not the last one uploaded.
    const input = await gatherGateInput(tx, svc.id, stage, latest.commit, latest.artifact, policy.document, { keep: true });
    const result = decideGate(input, policy.document);
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
