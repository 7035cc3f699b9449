// Reading what runs where and whether it is in policy: one small row per deployed stage, never the findings,
// so the service page and the posture stay fast at any number of findings.
import { sql } from "drizzle-orm";
import { z } from "zod";
import { queryRows } from "@/db/client";
import type { StageStatus, StoredCheck } from "@/db/schema";
import type { ServiceContext } from "../context";
import { serviceForActor } from "../services/access";
import { requireScope } from "../tokens/tokens";
import { failingChecks, type CheckSummary } from "./outcome";
import { asIso, resolveVisibility, visibleServicesWhere, type ViewFilter } from "../views/visibility";

export type StageRuntime = {
  stage: string;
  name: string;
  deployment: {
    id: string;
    commit: string;
    artifact: string | null;
    deployedAt: string;
    /** the gate decision that let it in; null for a bypass */
    decisionId: string | null;
    bypass: boolean;
  } | null;
  status: StageStatus;
  /** since when the status holds */
  since: string | null;
  /** when the policy was last evaluated against it */
  checkedAt: string | null;
  /** the newest decision (gate or recheck) behind the status */
  decisionId: string | null;
  policyVersion: number | null;
  failingChecks: CheckSummary[];
  /** why the last re-check could not run, if it failed */
  error: string | null;
};

type Raw = Record<string, unknown>;

const checksOf = (v: unknown): StageRuntime["failingChecks"] =>
  failingChecks((typeof v === "string" ? JSON.parse(v) : (v ?? [])) as StoredCheck[]);

function runtimeOf(r: Raw): StageRuntime {
  const deployed = r.deployment_id !== null && r.deployment_id !== undefined;
  return {
    stage: String(r.slug),
    name: String(r.name),
    deployment: deployed
      ? {
          id: String(r.deployment_id),
          commit: String(r.commit),
          artifact: (r.artifact as string | null) ?? null,
          deployedAt: asIso(r.deployed_at as string)!,
          decisionId: (r.deploy_decision_id as string | null) ?? null,
          bypass: Boolean(r.bypass),
        }
      : null,
    status: deployed ? (r.status as StageStatus) : "unknown",
    since: deployed ? asIso(r.since as string) : null,
    checkedAt: asIso((r.checked_at as string | null) ?? null),
    decisionId: (r.decision_id as string | null) ?? null,
    policyVersion: r.policy_version === null || r.policy_version === undefined ? null : Number(r.policy_version),
    failingChecks: deployed ? checksOf(r.checks) : [],
    error: (r.last_error as string | null) ?? null,
  };
}

/** Every stage in promotion order with what runs there and its status (unknown where nothing is deployed). */
export async function stageRuntimes(ctx: ServiceContext, serviceId: string): Promise<StageRuntime[]> {
  const rows = await queryRows<Raw>(
    ctx.db,
    sql`select s.slug, s.name, st.deployment_id, st.commit, st.artifact, st.deployed_at, st.deploy_decision_id, st.bypass,
               st.status, st.since, st.checked_at, st.decision_id, st.policy_version, st.checks, st.last_error
        from stages s left join stage_status st on st.stage = s.slug and st.service_id = ${serviceId}
        order by s.position`,
  );
  return rows.map(runtimeOf);
}

/** GET /api/v1/services/{slug}/stages: `read` scope for tokens; another team's service does not exist. */
export async function serviceStages(ctx: ServiceContext, slug: string): Promise<{ service: string; stages: StageRuntime[] }> {
  if (ctx.actor.type === "token") requireScope(ctx.actor, "read");
  const svc = await serviceForActor(ctx, slug, "read");
  return { service: svc.slug, stages: await stageRuntimes(ctx, svc.id) };
}

export const outOfPolicyFilter = z.object({
  team: z.string().optional(),
  tier: z.enum(["critical", "high", "medium", "low"]).optional(),
  limit: z.number().int().min(1).max(500).default(50),
});

export type OutOfPolicy = {
  /** per stage in promotion order: how many deployed services are in each status */
  stages: { stage: string; name: string; deployed: number; outOfPolicy: number; unknown: number }[];
  /** what runs out of policy, longest first */
  items: {
    service: { slug: string; name: string };
    stage: string;
    since: string;
    commit: string;
    artifact: string | null;
    checks: string[];
  }[];
  total: number;
};

/** The posture's "running out of policy": counts per stage and the list, from the status table alone. */
export async function outOfPolicy(ctx: ServiceContext, raw: z.input<typeof outOfPolicyFilter> = {}): Promise<OutOfPolicy> {
  const f = outOfPolicyFilter.parse(raw);
  const seen = await resolveVisibility(ctx, { team: f.team, tier: f.tier } satisfies ViewFilter);
  const where = visibleServicesWhere(seen);
  const [counts, items] = await Promise.all([
    queryRows<{ slug: string; name: string; deployed: number; out: number; unknown: number }>(
      ctx.db,
      sql`select g.slug, g.name,
                 count(st.service_id)::int as deployed,
                 count(*) filter (where st.status = 'out_of_policy')::int as out,
                 count(*) filter (where st.status = 'unknown')::int as unknown
          from stages g
          left join (stage_status st join services s on s.id = st.service_id and ${where}) on st.stage = g.slug
          group by g.slug, g.name, g.position order by g.position`,
    ),
    queryRows<Raw>(
      ctx.db,
      sql`select s.slug, s.name, st.stage, st.since, st.commit, st.artifact, st.checks
          from stage_status st join services s on s.id = st.service_id
          where st.status = 'out_of_policy' and ${where}
          order by st.since, s.slug, st.stage limit ${f.limit}`,
    ),
  ]);
  return {
    stages: counts.map((c) => ({
      stage: c.slug,
      name: c.name,
      deployed: Number(c.deployed),
      outOfPolicy: Number(c.out),
      unknown: Number(c.unknown),
    })),
    items: items.map((r) => ({
      service: { slug: String(r.slug), name: String(r.name) },
      stage: String(r.stage),
      since: asIso(r.since as string)!,
      commit: String(r.commit),
      artifact: (r.artifact as string | null) ?? null,
      checks: checksOf(r.checks).map((c) => c.title),
    })),
    total: counts.reduce((n, c) => n + Number(c.out), 0),
  };
}
