// The posture trend's per-day sums (posture_trend), kept by triggers on score_snapshots and services: the open-findings
// trend reads a few rows per day instead of every service's snapshot. Whatever writes the snapshots (the daily job, its
// re-runs, a bulk insert, a delete) or moves a service to another team or tier, the trend says what the snapshots say;
// a migrated installation gets its earlier snapshots summed (migration 0021's backfill).
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { queryRows, type Database, type DbHandle } from "@/db/client";
import type { TrpcContext, UserActor } from "@/server/api/trpc/init";
import { createCaller } from "@/server/api/trpc/root";
import type { ServiceContext } from "@/server/context";
import { snapshotScorecards } from "@/server/scoring/snapshot";
import { createService } from "@/server/services/services";
import { createTeam } from "@/server/teams/teams";
import { openTrendFromSnapshots, type TrendPoint } from "@/server/views/posture";
import type { PostureFilter } from "@/server/views/filters";
import { resolveVisibility } from "@/server/views/visibility";
import { backends, describeEachDatabase } from "@/tests/helpers/db";
import { upgradedDatabase } from "@/tests/helpers/migrations";
import { generic, sha, tokenContext, uniqueSlug, upload } from "@/tests/helpers/fixtures";

const DAY = 86_400_000;
const BEFORE = "0020_scan_findings_finding_idx";

type Group = { day: string; team_id: string; tier: string; services: number } & Record<
  "critical" | "high" | "medium" | "low" | "info",
  number
>;

const day = (v: string | Date) => (typeof v === "string" ? v.slice(0, 10) : v.toISOString().slice(0, 10));
const byKey = (rows: Group[]) =>
  rows
    .map((r) => ({ ...r, day: day(r.day) }))
    .map((r) => ({ ...r, services: Number(r.services), critical: Number(r.critical), high: Number(r.high) }))
    .map((r) => ({ ...r, medium: Number(r.medium), low: Number(r.low), info: Number(r.info) }))
    .sort((a, b) => (`${a.day} ${a.team_id} ${a.tier}` < `${b.day} ${b.team_id} ${b.tier}` ? -1 : 1));

async function table(db: Database): Promise<Group[]> {
  return byKey(
    await queryRows<Group>(
      db,
      sql`select day, team_id, tier::text as tier, services, critical, high, medium, low, info from posture_trend`,
    ),
  );
}

/** The same, summed from every snapshot with each service's team and tier now. */
async function counted(db: Database): Promise<Group[]> {
  const n = (s: string) => sql.raw(`sum(coalesce((ss.open_by_severity ->> '${s}')::int, 0))::int as ${s}`);
  return byKey(
    await queryRows<Group>(
      db,
      sql`select ss.day, s.team_id, s.criticality::text as tier, count(*)::int as services,
                 ${n("critical")}, ${n("high")}, ${n("medium")}, ${n("low")}, ${n("info")}
          from score_snapshots ss join services s on s.id = ss.service_id group by ss.day, s.team_id, s.criticality`,
    ),
  );
}

const vuln = (id: string, severity: string) => ({
  kind: "dependency",
  ruleId: id,
  title: `${id} in lodash`,
  severity,
  vulnerabilityId: id,
  package: { ecosystem: "npm", name: "lodash", version: "1.0.0", fixedVersions: ["1.0.1"] },
});

