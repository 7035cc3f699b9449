// The scorecard on a real database: real ingest, waivers, gate decisions and deployments feed it; daily snapshots
// are one row per service per day, overwritten when the same day is recomputed.
import { and, eq, sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { queryRows } from "@/db/client";
import { auditEvents, findings, scoreSnapshots } from "@/db/schema";
import type { ServiceContext } from "@/server/context";
import { recordDeployment } from "@/server/gate/deployments";
import { evaluateGateRequest } from "@/server/gate/evaluate-gate";
import { getPolicy, setPolicy } from "@/server/gate/policies";
import { approveWaiver, createWaiver } from "@/server/gate/waivers";
import { explainScoringInForce } from "@/server/scoring/explain-in-force";
import type { RiskArea } from "@/server/ingest/risk-area";
import type { Severity } from "@/server/ingest/types";
import {
  compareScorecards,
  computeScorecard,
  countFindings,
  diminishing,
  formatDeduction,
  FORMULA_VERSION,
  type Scorecard,
} from "@/server/scoring/formula";
import { computeServiceScorecard, loadScorecardInput, scoreTrend, snapshotScorecards } from "@/server/scoring/snapshot";
import { describeEachDatabase } from "@/tests/helpers/db";
import { codeFinding, generic, sha, teamWithService, tokenContext, upload } from "@/tests/helpers/fixtures";
import { sampleText } from "@/tests/helpers/samples";

const DAY = 86_400_000;
const ALL = ["scans:write", "gate:evaluate", "deployments:write", "waivers:write", "read"] as const;

const vuln = (id: string, severity: string, pkg = "lodash") => ({
  kind: "dependency",
  ruleId: id,
  title: `${id} in ${pkg}`,
  severity,
  vulnerabilityId: id,
  package: { ecosystem: "npm", name: pkg, version: "1.0.0", fixedVersions: ["1.0.1"] },
});
const sast = codeFinding;

function scorecardReport(checks: { name: string; score: number }[]): string {
  return JSON.stringify({
    date: "2026-01-01",
    repo: { name: "github.com/acme/checkout", commit: "49c0eed3a423f00c872b5c3c9f1bbca9e8aae799" },
    scorecard: { version: "v5.0.0", commit: "49c0eed3a423f00c872b5c3c9f1bbca9e8aae799" },
    score: 5,
    checks: checks.map((c) => ({
      name: c.name,
      score: c.score,
      reason: `${c.name} scored ${c.score}`,
      details: null,
      documentation: { short: c.name, url: `https://github.com/ossf/scorecard/blob/main/docs/checks.md#${c.name.toLowerCase()}` },
    })),
  });
}

const area = (card: Pick<Scorecard, "areas">, a: RiskArea) => card.areas.find((x) => x.area === a)!;
const texts = (card: Pick<Scorecard, "areas">, a: RiskArea) => area(card, a).deductions.map(formatDeduction);

describeEachDatabase("scorecard", (t) => {
  let clock = new Date("2026-05-10T12:00:00Z");
  const now = () => clock;
  let ops: ServiceContext;
  let reviewer: ServiceContext;

  async function world() {
    const { service, team } = await teamWithService(t.ctx({ now }));
    const tok = await tokenContext(t.ctx({ now }), { team: team.slug, scopes: [...ALL] });
    return { svc: service.slug, id: service.id, team: team.slug, tok };
  }

  /** Clean evidence for every area that evidence assesses. */
  async function allEvidence(c: ServiceContext, svc: string, commit: string) {
    for (const [tool, kind] of [
      ["semgrep", "sast"],
      ["trivy", "sca"],
      ["gitleaks", "secrets"],
      ["checkov", "iac"],
      ["zap", "dast"],
      ["scorecard", "posture"],
    ] as const) {
      await upload(c, { service: svc, commit }, generic(tool, [], { evidence: [kind] }));
    }
  }

  beforeAll(() => {
    ops = t.ctx({ now, actor: { type: "cli", label: "cli:security-lead" } });
    // Approval is a person's: a signed-in security reviewer.
    reviewer = t.ctx({ now, actor: { type: "user", id: "usr_ciso", label: "ciso@example.com", role: "security", teamIds: [] } });
  });

  /** A risk an operator asks to accept and a security reviewer approves. */
  const accepted = async (w: Parameters<typeof createWaiver>[1]) => approveWaiver(reviewer, (await createWaiver(ops, w)).id);

  it("scores a service from its real scans: deductions per area, not-assessed areas and caps", async () => {
    const { id, svc, tok } = await world();
    const c = sha("s1");
    await upload(tok, { service: svc, commit: c }, generic("semgrep", [sast("js/xss", "high")], { evidence: ["sast"] }));
    await upload(
      tok,
      { service: svc, commit: c },
      generic("trivy", [vuln("CVE-2026-0001", "critical"), vuln("CVE-2026-0002", "high"), vuln("CVE-2026-0003", "high")], {
        evidence: ["sca"],
      }),
    );
    await upload(tok, { service: svc, commit: c }, generic("gitleaks", [], { evidence: ["secrets"] }));

    const card = await computeServiceScorecard(ops, id);
    expect(texts(card, 1)).toEqual(["−10: 1 high finding in code"]);
    expect(texts(card, 3)).toEqual(["−25: 1 critical finding in dependencies", "−18: 2 high findings in dependencies"]);
    expect(card.areas.map((a) => [a.area, a.status, a.score])).toEqual([
      [1, "assessed", 90],
      [2, "not-assessed", null],
      [3, "assessed", 57],
      [4, "assessed", 100],
      [5, "not-assessed", null],
      [6, "not-assessed", null],
      [7, "assessed", 100],
    ]);
    expect(card.caps).toEqual([
      { id: "cap:open-critical", grade: "D", reason: "1 open critical finding" },
      { id: "cap:not-assessed", grade: "C", reason: "not assessed: pipeline posture, infrastructure as code, attack surface" },
    ]);
    // 0.5 × mean(90, 57, 100, 100) + 0.5 × 57 = 71.9, capped at D
    expect(card.uncappedScore).toBe(72);
    expect([card.score, card.grade]).toEqual([69, "D"]);
    expect(card.openBySeverity).toEqual({ critical: 1, high: 3, medium: 0, low: 0, info: 0 });

    // The same inputs give the same scorecard; the SQL aggregate agrees with aggregating the rows one by one.
    expect(await computeServiceScorecard(ops, id)).toEqual(card);
    const input = await loadScorecardInput(ops, id, clock);
    expect(computeScorecard(input)).toEqual(card);
    const rows = await t.db().select().from(findings).where(eq(findings.serviceId, id));
    const pure = countFindings(
      rows.map((r) => ({ severity: r.severity, riskArea: r.riskArea as RiskArea, firstSeenAt: r.firstSeenAt })),
      clock,
    );
    expect([...input.findings].sort((a, b) => a.area - b.area || a.severity.localeCompare(b.severity))).toEqual(
      [...pure].sort((a, b) => a.area - b.area || a.severity.localeCompare(b.severity)),
    );
  });

  it("an approved waiver covering production removes a finding from the score; a test-only, pending or expired one does not", async () => {
    const { id, svc, tok } = await world();
    const c = sha("w1");
    await allEvidence(tok, svc, c);
    await upload(
      tok,
      { service: svc, commit: c },
      generic("trivy", [vuln("CVE-2026-1001", "critical"), vuln("GHSA-abcd-efgh-ijkl", "high", "express")], {
        evidence: ["sca"],
      }),
    );
    await upload(tok, { service: svc, commit: c }, generic("semgrep", [sast("js/sqli", "medium")], { evidence: ["sast"] }));
    const open = async () => (await computeServiceScorecard(ops, id)).openBySeverity;
    expect(await open()).toMatchObject({ critical: 1, high: 1, medium: 1 });

    const reason = "Not reachable: the vulnerable function is never called.";
    await accepted({
      service: svc,
      match: { type: "vulnerability", value: "CVE-2026-1001" },
      stages: ["test"],
      reason,
      expiresInDays: 30,
    });
    expect((await open()).critical).toBe(1);
    await accepted({
      service: svc,
      match: { type: "vulnerability", value: "cve-2026-1001" },
      reason,
      expiresInDays: 30,
    });
    const afterCritical = await computeServiceScorecard(ops, id);
    expect(afterCritical.openBySeverity.critical).toBe(0);
    expect(afterCritical.caps).toEqual([]);

    const pending = await createWaiver(ops, {
      service: svc,
      match: { type: "rule", value: "js/sqli" },
      reason,
      expiresInDays: 30,
    });
    expect((await open()).medium).toBe(1);
    await approveWaiver(reviewer, pending.id);
    expect((await open()).medium).toBe(0);

    const [high] = await t
      .db()
      .select({ fingerprint: findings.fingerprint })
      .from(findings)
      .where(and(eq(findings.serviceId, id), eq(findings.severity, "high")));
    await accepted({
      service: svc,
      match: { type: "fingerprint", value: high!.fingerprint.toUpperCase() },
      reason,
      expiresInDays: 5,
    });
    expect((await open()).high).toBe(0);
    const start = clock;
    try {
      clock = new Date(start.getTime() + 6 * DAY);
      expect((await open()).high).toBe(1);
    } finally {
      clock = start;
    }
  });

  it("a finding past its SLA costs extra; stale evidence costs points; expired evidence is not assessed", async () => {
    const { id, svc, tok } = await world();
    const start = clock;
    try {
      await allEvidence(tok, svc, sha("sla0"));
      await upload(
        tok,
        { service: svc, commit: sha("sla0") },
        generic("trivy", [vuln("CVE-2026-2001", "high")], { evidence: ["sca"] }),
      );
      clock = new Date(start.getTime() + 31 * DAY);
      await allEvidence(tok, svc, sha("sla1"));
      await upload(
        tok,
        { service: svc, commit: sha("sla1") },
        generic("trivy", [vuln("CVE-2026-2001", "high")], { evidence: ["sca"] }),
      );
      expect(texts(await computeServiceScorecard(ops, id), 3)).toEqual([
        "−10: 1 high finding in dependencies",
        "−5: 1 high finding in dependencies past the 30-day SLA",
      ]);

      clock = new Date(clock.getTime() + 45 * DAY);
      const stale = await computeServiceScorecard(ops, id);
      expect(texts(stale, 3)).toEqual([
        "−15: newest dependencies evidence is 45 days old (stale after 30)",
        "−10: 1 high finding in dependencies",
        "−5: 1 high finding in dependencies past the 30-day SLA",
      ]);
      expect(texts(stale, 7)).toEqual(["−15: no scan received in 45 days: the pipeline stopped reporting"]);
      expect(stale.caps.map((c) => c.id)).toEqual(["cap:no-recent-secret-scan"]);

      clock = new Date(clock.getTime() + 50 * DAY);
      const gone = await computeServiceScorecard(ops, id);
      expect(area(gone, 3)).toMatchObject({ status: "not-assessed", score: null });
      expect(area(gone, 7).status).toBe("assessed");
      expect(gone.grade).not.toBe("A");
    } finally {
      clock = start;
    }
  });

  it("area 7: failed scans, deployments around or over the gate, and stale scanner databases cost points", async () => {
    const { id, svc, tok } = await world();
    const ok = sha("g-ok");
    await allEvidence(tok, svc, ok);
    const allowed = await evaluateGateRequest(tok, { service: svc, stage: "test", commit: ok });
    expect(allowed.decision).toBe("allow");
    await recordDeployment(tok, { service: svc, stage: "test", commit: ok, decisionId: allowed.decisionId });
    expect(area(await computeServiceScorecard(ops, id), 7).deductions).toEqual([]);

    const failed = await upload(
      tok,
      { service: svc, commit: ok },
      JSON.stringify({ message: "405 Method Not Allowed", error: { code: "E405", summary: "405 Method Not Allowed" } }),
    );
    expect(failed.scan.status).toBe("failed");

    // Deployed without asking the gate.
    const bypass = await recordDeployment(tok, { service: svc, stage: "test", commit: sha("g-never") });
    expect(bypass.bypass).toBe(true);
    // Deployed after the gate said no.
    const bad = sha("g-bad");
    await allEvidence(tok, svc, bad);
    await upload(
      tok,
      { service: svc, commit: bad },
      generic("trivy", [vuln("CVE-2026-3001", "critical")], { evidence: ["sca"] }),
    );
    expect((await evaluateGateRequest(tok, { service: svc, stage: "test", commit: bad })).decision).toBe("block");
    expect((await recordDeployment(tok, { service: svc, stage: "test", commit: bad })).bypass).toBe(true);

    const grype = JSON.parse(sampleText("grype/defectdojo__anchore_grype__no_vuln.json")) as {
      descriptor?: Record<string, unknown>;
    };
    grype.descriptor = {
      ...(grype.descriptor ?? {}),
      name: "grype",
      version: "0.74.0",
      db: { built: new Date(clock.getTime() - 10 * DAY).toISOString(), schemaVersion: 5 },
    };
    await upload(tok, { service: svc, commit: bad }, JSON.stringify(grype));

    const card = await computeServiceScorecard(ops, id);
    expect(texts(card, 7)).toEqual([
      "−20: 1 deployment the gate did not allow in the last 30 days",
      "−10: 1 deployment without asking the gate in the last 30 days",
      "−5: 1 tool scanned with a vulnerability database older than 7 days: Grype (10 days)",
      "−3: 1 failed scan in the last 30 days",
    ]);
    expect(area(card, 7).score).toBe(62);

    // Thirty days later the window has moved on; only what is still true costs points.
    const start = clock;
    try {
      clock = new Date(start.getTime() + 31 * DAY);
      const later = await computeServiceScorecard(ops, id);
      expect(area(later, 7).deductions.map((d) => d.id)).toEqual(["signal:silent-pipeline", "signal:stale-scanner-db"]);
    } finally {
      clock = start;
    }
  });

  it("area 2: a real Scorecard report's checks weigh by their score, once", async () => {
    const { id, svc, tok } = await world();
    const c = sha("p1");
    await allEvidence(tok, svc, c);
    await upload(
      tok,
      { service: svc, commit: c },
      scorecardReport([
        { name: "Branch-Protection", score: 3 },
        { name: "Token-Permissions", score: 10 },
        { name: "Pinned-Dependencies", score: 7 },
      ]),
    );
    const card = await computeServiceScorecard(ops, id);
    expect(texts(card, 2)).toEqual([
      `−${Math.round(diminishing(10, 0.7))}: 1 high-risk posture check below 10/10: Branch-Protection 3/10`,
      `−${Math.round(diminishing(4, 0.3))}: 1 medium-risk posture check below 10/10: Pinned-Dependencies 7/10`,
    ]);
    expect(area(card, 2).open).toMatchObject({ high: 1, medium: 1 });
  });

  describe("daily snapshots", () => {
    it("one row per service per day: recomputing the same day overwrites it, the next day adds one; trends read them", async () => {
      const a = await world();
      const b = await world();
      await allEvidence(a.tok, a.svc, sha("d1"));
      await allEvidence(b.tok, b.svc, sha("d1"));
      const start = clock;
      const day = (d: Date) => d.toISOString().slice(0, 10);
      try {
        const first = await snapshotScorecards(ops);
        expect(first.find((r) => r.serviceId === a.id)).toMatchObject({ slug: a.svc, score: 100, grade: "A" });
        expect(first.find((r) => r.serviceId === b.id)).toMatchObject({ score: 100 });

        clock = new Date(start.getTime() + 60_000);
        await upload(
          a.tok,
          { service: a.svc, commit: sha("d2") },
          generic("trivy", [vuln("CVE-2026-4001", "high")], { evidence: ["sca"] }),
        );
        const again = await snapshotScorecards(ops, { day: day(start) });
        expect(again.find((r) => r.serviceId === a.id)!.score).toBeLessThan(100);
        const rows = await t.db().select().from(scoreSnapshots).where(eq(scoreSnapshots.serviceId, a.id));
        expect(rows).toHaveLength(1);
        expect(rows[0]!.computedAt.toISOString()).toBe(clock.toISOString());
        expect(rows[0]!.formulaVersion).toBe(FORMULA_VERSION);

        clock = new Date(start.getTime() + DAY);
        await upload(a.tok, { service: a.svc, commit: sha("d3") }, generic("trivy", [], { evidence: ["sca"] }));
        await snapshotScorecards(ops);
        const trend = await scoreTrend(ops, a.id, 7);
        expect(trend.map((s) => [s.day, s.score, s.grade])).toEqual([
          [day(start), again.find((r) => r.serviceId === a.id)!.score, again.find((r) => r.serviceId === a.id)!.grade],
          [day(clock), 100, "A"],
        ]);
        // A snapshot keeps exactly what the live scorecard said then.
        const live = await computeServiceScorecard(ops, a.id);
        expect(trend[1]!.areas).toEqual(live.areas);
        expect(trend[1]!.caps).toEqual(live.caps);
        expect(trend[1]!.openBySeverity).toEqual(live.openBySeverity);
        const change = compareScorecards(trend[0]!, trend[1]!);
        expect(change.better.map((d) => d.id)).toEqual(["findings:3:high"]);
        expect((await scoreTrend(ops, a.id, 1)).map((s) => s.day)).toEqual([day(clock)]);

        const [audit] = await queryRows<{ n: number }>(
          t.db(),
          sql`select count(*)::int as n from ${auditEvents} where ${auditEvents.action} = 'scorecard.snapshot'`,
        );
        expect(Number(audit!.n)).toBeGreaterThanOrEqual(3);
      } finally {
        clock = start;
      }
    });

    it("refuses a future day, and tokens cannot take snapshots", async () => {
      const { tok } = await world();
      const tomorrow = new Date(clock.getTime() + DAY).toISOString().slice(0, 10);
      await expect(snapshotScorecards(ops, { day: tomorrow })).rejects.toMatchObject({ code: "bad_request" });
      await expect(snapshotScorecards(tok)).rejects.toMatchObject({ code: "forbidden" });
    });
  });

  it("another team's service does not exist for a token; a token without the read scope is refused", async () => {
    const mine = await world();
    const other = await world();
    await expect(computeServiceScorecard(other.tok, mine.id)).rejects.toMatchObject({ code: "not_found" });
    await expect(scoreTrend(other.tok, mine.id, 7)).rejects.toMatchObject({ code: "not_found" });
    const writeOnly = await tokenContext(t.ctx({ now }), { team: mine.team, scopes: ["scans:write"] });
    await expect(computeServiceScorecard(writeOnly, mine.id)).rejects.toMatchObject({ code: "forbidden" });
    expect((await computeServiceScorecard(mine.tok, mine.id)).version).toBe(FORMULA_VERSION);
    await expect(computeServiceScorecard(ops, "svc_missing")).rejects.toMatchObject({ code: "not_found" });
  });

  it("keeps each service's computation to a handful of queries on the service's rows (severity counts, not rows)", async () => {
    const { id, svc, tok } = await world();
    const many = Array.from({ length: 300 }, (_, i) =>
      vuln(`CVE-2026-9${String(i).padStart(3, "0")}`, (["high", "medium", "low"] as Severity[])[i % 3]!, `pkg${i}`),
    );
    await upload(tok, { service: svc, commit: sha("m1") }, generic("trivy", many, { evidence: ["sca"] }));
    const input = await loadScorecardInput(ops, id, clock);
    expect(input.findings.map((f) => [f.area, f.severity, f.open])).toEqual([
      [3, "high", 100],
      [3, "low", 100],
      [3, "medium", 100],
    ]);
  });

  it("follows the production policy's SLA, and says so on the scoring page; a retraction is an area 7 signal", async () => {
    const { id, svc, tok } = await world();
    const first = clock;
    const c = sha("one-sla");
    await upload(tok, { service: svc, commit: c }, generic("trivy", [vuln("CVE-2026-2001", "high")], { evidence: ["sca"] }));
    clock = new Date(first.getTime() + 10 * DAY);
    try {
      // The default SLA for high is 30 days: at 10 days nothing is late.
      expect(texts(await computeServiceScorecard(ops, id), 3).some((d) => d.includes("past the"))).toBe(false);
      const production = (await getPolicy(ops, "production")).document;
      await setPolicy(ops, "production", {
        ...production,
        rules: { ...production.rules, sla: { days: { high: 5 }, mode: "fail" } },
      });
      const card = await computeServiceScorecard(ops, id);
      expect(texts(card, 3)).toContain("−5: 1 high finding in dependencies past the 5-day SLA");
      // The production gate says the same of the same finding.
      const d = await evaluateGateRequest(tok, { service: svc, stage: "production", commit: c });
      expect(d.checks.find((x) => x.id === "sla")).toMatchObject({ status: "fail", actual: 1 });
      const page = await explainScoringInForce(ops);
      expect(page.severities.find((x) => x.severity === "high")!.slaDays).toBe(5);
      expect(page.sla.source).toContain("production");

      // An upload that leaves out what an earlier report of the same commit listed is counted in area 7.
      await upload(tok, { service: svc, commit: c }, generic("trivy", [], { evidence: ["sca"] }));
      expect(texts(await computeServiceScorecard(ops, id), 7)).toContain(
        "−8: 1 upload left out findings an earlier report of the same commit had, in the last 30 days",
      );
    } finally {
      await setPolicy(ops, "production", (await getPolicy(ops, "production", 1)).document);
      clock = first;
    }
  });
});
