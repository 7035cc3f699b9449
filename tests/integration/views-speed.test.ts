// The query paths that keep the views fast on large installations: posture facts kept with the daily snapshot
// (and read from it for many services), capped list counts, and the remediation filters' scope keys.
import { eq, sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { scoreSnapshots } from "@/db/schema";
import type { TrpcContext, UserActor } from "@/server/api/trpc/init";
import { createCaller } from "@/server/api/trpc/root";
import type { ServiceContext } from "@/server/context";
import { SEVERITIES } from "@/server/ingest/types";
import { snapshotScorecards } from "@/server/scoring/snapshot";
import { createService } from "@/server/services/services";
import { countPostureFacts, postureFactsOf } from "@/server/views/posture-facts";
import { countUpTo } from "@/server/views/visibility";
import { snapshotScores } from "@/server/views/scores";
import { slaDays } from "@/server/views/sla";
import { describeEachDatabase } from "@/tests/helpers/db";
import { generic, sha, teamWithService, uniqueSlug, upload } from "@/tests/helpers/fixtures";

const DAY = 86_400_000;
const vuln = (id: string, severity: string, pkg = "lodash") => ({
  kind: "dependency",
  ruleId: id,
  title: `${id} in ${pkg}`,
  severity,
  vulnerabilityId: id,
  package: { ecosystem: "npm", name: pkg, version: "1.0.0", fixedVersions: ["1.0.1"] },
});
const code = (rule: string, severity: string, file: string) => ({
  kind: "code",
  ruleId: rule,
  title: `${rule} in ${file}`,
  severity,
  location: { file, startLine: 3, snippet: `${rule}:${file}` },
});

describeEachDatabase("views on large installations", (t) => {
  const start = new Date("2026-06-01T08:00:00Z");
  let clock = start;
  const now = () => clock;
  let ops: ServiceContext;
  const w = { team: "", svc: "", svcId: "", quiet: "", quietId: "" };

  beforeAll(async () => {
    ops = t.ctx({ now, actor: { type: "cli", label: "cli:test" } });
    const { team, service } = await teamWithService(ops);
    const quiet = await createService(ops, { team: team.slug, slug: uniqueSlug("quiet") });
    Object.assign(w, { team: team.slug, svc: service.slug, svcId: service.id, quiet: quiet.slug, quietId: quiet.id });
    const at = (commit: string, branch = "main") => ({ service: service.slug, commit: sha(commit), branch });
    // Day 0: five findings (one suppressed by the tool); day 40: one of them is gone, the rest are past the high SLA.
    await upload(
      ops,
      at("f1"),
      generic("trivy", [vuln("CVE-2026-0001", "critical"), vuln("CVE-2026-0002", "high"), vuln("CVE-2026-0003", "low", "qs")], {
        evidence: ["sca"],
      }),
    );
    await upload(
      ops,
      at("f1"),
      generic("semgrep", [code("js/xss", "high", "src/a.ts"), { ...code("js/eval", "medium", "src/b.ts"), suppressed: true }], {
        evidence: ["sast"],
      }),
    );
    clock = new Date(start.getTime() + 40 * DAY);
    await upload(
      ops,
      at("f2"),
      generic("trivy", [vuln("CVE-2026-0001", "critical"), vuln("CVE-2026-0002", "high")], { evidence: ["sca"] }),
    );
  });

  it("the daily snapshot keeps the posture facts a live count gives, and views over many services read those", async () => {
    const sla = await slaDays(ops);
    const live = await countPostureFacts(ops, [w.svcId, w.quietId], clock, sla);
    expect(live.get(w.svcId)).toEqual({
      // The suppressed finding counts nowhere; the closed one counts as closed, after 40 days open.
      open: {
        1: { critical: 0, high: 1, medium: 0, low: 0, info: 0 },
        3: { critical: 1, high: 1, medium: 0, low: 0, info: 0 },
      },
      // 40 days old: past the critical (7) and high (30) SLAs, not past medium (90) or low (120).
      slaBreached: { critical: 1, high: 2, medium: 0, low: 0, info: 0 },
      closed: {
        critical: { n: 0, seconds: 0 },
        high: { n: 0, seconds: 0 },
        medium: { n: 0, seconds: 0 },
        low: { n: 1, seconds: 40 * 86_400 },
        info: { n: 0, seconds: 0 },
      },
    });
    expect(live.get(w.quietId)!.open).toEqual({});

    await snapshotScorecards(ops);
    const [row] = await t.db().select().from(scoreSnapshots).where(eq(scoreSnapshots.serviceId, w.svcId));
    expect(row!.posture).toEqual(JSON.parse(JSON.stringify(live.get(w.svcId))));

    // Past the live limit, the numbers are the snapshot's, as of when it was taken, even after a new upload.
    const takenAt = clock.toISOString();
    clock = new Date(clock.getTime() + 3_600_000);
    await upload(
      ops,
      { service: w.svc, commit: sha("f4") },
      generic("semgrep", [code("js/xss", "high", "src/a.ts"), code("js/sqli", "critical", "src/c.ts")], { evidence: ["sast"] }),
    );
    const read = await postureFactsOf(ops, [w.svcId, w.quietId], { liveLimit: 0 });
    expect(read.asOf).toBe(takenAt);
    expect(read.facts.get(w.svcId)).toEqual(JSON.parse(JSON.stringify(live.get(w.svcId))));
    // Within the limit they are counted now.
    const now1 = await postureFactsOf(ops, [w.svcId, w.quietId]);
    expect(now1.asOf).toBeNull();
    expect(now1.facts.get(w.svcId)!.open[1]).toMatchObject({ critical: 1, high: 1 });

    // A service without a snapshot that keeps the facts is counted live among the others.
    await t.db().execute(sql`update score_snapshots set posture = null where service_id = ${w.quietId}`);
    const mixed = await postureFactsOf(ops, [w.svcId, w.quietId], { liveLimit: 0 });
    expect(mixed.facts.get(w.quietId)!.open).toEqual({});
    expect(mixed.facts.get(w.svcId)!.open[1]).toMatchObject({ critical: 0, high: 1 });
  });

  it("the posture and services list give the same numbers whichever way they were counted", async () => {
    const sec: UserActor = { type: "user", id: "usr_sec_speed", label: "sec@example.com", role: "security", teamIds: [] };
    const api = createCaller({ db: t.db(), now, actor: sec } satisfies TrpcContext);
    await snapshotScorecards(ops);
    const overview = await api.posture.overview({ team: w.team });
    expect(overview.asOf).toBeNull();
    const facts = await postureFactsOf(ops, [w.svcId, w.quietId], { liveLimit: 0 });
    expect(facts.asOf).toBe(clock.toISOString());
    const row = overview.services.find((s) => s.id === w.svcId)!;
    expect(row.open).toEqual(JSON.parse(JSON.stringify(facts.facts.get(w.svcId)!.open)));
    expect(overview.openBySeverity).toEqual({ critical: 2, high: 2, medium: 0, low: 0, info: 0 });
    expect(overview.slaBreaches).toEqual(facts.facts.get(w.svcId)!.slaBreached);
    expect(overview.mttr.find((m) => m.severity === "low")).toEqual({ severity: "low", closed: 1, meanDays: 40 });
    const list = await api.services.list({ team: w.team, sort: "critical", dir: "desc" });
    expect(list.items.map((s) => [s.slug, s.open.critical])).toEqual([
      [w.svc, 2],
      [w.quiet, 0],
    ]);
  });

  it("counts list matches up to a cap, and says when there are more", async () => {
    const from = sql`from findings f where f.service_id = ${w.svcId} and f.status = 'open' and f.suppressed = 0`;
    expect(await countUpTo(t.db(), from)).toEqual({ total: 4, capped: false });
    expect(await countUpTo(t.db(), from, 4)).toEqual({ total: 4, capped: false });
    expect(await countUpTo(t.db(), from, 3)).toEqual({ total: 3, capped: true });
    const sec: UserActor = { type: "user", id: "usr_sec_speed", label: "sec@example.com", role: "security", teamIds: [] };
    const page = await createCaller({ db: t.db(), now, actor: sec } satisfies TrpcContext).findings.list({ service: w.svc });
    expect(page).toMatchObject({ total: 4, pages: 1, totalCapped: false });
  });

  it("lists of many services read each area's grade from the snapshot's small column, or from the detail in older rows", async () => {
    await snapshotScorecards(ops);
    const [row] = await t.db().select().from(scoreSnapshots).where(eq(scoreSnapshots.serviceId, w.svcId));
    const detail = (row!.areas as { areas: { area: number; score: number | null; grade: string }[] }).areas;
    expect(detail).toHaveLength(7);
    expect(row!.areaGrades).toEqual(detail.map((a) => ({ area: a.area, score: a.score, grade: a.grade })));
    const fromColumn = await snapshotScores(ops, [w.svcId, w.quietId]);
    expect(fromColumn.get(w.svcId)).toEqual({ grade: row!.grade, score: row!.score, areas: row!.areaGrades });
    expect(fromColumn.has(w.quietId)).toBe(true);
    // A row written before the column existed has none: the same grades come from the detail.
    await t.db().execute(sql`update score_snapshots set area_grades = null where service_id = ${w.svcId}`);
    expect((await snapshotScores(ops, [w.svcId])).get(w.svcId)).toEqual(fromColumn.get(w.svcId));
  });

  it("an action lists its 25 most severe findings, most severe and oldest first, whatever the filter", async () => {
    const big = await createService(ops, { team: w.team, slug: uniqueSlug("big") });
    const sevs = ["low", "critical", "medium", "high", "info"];
    // 30 findings of one rule, severities mixed; the first upload's 10 are older than the second's 20.
    const findings = Array.from({ length: 30 }, (_, i) =>
      code("js/injection", sevs[i % 5]!, `src/f${String(i).padStart(2, "0")}.ts`),
    );
    await upload(
      ops,
      { service: big.slug, commit: sha("b1") },
      generic("semgrep", findings.slice(0, 10), { evidence: ["sast"] }),
    );
    clock = new Date(clock.getTime() + 60_000);
    await upload(ops, { service: big.slug, commit: sha("b2") }, generic("semgrep", findings, { evidence: ["sast"] }));
    const sec: UserActor = { type: "user", id: "usr_sec_speed", label: "sec@example.com", role: "security", teamIds: [] };
    const api = createCaller({ db: t.db(), now, actor: sec } satisfies TrpcContext);
    const rank = { critical: 5, high: 4, medium: 3, low: 2, info: 1 } as const;
    for (const filter of [{}, { tool: "semgrep", status: "all" as const }, { severity: [...SEVERITIES] }]) {
      const [action] = (await api.remediation.actions({ service: big.slug, ...filter })).items;
      expect(action!.total).toBe(30);
      expect(action!.findings).toHaveLength(25);
      const listed = action!.findings.map((f) => [rank[f.severity], f.firstSeenAt, f.id] as const);
      const expected = [...listed].sort((a, b) => b[0] - a[0] || a[1].localeCompare(b[1]) || a[2].localeCompare(b[2]));
      expect(listed).toEqual(expected);
      // The five left out are the least severe: all info.
      expect(action!.findings.filter((f) => f.severity === "info")).toHaveLength(1);
      expect(new Set(action!.findings.map((f) => f.id)).size).toBe(25);
      expect(action!.findings.every((f) => f.location?.startsWith("src/f") && f.tools.includes("semgrep"))).toBe(true);
    }
  });

  describe("remediation filters", () => {
    it("offer every tool and branch of the service's scopes, sorted", async () => {
      const sec: UserActor = { type: "user", id: "usr_sec_speed", label: "sec@example.com", role: "security", teamIds: [] };
      const api = createCaller({ db: t.db(), now, actor: sec } satisfies TrpcContext);
      expect((await api.remediation.actions({ service: w.quiet })).options).toEqual({ tools: [], branches: [] });
      const at = (branch: string) => ({ service: w.quiet, commit: sha(`q-${branch}`), branch });
      await upload(ops, at("release/2"), generic("semgrep", [code("js/xss", "high", "src/q.ts")], { evidence: ["sast"] }));
      await upload(ops, at("main"), generic("trivy", [vuln("CVE-2026-0009", "low")], { evidence: ["sca"] }));
      await upload(ops, at("main"), generic("Gitleaks", [code("js/eval", "high", "src/r.ts")], { evidence: ["secrets"] }));
      const r = await api.remediation.actions({ service: w.quiet });
      expect(r.options).toEqual({ tools: ["gitleaks", "semgrep", "trivy"], branches: ["main", "release/2"] });
      expect((await api.remediation.actions({ service: w.quiet, tool: "gitleaks" })).findingsTotal).toBe(1);
      expect((await api.remediation.actions({ service: w.quiet, branch: "release/2" })).findingsTotal).toBe(1);
      // Totals come with a page's groups; a page past the end still knows them.
      expect(r).toMatchObject({ total: 3, findingsTotal: 3 });
      const past = await api.remediation.actions({ service: w.quiet, page: 9 });
      expect(past).toMatchObject({ items: [], total: 3, findingsTotal: 3, page: 9, pages: 1 });
    });
  });
});
