import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { RiskArea } from "@/server/ingest/risk-area";
import { EVIDENCE_KINDS, SEVERITIES, type EvidenceKind, type Severity } from "@/server/ingest/types";
import { explainScoring } from "@/server/scoring/explain";
import {
  AREAS,
  CAPS,
  compareScorecards,
  computeScorecard,
  countFindings,
  diminishing,
  EVIDENCE_AREAS,
  FORMULA_VERSION,
  formatDeduction,
  FRESHNESS,
  GRADE_THRESHOLDS,
  gradeOf,
  isPastSla,
  REPEAT_FACTOR,
  SEVERITY_WEIGHTS,
  SIGNAL_WEIGHTS,
  SILENT_PIPELINE,
  SLA_DAYS,
  topScoreOf,
  type EvidenceItem,
  type FindingCount,
  type Scorecard,
  type ScorecardInput,
} from "@/server/scoring/formula";

const DAY = 86_400_000;
const NOW = new Date("2026-03-01T12:00:00.000Z");
const ago = (days: number, extraMs = 0) => new Date(NOW.getTime() - days * DAY - extraMs);
const ASSESSING: EvidenceKind[] = ["sast", "posture", "sca", "secrets", "iac", "dast"];

function evidence(kinds: EvidenceKind[] = ASSESSING, days = 1, over: Partial<EvidenceItem> = {}): EvidenceItem[] {
  return kinds.map((k) => ({
    tool: `tool-${k}`,
    kinds: [k],
    status: "complete",
    scannedAt: ago(days),
    scannerDbBuiltAt: null,
    ...over,
  }));
}

function input(over: Partial<ScorecardInput> = {}): ScorecardInput {
  return {
    now: NOW,
    findings: [],
    postureChecks: [],
    evidence: evidence(),
    signals: { lastScanAt: ago(1), failedScans30d: 0, gateBypasses30d: 0, deploysWithoutGate30d: 0 },
    ...over,
  };
}

const open = (area: RiskArea, severity: Severity, n: number, slaBreached = 0): FindingCount => ({
  area,
  severity,
  open: n,
  slaBreached,
});
const area = (card: Scorecard, a: RiskArea) => card.areas.find((x) => x.area === a)!;
const ids = (card: Scorecard) => card.deductions.map((d) => d.id);
const texts = (card: Scorecard) => card.deductions.map(formatDeduction);