describeEachDatabase("the open-findings trend", (t) => {
  const start = new Date("2026-05-01T09:00:00Z");
  let clock = start;
  const now = () => clock;
  let ops: ServiceContext;
  const sec: UserActor = { type: "user", id: "usr_sec_trend", label: "sec@example.com", role: "security", teamIds: [] };
  const w = { a: "", b: "", aId: "", bId: "", a1: "", a1Id: "", a2: "", a2Id: "", b1: "", b1Id: "" };
  const dev = (): UserActor => ({
    type: "user",
    id: "usr_dev_trend",
    label: "dev@example.com",
    role: "developer",
    teamIds: [w.aId],
  });
  const caller = (actor: TrpcContext["actor"]) => createCaller({ db: t.db(), now, actor } satisfies TrpcContext);

  /** The trend as the view gives it and as the snapshots add up, for the same caller and filter. */
  async function both(ctx: ServiceContext, filter: PostureFilter): Promise<[TrendPoint[], TrendPoint[]]> {
    const since = new Date(clock.getTime() - 90 * DAY).toISOString().slice(0, 10);
    const viewed = await createCaller({ db: t.db(), now, actor: ctx.actor } as TrpcContext).posture.openTrend(filter);
    return [viewed, await openTrendFromSnapshots(ctx, await resolveVisibility(ctx, filter), since)];
  }

  async function expectSame() {
    expect(await table(t.db())).toEqual(await counted(t.db()));
    for (const actor of [sec, dev()])
      for (const filter of [{}, { team: w.a }, { team: w.b }, { tier: "high" as const }, { tier: "low" as const }]) {
        if (actor.role === "developer" && filter.team === w.b) continue;
        const [viewed, summed] = await both(t.ctx({ now, actor }), filter);
        expect(viewed).toEqual(summed);
      }
  }

  beforeAll(async () => {
    ops = t.ctx({ now, actor: { type: "cli", label: "cli:test" } });
    const a = await createTeam(ops, { slug: uniqueSlug("trend-a") });
    const b = await createTeam(ops, { slug: uniqueSlug("trend-b") });
    const a1 = await createService(ops, { team: a.slug, slug: uniqueSlug("a1"), criticality: "high" });
    const a2 = await createService(ops, { team: a.slug, slug: uniqueSlug("a2"), criticality: "low" });
    const b1 = await createService(ops, { team: b.slug, slug: uniqueSlug("b1"), criticality: "high" });
    Object.assign(w, { a: a.slug, b: b.slug, aId: a.id, bId: b.id, a1: a1.slug, a1Id: a1.id, a2: a2.slug, a2Id: a2.id });
    Object.assign(w, { b1: b1.slug, b1Id: b1.id });
  });

  it("sums each day's snapshots per team and tier as the daily job writes and rewrites them", async () => {
    const snap = () => snapshotScorecards(t.ctx({ now, actor: sec }));
    await upload(
      ops,
      { service: w.a1, commit: sha("t1") },
      generic("trivy", [vuln("CVE-2026-7001", "critical"), vuln("CVE-2026-7002", "high")]),
    );
    await upload(ops, { service: w.b1, commit: sha("t1") }, generic("trivy", [vuln("CVE-2026-7003", "medium")]));
    await snap();
    await expectSame();
    const [first] = await caller(sec).posture.openTrend({ team: w.a });
    expect(first).toEqual({ day: day(start), critical: 1, high: 1, medium: 0, low: 0, info: 0 });

    // Later the same day: one finding fixed, one added; the job's re-run overwrites the day (an upsert).
    clock = new Date(start.getTime() + 3_600_000);
    await upload(ops, { service: w.a1, commit: sha("t2") }, generic("trivy", [vuln("CVE-2026-7002", "high")]));
    await upload(ops, { service: w.a2, commit: sha("t2") }, generic("trivy", [vuln("CVE-2026-7004", "low")]));
    await snap();
    await expectSame();
    expect(await caller(sec).posture.openTrend({ team: w.a })).toEqual([
      { day: day(start), critical: 0, high: 1, medium: 0, low: 1, info: 0 },
    ]);

    clock = new Date(start.getTime() + 2 * DAY);
    await snap();
    await expectSame();
    expect((await caller(sec).posture.openTrend({})).map((p) => p.day)).toEqual([day(start), day(clock)]);
  });

  it("follows a service moved to another team or tier, snapshots inserted in bulk or deleted, and a token's services", async () => {
    // Earlier days as a bulk insert (as an import or the benchmark's backfill would write them).
    await t.db().execute(
      sql`insert into score_snapshots (service_id, day, formula_version, grade, score, areas, open_by_severity, computed_at)
          select s.service_id, s.day - k, s.formula_version, s.grade, s.score, s.areas,
                 jsonb_build_object('critical', k, 'high', 2 * k, 'medium', 0, 'low', 1, 'info', 3), s.computed_at
          from score_snapshots s cross join generate_series(1, 5) k where s.day = ${day(start)}::date`,
    );
    await expectSame();

    await t.db().execute(sql`update services set team_id = ${w.bId} where id = ${w.a2Id}`);
    await expectSame();
    await t.db().execute(sql`update services set criticality = 'low', name = 'renamed' where id = ${w.a1Id}`);
    await expectSame();
    await t.db().execute(sql`update services set team_id = ${w.aId}, criticality = 'high' where id in (${w.a1Id}, ${w.a2Id})`);
    await expectSame();

    await t.db().execute(sql`delete from score_snapshots where service_id = ${w.b1Id} and day < ${day(start)}::date`);
    await expectSame();
    // A day whose only snapshot goes is no longer in the trend.
    await t.db().execute(sql`delete from score_snapshots where day = ${day(new Date(start.getTime() - 5 * DAY))}::date`);
    await expectSame();
    expect((await caller(sec).posture.openTrend({})).map((p) => p.day)).not.toContain(day(new Date(start.getTime() - 5 * DAY)));

    // A token bound to one service sees that service's snapshots only.
    const tok = await tokenContext(ops, { team: w.a, services: [w.a2], scopes: ["read"] });
    const [viewed, summed] = await both(tok, {});
    expect(viewed).toEqual(summed);
    expect(viewed.length).toBeGreaterThan(0);
  });
});

