// The gate decisions log: every answer the caller can see, and one decision exactly as it was recorded.
import { sql, type SQL } from "drizzle-orm";
import type { z } from "zod";
import { queryRows } from "@/db/client";
import { canUseService } from "../auth/permissions";
import type { ServiceContext } from "../context";
import { notFound } from "../errors";
import type { GateDecision } from "../gate/evaluate-gate";
import type { GateCheck } from "../gate/types";
import { decisionsFilter, type DecisionsFilter } from "./filters";
import type { CursorPage } from "./cursor";
import {
  asIso,
  countUpTo,
  keysetOrder,
  keysetPage,
  pageOf,
  requireReader,
  resolveVisibility,
  visibleServicesWhere,
  type KeysetColumn,
  type Page,
} from "./visibility";

export { decisionsFilter, type DecisionsFilter } from "./filters";

export type DecisionListItem = {
  id: string;
  service: { slug: string; name: string };
  stage: string;
  commit: string;
  artifact: string | null;
  branch: string | null;
  decision: "allow" | "block";
  policyVersion: number;
  actor: string;
  evaluatedAt: string;
  failed: string[];
  warned: string[];
};

type Row = {
  id: string;
  service_id: string;
  service_slug: string;
  service_name: string;
  team_id: string;
  stage: string;
  commit: string;
  artifact: string | null;
  branch: string | null;
  decision: "allow" | "block";
  policy_version: number;
  policy_id: string;
  actor_label: string;
  evaluated_at: string | Date;
  response: unknown;
};

const parse = (v: unknown): GateDecision => (typeof v === "string" ? JSON.parse(v) : v) as GateDecision;
const titles = (checks: GateCheck[] | undefined, status: "fail" | "warn") =>
  (checks ?? []).filter((c) => c.status === status).map((c) => c.title);

/** The decisions a filter selects, among what the caller can see. */
async function decisionsWhere(ctx: ServiceContext, f: z.output<typeof decisionsFilter>): Promise<SQL> {
  const seen = await resolveVisibility(ctx, f);
  const parts: SQL[] = [visibleServicesWhere(seen)];
  if (f.stage) parts.push(sql`d.stage = ${f.stage}`);
  if (f.decision) parts.push(sql`d.decision = ${f.decision}`);
  if (f.days)
    parts.push(sql`d.evaluated_at >= ${new Date(ctx.now().getTime() - f.days * 86_400_000).toISOString()}::timestamptz`);
  return sql.join(parts, sql` and `);
}

const decisionsOrder = (dir: "asc" | "desc"): KeysetColumn[] => [
  { expr: sql`d.evaluated_at`, dir, cast: "timestamptz" },
  { expr: sql`d.id`, dir },
];

const LIST_COLUMNS = sql`d.id, s.slug as service_slug, s.name as service_name, d.stage, d.commit, d.artifact, d.branch, d.decision,
  d.policy_version, d.actor_label, d.evaluated_at, d.response`;

type ListRow = Omit<Row, "service_id" | "team_id" | "policy_id">;

function listItem(r: ListRow): DecisionListItem {
  const response = parse(r.response);
  return {
    id: r.id,
    service: { slug: r.service_slug, name: r.service_name },
    stage: r.stage,
    commit: r.commit,
    artifact: r.artifact,
    branch: r.branch,
    decision: r.decision,
    policyVersion: Number(r.policy_version),
    actor: r.actor_label,
    evaluatedAt: asIso(r.evaluated_at)!,
    failed: titles(response.checks, "fail"),
    warned: titles(response.checks, "warn"),
  };
}

/** The dashboard's log: numbered pages, with a (capped) total. */
export async function listDecisions(ctx: ServiceContext, raw: DecisionsFilter = {}): Promise<Page<DecisionListItem>> {
  const f = decisionsFilter.parse(raw);
  const where = await decisionsWhere(ctx, f);
  const [rows, count] = await Promise.all([
    queryRows<ListRow>(
      ctx.db,
      sql`select ${LIST_COLUMNS}
          from gate_decisions d join services s on s.id = d.service_id
          where ${where}
          order by ${keysetOrder(decisionsOrder(f.dir))}
          limit ${f.pageSize} offset ${(f.page - 1) * f.pageSize}`,
    ),
    countUpTo(ctx.db, sql`from gate_decisions d join services s on s.id = d.service_id where ${where}`),
  ]);
  return pageOf(rows.map(listItem), count.total, f.page, f.pageSize, count.capped);
}

/** The read API's log: the same filters and order, paged with a cursor. */
export async function listDecisionsAfter(
  ctx: ServiceContext,
  raw: Omit<DecisionsFilter, "page" | "pageSize">,
  page: { cursor?: string; limit: number },
): Promise<CursorPage<DecisionListItem>> {
  const f = decisionsFilter.parse(raw);
  const from = sql`gate_decisions d join services s on s.id = d.service_id`;
  const where = await decisionsWhere(ctx, f);
  return keysetPage(
    ctx.db,
    { columns: LIST_COLUMNS, from, where, order: decisionsOrder(f.dir), sort: `evaluatedAt:${f.dir}` },
    page,
    listItem,
  );
}

export type DecisionDetail = {
  id: string;
  service: { slug: string; name: string };
  actor: string;
  /** the response body exactly as the pipeline received it */
  response: GateDecision;
  deployments: { id: string; stage: string; deployedAt: string; bypass: boolean; actor: string }[];
};

export async function getDecisionView(ctx: ServiceContext, id: string): Promise<DecisionDetail> {
  requireReader(ctx.actor);
  const [r] = await queryRows<Row>(
    ctx.db,
    sql`select d.id, d.service_id, s.slug as service_slug, s.name as service_name, s.team_id, d.actor_label, d.response
        from gate_decisions d join services s on s.id = d.service_id where d.id = ${id}`,
  );
  if (!r || !canUseService(ctx.actor, { id: r.service_id, teamId: r.team_id })) throw notFound(`Decision "${id}"`);
  const deployments = await queryRows<{
    id: string;
    stage: string;
    deployed_at: string | Date;
    bypass: boolean;
    actor_label: string;
  }>(
    ctx.db,
    sql`select id, stage, deployed_at, bypass, actor_label from deployments where decision_id = ${id} order by deployed_at desc limit 20`,
  );
  return {
    id: r.id,
    service: { slug: r.service_slug, name: r.service_name },
    actor: r.actor_label,
    response: parse(r.response),
    deployments: deployments.map((d) => ({
      id: d.id,
      stage: d.stage,
      deployedAt: asIso(d.deployed_at)!,
      bypass: Boolean(d.bypass),
      actor: d.actor_label,
    })),
  };
}