describe("scorecard formula", () => {
  it("a service with fresh, clean evidence in every area scores 100, A, with nothing deducted", () => {
    const card = computeScorecard(input());
    expect(card.version).toBe(FORMULA_VERSION);
    expect(card.score).toBe(100);
    expect(card.grade).toBe("A");
    expect(card.caps).toEqual([]);
    expect(card.deductions).toEqual([]);
    expect(card.areas.map((a) => [a.area, a.status, a.score])).toEqual(AREAS.map((a) => [a, "assessed", 100]));
    expect(card.computedAt).toBe(NOW.toISOString());
  });

  it("a service that never reported scores 0, F: nothing is known, nothing is safe", () => {
    const card = computeScorecard(input({ evidence: [], signals: { ...input().signals, lastScanAt: null } }));
    expect(card.score).toBe(0);
    expect(card.grade).toBe("F");
    expect(card.areas.every((a) => a.status === "not-assessed" && a.score === null)).toBe(true);
    expect(area(card, 7).notAssessedReason).toBe("no scan received yet");
    expect(texts(card)).toEqual(["−100: no evidence in any risk area"]);
  });

  it("an area without evidence is not assessed, never safe, and caps the grade at C", () => {
    const card = computeScorecard(input({ evidence: evidence(["sast", "posture", "sca", "secrets", "iac"]) }));
    const a6 = area(card, 6);
    expect(a6).toMatchObject({ status: "not-assessed", score: null, grade: null });
    expect(a6.notAssessedReason).toBe("no dast or config scan in the last 90 days");
    expect(card.uncappedScore).toBe(100);
    expect(card.score).toBe(79);
    expect(card.grade).toBe("C");
    expect(card.caps).toEqual([{ id: "cap:not-assessed", grade: "C", reason: "not assessed: attack surface" }]);
    expect(texts(card)).toEqual(["−21: capped at C: not assessed: attack surface"]);
  });

  it("evidence of any kind assesses only its own area", () => {
    for (const kind of EVIDENCE_KINDS) {
      const card = computeScorecard(input({ evidence: evidence([kind]) }));
      const assessed = card.areas.filter((a) => a.status === "assessed").map((a) => a.area);
      expect(assessed).toEqual([EVIDENCE_AREAS[kind], 7].sort());
    }
  });

  it("failed scans are no evidence", () => {
    const card = computeScorecard(input({ evidence: evidence(ASSESSING, 1, { status: "failed" }) }));
    expect(card.areas.filter((a) => a.status === "assessed").map((a) => a.area)).toEqual([7]);
  });

  it("deductions say what they are for, with diminishing returns: 2 high findings in dependencies cost 18", () => {
    const card = computeScorecard(input({ findings: [open(3, "high", 2)] }));
    expect(texts(card)).toEqual(["−18: 2 high findings in dependencies"]);
    expect(area(card, 3).score).toBe(82);
    expect(area(card, 3).open).toEqual({ critical: 0, high: 2, medium: 0, low: 0, info: 0 });
    expect(card.openBySeverity.high).toBe(2);
  });

  it("the 10th high finding costs less than the 1st, and no number of findings costs more than 5× the first", () => {
    const marginal = (n: number) => diminishing(SEVERITY_WEIGHTS.high, n) - diminishing(SEVERITY_WEIGHTS.high, n - 1);
    expect(marginal(1)).toBe(SEVERITY_WEIGHTS.high);
    expect(marginal(10)).toBeCloseTo(SEVERITY_WEIGHTS.high * REPEAT_FACTOR ** 9, 10);
    expect(marginal(10)).toBeLessThan(marginal(1));
    for (let n = 2; n <= 50; n++) expect(marginal(n)).toBeLessThan(marginal(n - 1));
    expect(Math.round(diminishing(SEVERITY_WEIGHTS.high, 10_000))).toBe(SEVERITY_WEIGHTS.high * 5);
    // 200 lows never outweigh one critical.
    expect(diminishing(SEVERITY_WEIGHTS.low, 200)).toBeLessThan(diminishing(SEVERITY_WEIGHTS.critical, 1));
    const one = computeScorecard(input({ findings: [open(1, "high", 1)] }));
    const nine = computeScorecard(input({ findings: [open(1, "high", 9)] }));
    const ten = computeScorecard(input({ findings: [open(1, "high", 10)] }));
    expect(area(ten, 1).score! - area(nine, 1).score!).toBeGreaterThan(area(one, 1).score! - 100);
    // Informational findings never cost points.
    expect(computeScorecard(input({ findings: [open(1, "info", 500)] })).deductions).toEqual([]);
  });

  it("more findings never raise a score (every area, every severity, with and without SLA breaches)", () => {
    for (const a of AREAS) {
      for (const severity of SEVERITIES) {
        let prev = computeScorecard(input({ findings: [open(3, "medium", 4)] }));
        for (let n = 1; n <= 40; n += 3) {
          const card = computeScorecard(input({ findings: [open(3, "medium", 4), open(a, severity, n, Math.floor(n / 2))] }));
          expect(card.score).toBeLessThanOrEqual(prev.score);
          for (const x of AREAS) expect(area(card, x).score ?? 0).toBeLessThanOrEqual(area(prev, x).score ?? 0);
          prev = card;
        }
      }
    }
  });

  it("an area never goes below 0, and a very bad area drags the overall score: half of it is the worst area", () => {
    const card = computeScorecard(
      input({ findings: [open(3, "critical", 50), open(3, "high", 50), open(3, "medium", 50, 50), open(3, "low", 50, 50)] }),
    );
    expect(area(card, 3).score).toBe(0);
    // mean (6 × 100 + 0) / 7 = 85.7; half of it plus half of 0
    expect(card.uncappedScore).toBe(43);
    expect(card.grade).toBe("F");
    // one area at 50: 0.5 × (650 / 7) + 0.5 × 50 = 71.4
    const fifty = computeScorecard(input({ findings: [open(5, "high", 7)] }));
    expect(area(fifty, 5).score).toBe(100 - Math.round(diminishing(10, 7)));
    const a5 = area(fifty, 5).score!;
    expect(fifty.score).toBe(Math.round(0.5 * ((600 + a5) / 7) + 0.5 * a5));
  });

  it("an open critical finding caps the grade at D", () => {
    const card = computeScorecard(input({ findings: [open(1, "critical", 1)] }));
    expect(area(card, 1).score).toBe(75);
    expect(card.uncappedScore).toBe(Math.round(0.5 * ((600 + 75) / 7) + 0.5 * 75));
    expect(card.grade).toBe("D");
    expect(card.score).toBe(69);
    expect(card.caps).toEqual([{ id: "cap:open-critical", grade: "D", reason: "1 open critical finding" }]);
    expect(texts(card)).toEqual([
      "−25: 1 critical finding in code",
      `−${card.uncappedScore - 69}: capped at D: 1 open critical finding`,
    ]);
  });

  it("the strictest cap binds; weaker caps are listed but take nothing more", () => {
    const card = computeScorecard(
      input({ findings: [open(3, "critical", 1)], evidence: evidence(["sast", "posture", "sca", "secrets", "iac"]) }),
    );
    expect(card.caps.map((c) => c.grade)).toEqual(["D", "C"]);
    expect(card.grade).toBe("D");
    expect(ids(card).filter((id) => id.startsWith("cap:"))).toEqual(["cap:open-critical"]);
  });

  describe("freshness", () => {
    it("evidence up to 30 days old costs nothing; older costs 15; older than 90 days is no evidence", () => {
      const at = (days: number) =>
        computeScorecard(
          input({ evidence: [...evidence(["sast", "posture", "secrets", "iac", "dast"]), ...evidence(["sca"], days)] }),
        );
      expect(area(at(30), 3).score).toBe(100);
      const stale = at(45);
      expect(area(stale, 3)).toMatchObject({ status: "assessed", score: 85, evidence: { ageDays: 45, stale: true } });
      expect(texts(stale)).toEqual(["−15: newest dependencies evidence is 45 days old (stale after 30)"]);
      expect(area(at(90), 3).status).toBe("assessed");
      const gone = at(91);
      expect(area(gone, 3)).toMatchObject({ status: "not-assessed", score: null });
      expect(area(gone, 3).notAssessedReason).toBe("the newest sca or sbom or container scan is 91 days old (more than 90)");
      expect(gone.grade).toBe("C");
    });

    it("the newest evidence of an area counts, whichever tool gave it", () => {
      const card = computeScorecard(
        input({
          evidence: [
            ...evidence(["sast", "posture", "secrets", "iac", "dast"]),
            ...evidence(["sca"], 60),
            ...evidence(["sbom"], 2),
          ],
        }),
      );
      expect(area(card, 3)).toMatchObject({ score: 100, evidence: { ageDays: 2, stale: false } });
    });

    it("no secret scan in 30 days caps the grade at C", () => {
      const card = computeScorecard(
        input({ evidence: [...evidence(["sast", "posture", "sca", "iac", "dast"]), ...evidence(["secrets"], 31)] }),
      );
      expect(area(card, 4).score).toBe(100 - FRESHNESS.stalePoints);
      expect(card.caps).toEqual([{ id: "cap:no-recent-secret-scan", grade: "C", reason: "no secret scan in 30 days" }]);
      expect(card.grade).toBe("C");
      expect(texts(card)).toContain(`−${card.uncappedScore - 79}: capped at C: no secret scan in 30 days`);
      expect(CAPS.noRecentSecretScan.days).toBe(30);
    });

    it("letting the evidence of a bad area expire never improves the score: known findings still count", () => {
      const findings = [open(3, "high", 6)];
      const fresh = computeScorecard(input({ findings }));
      const expired = computeScorecard(
        input({ findings, evidence: [...evidence(["sast", "posture", "secrets", "iac", "dast"]), ...evidence(["sca"], 120)] }),
      );
      expect(area(expired, 3).score).toBeNull();
      expect(area(expired, 3).deductions.map((d) => d.id)).toEqual(["findings:3:high"]);
      expect(expired.score).toBeLessThanOrEqual(fresh.score);
    });
  });

  describe("SLA", () => {
    it("a finding is past its SLA after the gate's SLA days, not at them", () => {
      expect(SLA_DAYS).toEqual({ critical: 7, high: 30, medium: 90, low: 120, info: null });
      expect(isPastSla("high", ago(30), NOW)).toBe(false);
      expect(isPastSla("high", ago(30, 1), NOW)).toBe(true);
      expect(isPastSla("info", ago(3000), NOW)).toBe(false);
    });

    it("breaches cost extra points and say which SLA", () => {
      const card = computeScorecard(input({ findings: [open(3, "high", 3, 2)] }));
      expect(texts(card)).toEqual([
        "−24: 3 high findings in dependencies",
        "−9: 2 high findings in dependencies past the 30-day SLA",
      ]);
      expect(area(card, 3).score).toBe(100 - 24 - 9);
    });

    it("countFindings aggregates single findings (waived ones left out) into the same counts", () => {
      const counts = countFindings(
        [
          { severity: "high", riskArea: 3, firstSeenAt: ago(31) },
          { severity: "high", riskArea: 3, firstSeenAt: ago(2) },
          { severity: "high", riskArea: 3, firstSeenAt: ago(90), waived: true },
          { severity: "critical", riskArea: 1, firstSeenAt: ago(8) },
        ],
        NOW,
      );
      expect(counts).toEqual([open(1, "critical", 1, 1), open(3, "high", 2, 1)]);
    });

    it("breaches beyond the open count are ignored rather than trusted", () => {
      const a = computeScorecard(input({ findings: [open(3, "high", 1, 99)] }));
      const b = computeScorecard(input({ findings: [open(3, "high", 1, 1)] }));
      expect(a).toEqual(b);
    });
  });

  describe("area 7: Gatehouse's own signals", () => {
    const signals = (s: Partial<ScorecardInput["signals"]>) => ({ ...input().signals, ...s });

    it("deployments over or around the gate, failed scans and a silent pipeline cost points", () => {
      const card = computeScorecard(
        input({ signals: signals({ gateBypasses30d: 1, deploysWithoutGate30d: 2, failedScans30d: 3, lastScanAt: ago(15) }) }),
      );
      expect(area(card, 7).deductions.map(formatDeduction)).toEqual([
        "−20: 1 deployment the gate did not allow in the last 30 days",
        "−18: 2 deployments without asking the gate in the last 30 days",
        "−15: no scan received in 15 days: the pipeline stopped reporting",
        "−7: 3 failed scans in the last 30 days",
      ]);
      expect(area(card, 7).score).toBe(100 - 20 - 18 - 15 - 7);
      expect(SIGNAL_WEIGHTS.gateOverride).toBeGreaterThan(SIGNAL_WEIGHTS.ungatedDeploy);
    });

    it("a pipeline is silent only after 14 days without any scan", () => {
      const quiet = computeScorecard(input({ signals: signals({ lastScanAt: ago(SILENT_PIPELINE.afterDays) }) }));
      expect(area(quiet, 7).score).toBe(100);
    });

    it("a tool whose latest scan used a vulnerability database older than 7 days costs points", () => {
      const scans: EvidenceItem[] = [
        ...evidence(),
        { tool: "trivy", kinds: ["container"], status: "complete", scannedAt: ago(1), scannerDbBuiltAt: ago(13) },
        { tool: "grype", kinds: ["sca"], status: "complete", scannedAt: ago(1), scannerDbBuiltAt: ago(9) },
        // grype's older scan had a fresh database: the latest scan decides; osv's is exactly 7 days old: not stale
        { tool: "grype", kinds: ["sca"], status: "complete", scannedAt: ago(5), scannerDbBuiltAt: ago(5) },
        { tool: "osv", kinds: ["sca"], status: "complete", scannedAt: ago(1), scannerDbBuiltAt: ago(7) },
      ];
      const card = computeScorecard(input({ evidence: scans }));
      expect(area(card, 7).deductions.map(formatDeduction)).toEqual([
        "−9: 2 tools scanned with a vulnerability database older than 7 days: trivy (12 days), grype (8 days)",
      ]);
    });

    it("area 7 is assessed once any scan exists, even when no other area is", () => {
      const card = computeScorecard(input({ evidence: [], signals: signals({ lastScanAt: ago(200) }) }));
      expect(area(card, 7).status).toBe("assessed");
      expect(card.grade).toBe("C");
    });

    it("logging findings (area 7) count like any other finding", () => {
      const card = computeScorecard(input({ findings: [open(7, "medium", 2)] }));
      expect(texts(card)).toEqual(["−7: 2 medium findings in logging and monitoring"]);
    });
  });

  describe("area 2: pipeline posture", () => {
    it("a check at s/10 weighs (10 − s)/10 of a finding of its risk level; 10/10 weighs nothing", () => {
      const card = computeScorecard(
        input({
          postureChecks: [
            { name: "Token-Permissions", severity: "high", score: 0 },
            { name: "Branch-Protection", severity: "high", score: 3 },
            { name: "Dangerous-Workflow", severity: "critical", score: 10 },
            { name: "Pinned-Dependencies", severity: "medium", score: 7 },
          ],
        }),
      );
      const high = Math.round(diminishing(10, 1 + 0.7));
      const medium = Math.round(diminishing(4, 0.3));
      expect(area(card, 2).deductions.map(formatDeduction)).toEqual([
        `−${high}: 2 high-risk posture checks below 10/10: Token-Permissions 0/10, Branch-Protection 3/10`,
        `−${medium}: 1 medium-risk posture check below 10/10: Pinned-Dependencies 7/10`,
      ]);
      expect(area(card, 2).open).toMatchObject({ critical: 0, high: 2, medium: 1 });
      expect(card.caps).toEqual([]);
    });

    it("a lower check score never raises the score", () => {
      let prev = 101;
      for (let s = 10; s >= 0; s--) {
        const card = computeScorecard(input({ postureChecks: [{ name: "Code-Review", severity: "high", score: s }] }));
        expect(area(card, 2).score!).toBeLessThanOrEqual(prev);
        prev = area(card, 2).score!;
      }
      expect(prev).toBe(90);
    });
  });

  it("grades: A from 90, B from 80, C 70, D 60, E 50, F below", () => {
    expect([100, 90, 89, 80, 79, 70, 69, 60, 59, 50, 49, 0].map(gradeOf)).toEqual([
      "A",
      "A",
      "B",
      "B",
      "C",
      "C",
      "D",
      "D",
      "E",
      "E",
      "F",
      "F",
    ]);
    expect(GRADE_THRESHOLDS.map((t) => topScoreOf(t.grade))).toEqual([100, 89, 79, 69, 59, 49]);
  });

  it("the grade always matches the score", () => {
    for (let n = 0; n < 30; n++) {
      const card = computeScorecard(
        input({ findings: [open(((n % 7) + 1) as RiskArea, SEVERITIES[n % 5]!, n)], evidence: evidence(ASSESSING, n * 4) }),
      );
      expect(card.grade).toBe(gradeOf(card.score));
    }
  });

  it("is deterministic: the same input gives a deep-equal scorecard, whatever the order of its lists", () => {
    const base = input({
      findings: [open(3, "high", 4, 1), open(1, "medium", 2), open(3, "low", 9), open(5, "critical", 1)],
      postureChecks: [
        { name: "B", severity: "high", score: 4 },
        { name: "A", severity: "high", score: 4 },
      ],
      evidence: [
        ...evidence(),
        { tool: "trivy", kinds: ["sca", "container"], status: "complete", scannedAt: ago(3), scannerDbBuiltAt: ago(20) },
      ],
      signals: { lastScanAt: ago(1), failedScans30d: 2, gateBypasses30d: 1, deploysWithoutGate30d: 0 },
    });
    const a = computeScorecard(base);
    const b = computeScorecard(structuredClone(base));
    const shuffled = computeScorecard({
      ...base,
      findings: [...base.findings].reverse(),
      postureChecks: [...base.postureChecks!].reverse(),
      evidence: [...base.evidence].reverse(),
    });
    expect(b).toEqual(a);
    expect(shuffled).toEqual(a);
    expect(JSON.parse(JSON.stringify(a))).toEqual(a);
    // Deductions are sorted, largest first.
    const points = a.deductions.map((d) => d.points);
    expect(points).toEqual([...points].sort((x, y) => y - x));
  });

  it("compareScorecards says what changed since an earlier scorecard", () => {
    const before = computeScorecard(input({ findings: [open(3, "high", 2), open(1, "medium", 1)] }));
    const after = computeScorecard(input({ findings: [open(3, "high", 3), open(1, "critical", 1)] }));
    const change = compareScorecards(before, after);
    expect(change.scoreDelta).toBe(after.score - before.score);
    expect(change.grade).toEqual({ before: before.grade, after: "D" });
    expect(change.worse.map((w) => [w.id, w.before, w.after])).toEqual([
      ["findings:1:critical", 0, 25],
      ["findings:3:high", 18, 24],
    ]);
    expect(change.better.map((w) => w.id)).toEqual(["findings:1:medium"]);
    expect(change.capsAdded.map((c) => c.id)).toEqual(["cap:open-critical"]);
    expect(change.areas.map((a) => a.area)).toEqual([1, 3]);
  });
});