for (const kind of backends()) {
  describe(`upgrading an installation with snapshots to the trend table [${kind}]`, () => {
    let h: DbHandle;

    beforeAll(async () => {
      h = await upgradedDatabase(kind, BEFORE, async (run) => {
        await run(
          `insert into teams (id, slug, name, created_at) values ('team_a', 'alpha', 'Alpha', now()), ('team_b', 'beta', 'Beta', now())`,
        );
        await run(`insert into services (id, team_id, slug, name, criticality, created_at, updated_at)
                   values ('svc_a', 'team_a', 'a', 'A', 'high', now(), now()), ('svc_b', 'team_a', 'b', 'B', 'high', now(), now()),
                          ('svc_c', 'team_b', 'c', 'C', 'low', now(), now())`);
        const snap = (svc: string, d: string, open: string) => `('${svc}', '${d}', 1, 'B', 80, '{}', '${open}', now())`;
        await run(`insert into score_snapshots (service_id, day, formula_version, grade, score, areas, open_by_severity, computed_at) values
          ${snap("svc_a", "2026-01-01", '{"critical": 1, "high": 2, "medium": 3, "low": 4, "info": 5}')},
          ${snap("svc_b", "2026-01-01", '{"critical": 10, "high": 0, "medium": 0, "low": 0, "info": 1}')},
          ${snap("svc_c", "2026-01-01", '{"critical": 0, "high": 7, "medium": 0, "low": 0, "info": 0}')},
          ${snap("svc_a", "2026-01-02", '{"critical": 2, "high": 2}')}`);
      });
    }, 120_000);
    afterAll(async () => {
      await h?.close();
    });

    it("sums every earlier snapshot", async () => {
      expect(await table(h.db)).toEqual([
        { day: "2026-01-01", team_id: "team_a", tier: "high", services: 2, critical: 11, high: 2, medium: 3, low: 4, info: 6 },
        { day: "2026-01-01", team_id: "team_b", tier: "low", services: 1, critical: 0, high: 7, medium: 0, low: 0, info: 0 },
        { day: "2026-01-02", team_id: "team_a", tier: "high", services: 1, critical: 2, high: 2, medium: 0, low: 0, info: 0 },
      ]);
      expect(await table(h.db)).toEqual(await counted(h.db));
    });
  });
}