describe("How scoring works", () => {
  const page = explainScoring();

  it("is generated from the formula's own constants", () => {
    expect(page.version).toBe(FORMULA_VERSION);
    const high = page.severities.find((s) => s.severity === "high")!;
    expect(high.costs).toEqual([
      { findings: 1, points: 10 },
      { findings: 2, points: 18 },
      { findings: 5, points: Math.round(diminishing(10, 5)) },
      { findings: 10, points: Math.round(diminishing(10, 10)) },
    ]);
    expect(high.atMost).toBe(50);
    expect(high.slaDays).toBe(30);
    expect(page.severities.find((s) => s.severity === "info")).toMatchObject({ atMost: 0, slaDays: null });
    expect(page.caps.map((c) => [c.id, c.grade])).toEqual([
      ["cap:not-assessed", CAPS.notAssessed.grade],
      ["cap:no-recent-secret-scan", CAPS.noRecentSecretScan.grade],
      ["cap:open-critical", CAPS.openCritical.grade],
      ["cap:no-evidence", "F"],
    ]);
    expect(page.freshness).toMatchObject(FRESHNESS);
  });

  it("maps every evidence kind to exactly one area, and grade bands cover 0–100 without gaps", () => {
    const kinds = page.areas.flatMap((a) => a.kinds);
    expect([...kinds].sort()).toEqual([...EVIDENCE_KINDS].sort());
    expect(page.areas.map((a) => a.area)).toEqual([...AREAS]);
    expect(page.areas.find((a) => a.area === 7)!.kinds).toEqual([]);
    expect(page.grades[0]!.max).toBe(100);
    expect(page.grades[page.grades.length - 1]!.min).toBe(0);
    for (let i = 1; i < page.grades.length; i++) expect(page.grades[i]!.max).toBe(page.grades[i - 1]!.min - 1);
  });

  it("gives a reason for every rule", () => {
    const whys = [page.repeatFactor.why, page.severityWhy, page.sla.why, page.evidenceWhy, page.freshness.why, page.overall.why];
    for (const w of [...whys, ...page.signals.map((s) => s.why), ...page.caps.map((c) => c.why)])
      expect(w.length).toBeGreaterThan(20);
  });
});

describe("purity", () => {
  it("the formula and its explanation use no node:*, database, env or clock", () => {
    for (const file of ["formula.ts", "explain.ts"]) {
      const src = readFileSync(path.resolve(import.meta.dirname, "../../server/scoring", file), "utf8");
      const imports = [...src.matchAll(/from "([^"]+)"/g)].map((m) => m[1]);
      for (const i of imports) expect(i).toMatch(/^(\.\/formula|\.\.\/gate\/policy|\.\.\/ingest\/(risk-area|types))$/);
      expect(src).not.toMatch(/Date\.now|new Date\(\)|process\./);
    }
  });
});

describe("area 2: pipeline-definition findings", () => {
  it("cost what findings of their severity cost, and the deduction names their rules", () => {
    const withRules = computeScorecard(
      input({
        findings: [
          { ...open(2, "high", 1), rule: "gate-missing" },
          { ...open(2, "medium", 3), rule: "action-unpinned" },
          { ...open(2, "medium", 1), rule: "permissions-default" },
        ],
      }),
    );
    const plain = computeScorecard(input({ findings: [open(2, "high", 1), open(2, "medium", 4)] }));
    expect(area(withRules, 2).score).toBe(area(plain, 2).score);
    const reasons = area(withRules, 2).deductions.map((d) => d.reason);
    expect(reasons).toContain("1 high finding in pipeline posture (gate-missing)");
    expect(reasons).toContain("4 medium findings in pipeline posture (action-unpinned ×3, permissions-default)");
    expect(explainScoring().posture).toMatch(/gate-missing/);
  });
});
