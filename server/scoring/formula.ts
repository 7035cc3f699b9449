// The risk scorecard: one documented, versioned formula. Pure: no database, env or clock (`now` is input).
//
// Per risk area:  score = 100 − findings − findings on CISA KEV − SLA breaches − stale evidence (− posture checks in
//                 area 2, − Gatehouse's own signals in area 7), never below 0.
// Overall:        half the mean of the area scores, half the worst area; then caps; grade from thresholds.
import { DEFAULT_SLA_DAYS, GRADES, type Grade } from "../gate/policy";
import { RISK_AREAS, type RiskArea } from "../ingest/risk-area";
import { EVIDENCE_KINDS, SEVERITIES, type EvidenceKind, type Severity } from "../ingest/types";

export { GRADES, type Grade };

/** Bumped on every change that can move a score; snapshots record it. */
export const FORMULA_VERSION = 3;

const DAY_MS = 86_400_000;

export const AREAS = [1, 2, 3, 4, 5, 6, 7] as const satisfies readonly RiskArea[];

/** Short area names for deduction texts ("2 high findings in dependencies"). */
export const AREA_LABELS: Record<RiskArea, string> = {
  1: "code",
  2: "pipeline posture",
  3: "dependencies",
  4: "secrets",
  5: "infrastructure as code",
  6: "attack surface",
  7: "logging and monitoring",
};

// ---------- constants (each one's reason is in RATIONALE below, which the "How scoring works" page shows) ----------

/** Points the first open finding of each severity takes from its area. */
export const SEVERITY_WEIGHTS: Record<Severity, number> = { critical: 25, high: 10, medium: 4, low: 1, info: 0 };

/** Each further finding of the same severity in the same area costs this fraction of the one before. */
export const REPEAT_FACTOR = 0.8;

/** Extra points the first open finding on CISA's Known Exploited Vulnerabilities list takes (then diminishing). */
export const EXPLOITED_WEIGHT = 15;

/** Days an open finding may stay open: the gate's default SLA. Scorecards use the production policy's (ScorecardInput.slaDays). */
export const SLA_DAYS: Record<Severity, number | null> = { ...DEFAULT_SLA_DAYS, info: null };

/** SLA days per severity (info has none). */
export type SlaDaysBySeverity = Record<Severity, number | null>;

/** Extra points each finding past its SLA takes, on the same diminishing curve. */
export const SLA_WEIGHTS: Record<Severity, number> = { critical: 10, high: 5, medium: 2, low: 1, info: 0 };

/** Which evidence kinds assess which area. Area 7 is assessed by Gatehouse's own signals once any scan exists. */
export const EVIDENCE_AREAS: Record<EvidenceKind, RiskArea> = {
  sast: 1,
  posture: 2,
  sca: 3,
  sbom: 3,
  container: 3,
  secrets: 4,
  iac: 5,
  dast: 6,
  config: 6,
};

/** Evidence age: older than staleAfterDays costs stalePoints; older than notAssessedAfterDays is no evidence. */
export const FRESHNESS = { staleAfterDays: 30, stalePoints: 15, notAssessedAfterDays: 90 } as const;

/** The window area 7 looks back over for failed scans and deployments. */
export const SIGNAL_WINDOW_DAYS = 30;

/** Area 7: points of the first event of each kind (further ones on the diminishing curve). */
export const SIGNAL_WEIGHTS = {
  /** a deployment after the gate answered, but never "allow" */
  gateOverride: 20,
  /** a deployment of a commit the gate was never asked about */
  ungatedDeploy: 10,
  /** a scan the scanner itself reported as failed */
  failedScan: 3,
  /** a tool whose latest scan used a vulnerability database older than SCANNER_DB_MAX_AGE_DAYS */
  staleScannerDb: 5,
  /** an upload that left out findings earlier reports of the same commit listed (they still count for the gate) */
  retraction: 8,
  /** threat intelligence (KEV, EPSS) not refreshed for INTEL_STALE_DAYS while the daily sync is on */
  staleIntel: 5,
} as const;

/** Intel older than this, with the daily sync on, means the sync is failing. */
export const INTEL_STALE_DAYS = 7;

/** A scanner database older than this at scan time is stale (the gate's production default is stricter: 3). */
export const SCANNER_DB_MAX_AGE_DAYS = 7;

/** Area 7: no scan at all for afterDays means the pipeline stopped reporting. */
export const SILENT_PIPELINE = { afterDays: 14, points: 15 } as const;

/** The lowest score of each grade, best first. */
export const GRADE_THRESHOLDS: readonly { grade: Grade; min: number }[] = [
  { grade: "A", min: 90 },
  { grade: "B", min: 80 },
  { grade: "C", min: 70 },
  { grade: "D", min: 60 },
  { grade: "E", min: 50 },
  { grade: "F", min: 0 },
];

/** The share of the overall score that is the worst area's score (the rest is the mean of the areas). */
export const WORST_AREA_WEIGHT = 0.5;

/** The best grade a service can have while each condition holds. */
export const CAPS = {
  notAssessed: { grade: "C" },
  noRecentSecretScan: { grade: "C", days: 30 },
  openCritical: { grade: "D" },
} as const satisfies Record<string, { grade: Grade; days?: number }>;

/** One line of why for each constant: the "How scoring works" page shows these. */
export const RATIONALE = {
  severityWeights: "One critical alone takes an area down to 75; informational findings never cost points.",
  repeatFactor:
    "Each further finding of a severity costs 80% of the one before, so an area loses at most 5× the first: 200 low findings never outweigh one critical.",
  slaDays: "The production policy's SLA, so a finding is late in the scorecard exactly when the production gate says so.",
  slaWeights: "A finding left open past its SLA is a process failure on top of the risk itself.",
  evidenceAreas: "An area is only assessed by evidence that can find its problems: a dependency scan says nothing about secrets.",
  freshness:
    "Evidence older than a month misses new advisories and new code; after three months it no longer says anything about the service.",
  signalWindow: "A month is long enough to see a pattern and short enough that fixing it shows up soon.",
  gateOverride: "Deploying what the gate refused means the control failed outright.",
  ungatedDeploy: "Deploying without asking the gate means the gate is not in the pipeline.",
  failedScan: "A failed scan is missing evidence, usually a broken pipeline step that nobody noticed.",
  staleScannerDb: "A vulnerability database older than a week misses that week's advisories.",
  exploitedWeight:
    "A vulnerability on CISA's Known Exploited Vulnerabilities list is being exploited in the wild now: it costs more than its severity alone says.",
  staleIntel:
    "With the daily intel sync on, KEV or EPSS data older than a week means the sync is failing and exploit-aware priorities are out of date.",
  retraction:
    "A report that quietly drops findings an earlier report of the same commit had is either a flaky scanner or an attempt to get past the gate; both need a look.",
  silentPipeline: "Two weeks without any scan usually means the pipeline stopped reporting, not that nothing changed.",
  gradeThresholds: "Ten points per grade, like a school report: easy to read at a glance.",
  worstAreaWeight: "Half the overall score is the worst area, so one neglected area cannot hide behind six good ones.",
  notAssessed: "Unknown is never safe: an area without evidence limits the best grade to C.",
  noRecentSecretScan:
    "A leaked credential is the fastest way in; without a secret scan in the last month the grade is at most C.",
  openCritical: "An open critical finding is exploitable now, whatever the rest looks like: at most D.",
  noEvidence: "A service without any evidence scores 0: nothing is known about it.",
  pipelineFindings:
    "A pipeline whose definition deploys without the gate, or lets it fail open, makes every other control optional: its findings count in area 2 like any finding, and each deduction names their rules.",
} as const;

// ---------- input and output ----------

/** Open, non-suppressed, non-waived findings of one area and severity: what one SQL aggregate returns. */
export type FindingCount = {
  area: RiskArea;
  severity: Severity;
  open: number;
  /** how many of them are open longer than the SLA of their severity */
  slaBreached: number;
  /** the rule these findings break, when counted per rule (pipeline-definition findings in area 2): named in the reason */
  rule?: string;
};

/** A pipeline-posture check with a 0–10 score (OpenSSF Scorecard and similar). Not also counted in `findings`. */
export type PostureCheck = { name: string; severity: Severity; score: number };

/** The latest complete scan per tool (and evidence set) within FRESHNESS.notAssessedAfterDays; failed ones are ignored. */
export type EvidenceItem = {
  tool: string;
  kinds: readonly EvidenceKind[];
  status: "complete" | "failed";
  /** when the scan ran, as its report says (never later than its upload): evidence ages from here */
  scannedAt: Date;
  scannerDbBuiltAt: Date | null;
};

export type ScorecardSignals = {
  /** the latest scan of any kind or status; null when the service never reported */
  lastScanAt: Date | null;
  /** scans reported as failed in the last SIGNAL_WINDOW_DAYS */
  failedScans30d: number;
  /** deployments in the last SIGNAL_WINDOW_DAYS after the gate answered but never "allow" */
  gateBypasses30d: number;
  /** deployments in the last SIGNAL_WINDOW_DAYS of a commit the gate was never asked about */
  deploysWithoutGate30d: number;
  /** uploads in the last SIGNAL_WINDOW_DAYS that left out findings earlier reports of their commit listed */
  retractions30d?: number;
  /** when the daily intel sync is on: when each source was last imported (null: never) */
  intelSync?: { kevImportedAt: Date | null; epssImportedAt: Date | null } | null;
};

/** Open, unwaived findings whose vulnerability (or an alias) is on CISA KEV, per area. */
export type ExploitedCount = { area: RiskArea; open: number; cves: readonly string[] };

export type ScorecardInput = {
  now: Date;
  findings: readonly FindingCount[];
  postureChecks?: readonly PostureCheck[];
  evidence: readonly EvidenceItem[];
  signals: ScorecardSignals;
  /** open findings on CISA KEV (already counted in `findings`; this is the extra deduction) */
  exploited?: readonly ExploitedCount[];
  /** the SLA the counts in `findings` were computed with (the production policy's); shown in SLA deductions */
  slaDays?: SlaDaysBySeverity;
};

export type DeductionSource = "findings" | "sla" | "posture" | "freshness" | "signal" | "cap";

export type Deduction = {
  /** stable across runs ("findings:3:high", "cap:not-assessed"): what-changed compares on it */
  id: string;
  points: number;
  reason: string;
  area: RiskArea | null;
  source: DeductionSource;
};

export type AreaScore = {
  area: RiskArea;
  name: string;
  status: "assessed" | "not-assessed";
  /** null when not assessed */
  score: number | null;
  grade: Grade | null;
  /** why it is not assessed; null when assessed */
  notAssessedReason: string | null;
  evidence: { kinds: EvidenceKind[]; newestAt: string | null; ageDays: number | null; stale: boolean };
  open: Record<Severity, number>;
  deductions: Deduction[];
};

export type Cap = { id: string; grade: Grade; reason: string };

export type Scorecard = {
  version: number;
  computedAt: string;
  score: number;
  grade: Grade;
  /** the score before caps */
  uncappedScore: number;
  areas: AreaScore[];
  caps: Cap[];
  /** every area deduction and binding cap, largest first */
  deductions: Deduction[];
  openBySeverity: Record<Severity, number>;
};

// ---------- helpers ----------

/** Points n findings of one weight cost together: weight × (1 − rⁿ) / (1 − r). Works for fractional n. */
export function diminishing(weight: number, n: number): number {
  if (!(n > 0) || !(weight > 0)) return 0;
  return (weight * (1 - REPEAT_FACTOR ** n)) / (1 - REPEAT_FACTOR);
}

export function gradeOf(score: number): Grade {
  return (GRADE_THRESHOLDS.find((t) => score >= t.min) ?? GRADE_THRESHOLDS[GRADE_THRESHOLDS.length - 1]!).grade;
}

/** The highest score that still has this grade. */
export function topScoreOf(grade: Grade): number {
  const i = GRADE_THRESHOLDS.findIndex((t) => t.grade === grade);
  return i <= 0 ? 100 : GRADE_THRESHOLDS[i - 1]!.min - 1;
}

const gradeRank = (g: Grade) => GRADES.indexOf(g);

/** The moment before which a finding of this severity first seen is past its SLA; null: no SLA. */
export function slaCutoff(severity: Severity, now: Date, sla: SlaDaysBySeverity = SLA_DAYS): Date | null {
  const days = sla[severity];
  return days === null || days === undefined ? null : new Date(now.getTime() - days * DAY_MS);
}

export function isPastSla(severity: Severity, firstSeenAt: Date, now: Date, sla: SlaDaysBySeverity = SLA_DAYS): boolean {
  const cutoff = slaCutoff(severity, now, sla);
  return cutoff !== null && firstSeenAt.getTime() < cutoff.getTime();
}

/** Aggregates individual findings into the counts computeScorecard reads (waived ones are left out). */
export function countFindings(
  findings: readonly { severity: Severity; riskArea: RiskArea; firstSeenAt: Date; waived?: boolean }[],
  now: Date,
  sla: SlaDaysBySeverity = SLA_DAYS,
): FindingCount[] {
  const byKey = new Map<string, FindingCount>();
  for (const f of findings) {
    if (f.waived) continue;
    const key = `${f.riskArea}:${f.severity}`;
    const c = byKey.get(key) ?? { area: f.riskArea, severity: f.severity, open: 0, slaBreached: 0 };
    c.open += 1;
    if (isPastSla(f.severity, f.firstSeenAt, now, sla)) c.slaBreached += 1;
    byKey.set(key, c);
  }
  return [...byKey.values()].sort((a, b) => a.area - b.area || SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity));
}

const count = (n: number) => (Number.isFinite(n) && n > 0 ? Math.floor(n) : 0);
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
const cmpStr = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const zeroBySeverity = (): Record<Severity, number> => ({ critical: 0, high: 0, medium: 0, low: 0, info: 0 });
const kindsOf = (area: RiskArea) => EVIDENCE_KINDS.filter((k) => EVIDENCE_AREAS[k] === area);

export function formatDeduction(d: Pick<Deduction, "points" | "reason">): string {
  return `−${d.points}: ${d.reason}`;
}

// ---------- the formula ----------

export function computeScorecard(input: ScorecardInput): Scorecard {
  const now = input.now.getTime();
  const counts = aggregate(input.findings);
  const posture = [...(input.postureChecks ?? [])]
    .map((c) => ({ ...c, score: Math.min(10, Math.max(0, Number.isFinite(c.score) ? c.score : 0)) }))
    .sort((a, b) => a.score - b.score || cmpStr(a.name, b.name) || cmpStr(a.severity, b.severity));
  const evidence = input.evidence.filter((e) => e.status === "complete" && e.scannedAt.getTime() <= now);
  const openBySeverity = zeroBySeverity();

  const areas: AreaScore[] = [];
  // The score each area weighs in the overall score with; an area absent here does not weigh in.
  const weights = new Map<RiskArea, number>();
  // Evidence age of each assessed area.
  const ages = new Map<RiskArea, number>();
  for (const area of AREAS) {
    const deductions: Deduction[] = [];
    const open = zeroBySeverity();
    for (const severity of SEVERITIES) {
      const c = counts.get(`${area}:${severity}`);
      if (!c) continue;
      open[severity] += c.open;
      findingDeductions(deductions, area, severity, c, input.slaDays ?? SLA_DAYS);
    }
    if (area === 2) postureDeductions(deductions, posture, open);
    exploitedDeductions(deductions, area, input.exploited ?? []);
    for (const s of SEVERITIES) openBySeverity[s] += open[s];
    const knownPoints = sum(deductions);

    const kinds = kindsOf(area);
    const newest = area === 7 ? input.signals.lastScanAt : newestEvidence(evidence, area);
    const age = newest === null ? null : Math.max(0, now - newest.getTime());
    const assessed = age !== null && (area === 7 || age <= FRESHNESS.notAssessedAfterDays * DAY_MS);
    if (assessed && age !== null) ages.set(area, age);
    const stale = assessed && area !== 7 && age !== null && age > FRESHNESS.staleAfterDays * DAY_MS;
    if (stale) {
      deductions.push({
        id: `freshness:${area}`,
        points: FRESHNESS.stalePoints,
        reason: `newest ${AREA_LABELS[area]} evidence is ${Math.floor(age! / DAY_MS)} days old (stale after ${FRESHNESS.staleAfterDays})`,
        area,
        source: "freshness",
      });
    }
    if (area === 7 && assessed) signalDeductions(deductions, input, evidence);

    sortDeductions(deductions);
    const score = assessed ? Math.max(0, 100 - sum(deductions)) : null;
    if (score !== null) weights.set(area, score);
    // Findings already known in an unassessed area still count: letting evidence expire must never help.
    else if (knownPoints > 0) weights.set(area, Math.max(0, 100 - knownPoints));
    areas.push({
      area,
      name: RISK_AREAS[area],
      status: assessed ? "assessed" : "not-assessed",
      score,
      grade: score === null ? null : gradeOf(score),
      notAssessedReason: assessed ? null : notAssessedReason(area, newest, age),
      evidence: {
        kinds: [...kinds],
        newestAt: newest === null ? null : newest.toISOString(),
        ageDays: age === null ? null : Math.floor(age / DAY_MS),
        stale,
      },
      open,
      deductions,
    });
  }

  const scored = [...weights.values()];
  const caps: Cap[] = [];
  let uncapped: number;
  if (scored.length === 0) {
    uncapped = 0;
    caps.push({ id: "cap:no-evidence", grade: "F", reason: "no evidence in any risk area" });
  } else {
    const mean = scored.reduce((a, b) => a + b, 0) / scored.length;
    const worst = Math.min(...scored);
    uncapped = Math.round((1 - WORST_AREA_WEIGHT) * mean + WORST_AREA_WEIGHT * worst);
    const unassessed = areas.filter((a) => a.status === "not-assessed");
    if (unassessed.length > 0) {
      caps.push({
        id: "cap:not-assessed",
        grade: CAPS.notAssessed.grade,
        reason: `not assessed: ${unassessed.map((a) => AREA_LABELS[a.area]).join(", ")}`,
      });
    }
    const secretsAge = ages.get(4);
    if (secretsAge !== undefined && secretsAge > CAPS.noRecentSecretScan.days * DAY_MS) {
      caps.push({
        id: "cap:no-recent-secret-scan",
        grade: CAPS.noRecentSecretScan.grade,
        reason: `no secret scan in ${CAPS.noRecentSecretScan.days} days`,
      });
    }
    if (openBySeverity.critical > 0) {
      caps.push({
        id: "cap:open-critical",
        grade: CAPS.openCritical.grade,
        reason: `${plural(openBySeverity.critical, "open critical finding")}`,
      });
    }
  }
  // Strictest first; each cap takes only what the stricter ones left.
  caps.sort((a, b) => gradeRank(b.grade) - gradeRank(a.grade) || cmpStr(a.id, b.id));

  const deductions: Deduction[] = areas.flatMap((a) => a.deductions);
  let score = uncapped;
  if (scored.length === 0) {
    deductions.push({ id: "cap:no-evidence", points: 100, reason: "no evidence in any risk area", area: null, source: "cap" });
  } else {
    for (const cap of caps) {
      const points = Math.max(0, score - topScoreOf(cap.grade));
      if (points === 0) continue;
      score -= points;
      deductions.push({ id: cap.id, points, reason: `capped at ${cap.grade}: ${cap.reason}`, area: null, source: "cap" });
    }
  }
  sortDeductions(deductions);

  return {
    version: FORMULA_VERSION,
    computedAt: input.now.toISOString(),
    score,
    grade: gradeOf(score),
    uncappedScore: uncapped,
    areas,
    caps,
    deductions,
    openBySeverity,
  };
}

type Aggregate = { open: number; slaBreached: number; rules: Map<string, number> };

function aggregate(findings: readonly FindingCount[]): Map<string, Aggregate> {
  const out = new Map<string, Aggregate>();
  for (const f of findings) {
    if (!AREAS.includes(f.area) || !SEVERITIES.includes(f.severity)) continue;
    const key = `${f.area}:${f.severity}`;
    const c = out.get(key) ?? { open: 0, slaBreached: 0, rules: new Map<string, number>() };
    c.open += count(f.open);
    c.slaBreached += Math.min(count(f.slaBreached), count(f.open));
    if (f.rule) c.rules.set(f.rule, (c.rules.get(f.rule) ?? 0) + count(f.open));
    out.set(key, c);
  }
  return out;
}

/** "gate-missing ×2, action-unpinned": the rules behind a count, most frequent first (pipeline findings). */
function ruleList(rules: Map<string, number>): string {
  if (rules.size === 0) return "";
  const sorted = [...rules.entries()].sort((a, b) => b[1] - a[1] || cmpStr(a[0], b[0]));
  const named = sorted.slice(0, 3).map(([r, n]) => (n > 1 ? `${r} ×${n}` : r));
  if (sorted.length > 3) named.push(`${sorted.length - 3} more rules`);
  return ` (${named.join(", ")})`;
}

function findingDeductions(out: Deduction[], area: RiskArea, severity: Severity, c: Aggregate, sla: SlaDaysBySeverity): void {
  const points = Math.round(diminishing(SEVERITY_WEIGHTS[severity], c.open));
  if (points > 0) {
    out.push({
      id: `findings:${area}:${severity}`,
      points,
      reason: `${plural(c.open, `${severity} finding`)} in ${AREA_LABELS[area]}${ruleList(c.rules)}`,
      area,
      source: "findings",
    });
  }
  const late = Math.round(diminishing(SLA_WEIGHTS[severity], c.slaBreached));
  if (late > 0) {
    out.push({
      id: `sla:${area}:${severity}`,
      points: late,
      reason: `${plural(c.slaBreached, `${severity} finding`)} in ${AREA_LABELS[area]} past the ${sla[severity]}-day SLA`,
      area,
      source: "sla",
    });
  }
}

function exploitedDeductions(out: Deduction[], area: RiskArea, exploited: readonly ExploitedCount[]): void {
  const mine = exploited.filter((e) => e.area === area);
  const n = mine.reduce((a, e) => a + count(e.open), 0);
  const points = Math.round(diminishing(EXPLOITED_WEIGHT, n));
  if (points === 0) return;
  const cves = [...new Set(mine.flatMap((e) => e.cves))].sort(cmpStr);
  const named = cves.slice(0, 3).join(", ") + (cves.length > 3 ? `, ${cves.length - 3} more` : "");
  out.push({
    id: `exploited:${area}`,
    points,
    reason: `${plural(n, "open finding")} in ${AREA_LABELS[area]} on CISA's Known Exploited Vulnerabilities list${named ? ` (${named})` : ""}`,
    area,
    source: "findings",
  });
}

/** A check at s/10 counts as (10 − s)/10 of a finding of its risk level. */
function postureDeductions(out: Deduction[], checks: readonly PostureCheck[], open: Record<Severity, number>): void {
  for (const severity of SEVERITIES) {
    const failing = checks.filter((c) => c.severity === severity && c.score < 10);
    if (failing.length === 0) continue;
    open[severity] += failing.length;
    const weight = failing.reduce((a, c) => a + (10 - c.score) / 10, 0);
    const points = Math.round(diminishing(SEVERITY_WEIGHTS[severity], weight));
    if (points === 0) continue;
    const named = failing.slice(0, 3).map((c) => `${c.name} ${c.score}/10`);
    if (failing.length > 3) named.push(`${failing.length - 3} more`);
    out.push({
      id: `posture:${severity}`,
      points,
      reason: `${plural(failing.length, `${severity}-risk posture check`)} below 10/10: ${named.join(", ")}`,
      area: 2,
      source: "posture",
    });
  }
}

function signalDeductions(out: Deduction[], input: ScorecardInput, evidence: readonly EvidenceItem[]): void {
  const s = input.signals;
  const w = SIGNAL_WINDOW_DAYS;
  const push = (id: string, points: number, reason: string) => {
    const p = Math.round(points);
    if (p > 0) out.push({ id: `signal:${id}`, points: p, reason, area: 7, source: "signal" });
  };
  const overrides = count(s.gateBypasses30d);
  push(
    "gate-override",
    diminishing(SIGNAL_WEIGHTS.gateOverride, overrides),
    `${plural(overrides, "deployment")} the gate did not allow in the last ${w} days`,
  );
  const ungated = count(s.deploysWithoutGate30d);
  push(
    "ungated-deploy",
    diminishing(SIGNAL_WEIGHTS.ungatedDeploy, ungated),
    `${plural(ungated, "deployment")} without asking the gate in the last ${w} days`,
  );
  const failed = count(s.failedScans30d);
  push("failed-scan", diminishing(SIGNAL_WEIGHTS.failedScan, failed), `${plural(failed, "failed scan")} in the last ${w} days`);

  // One entry per tool: its latest scan that says how old its database was decides.
  const dbAge = new Map<string, number>();
  const latestFirst = [...evidence].sort((a, b) => b.scannedAt.getTime() - a.scannedAt.getTime() || cmpStr(a.tool, b.tool));
  for (const e of latestFirst) {
    if (e.scannerDbBuiltAt && !dbAge.has(e.tool))
      dbAge.set(e.tool, Math.max(0, e.scannedAt.getTime() - e.scannerDbBuiltAt.getTime()));
  }
  const stale = [...dbAge.entries()]
    .filter(([, age]) => age > SCANNER_DB_MAX_AGE_DAYS * DAY_MS)
    .sort((a, b) => b[1] - a[1] || cmpStr(a[0], b[0]));
  if (stale.length > 0) {
    const named = stale.slice(0, 3).map(([tool, age]) => `${tool} (${Math.floor(age / DAY_MS)} days)`);
    if (stale.length > 3) named.push(`${stale.length - 3} more`);
    push(
      "stale-scanner-db",
      diminishing(SIGNAL_WEIGHTS.staleScannerDb, stale.length),
      `${plural(stale.length, "tool")} scanned with a vulnerability database older than ${SCANNER_DB_MAX_AGE_DAYS} days: ${named.join(", ")}`,
    );
  }

  const retractions = count(s.retractions30d ?? 0);
  push(
    "retraction",
    diminishing(SIGNAL_WEIGHTS.retraction, retractions),
    `${plural(retractions, "upload")} left out findings an earlier report of the same commit had, in the last ${w} days`,
  );

  if (s.intelSync) {
    const limit = INTEL_STALE_DAYS * DAY_MS;
    const stale = (
      [
        ["KEV", s.intelSync.kevImportedAt],
        ["EPSS", s.intelSync.epssImportedAt],
      ] as const
    )
      .filter(([, at]) => at === null || input.now.getTime() - at.getTime() > limit)
      .map(([name, at]) =>
        at === null ? `${name} never imported` : `${name} ${Math.floor((input.now.getTime() - at.getTime()) / DAY_MS)} days old`,
      );
    if (stale.length > 0)
      push(
        "stale-intel",
        SIGNAL_WEIGHTS.staleIntel,
        `threat intelligence not refreshed in ${INTEL_STALE_DAYS} days with the daily sync on: ${stale.join(", ")}`,
      );
  }

  const last = s.lastScanAt;
  if (last) {
    const silent = input.now.getTime() - last.getTime();
    if (silent > SILENT_PIPELINE.afterDays * DAY_MS) {
      push(
        "silent-pipeline",
        SILENT_PIPELINE.points,
        `no scan received in ${Math.floor(silent / DAY_MS)} days: the pipeline stopped reporting`,
      );
    }
  }
}

function newestEvidence(evidence: readonly EvidenceItem[], area: RiskArea): Date | null {
  let newest: Date | null = null;
  for (const e of evidence) {
    if (!e.kinds.some((k) => EVIDENCE_AREAS[k] === area)) continue;
    if (newest === null || e.scannedAt.getTime() > newest.getTime()) newest = e.scannedAt;
  }
  return newest;
}

function notAssessedReason(area: RiskArea, newest: Date | null, age: number | null): string {
  if (area === 7) return "no scan received yet";
  const kinds = kindsOf(area).join(" or ");
  if (newest === null || age === null) return `no ${kinds} scan in the last ${FRESHNESS.notAssessedAfterDays} days`;
  return `the newest ${kinds} scan is ${Math.floor(age / DAY_MS)} days old (more than ${FRESHNESS.notAssessedAfterDays})`;
}

const sum = (ds: readonly Deduction[]) => ds.reduce((a, d) => a + d.points, 0);

function sortDeductions(ds: Deduction[]): void {
  ds.sort((a, b) => b.points - a.points || cmpStr(a.id, b.id));
}

// ---------- what changed ----------

export type ScorecardSummary = Pick<Scorecard, "score" | "grade" | "caps"> & {
  areas: readonly Pick<AreaScore, "area" | "name" | "status" | "score" | "deductions">[];
};

export type ScorecardChange = {
  scoreDelta: number;
  grade: { before: Grade; after: Grade };
  areas: { area: RiskArea; name: string; before: number | null; after: number | null }[];
  /** deductions that are new or cost more points now */
  worse: { id: string; reason: string; before: number; after: number }[];
  /** deductions that are gone or cost fewer points now */
  better: { id: string; reason: string; before: number; after: number }[];
  capsAdded: Cap[];
  capsRemoved: Cap[];
};

/** What changed between two scorecards (or two snapshots), for "what changed since last week". */
export function compareScorecards(before: ScorecardSummary, after: ScorecardSummary): ScorecardChange {
  const pointsOf = (s: ScorecardSummary) => {
    const m = new Map<string, { points: number; reason: string }>();
    for (const a of s.areas) for (const d of a.deductions) m.set(d.id, { points: d.points, reason: d.reason });
    return m;
  };
  const b = pointsOf(before);
  const a = pointsOf(after);
  const worse: ScorecardChange["worse"] = [];
  const better: ScorecardChange["better"] = [];
  for (const id of [...new Set([...b.keys(), ...a.keys()])].sort(cmpStr)) {
    const pb = b.get(id)?.points ?? 0;
    const pa = a.get(id)?.points ?? 0;
    const reason = (a.get(id) ?? b.get(id))!.reason;
    if (pa > pb) worse.push({ id, reason, before: pb, after: pa });
    else if (pa < pb) better.push({ id, reason, before: pb, after: pa });
  }
  const byDelta = (x: { before: number; after: number }, y: { before: number; after: number }) =>
    Math.abs(y.after - y.before) - Math.abs(x.after - x.before);
  worse.sort(byDelta);
  better.sort(byDelta);
  const areaChanges: ScorecardChange["areas"] = [];
  for (const area of AREAS) {
    const x = before.areas.find((r) => r.area === area);
    const y = after.areas.find((r) => r.area === area);
    const sb = x?.score ?? null;
    const sa = y?.score ?? null;
    if (sb !== sa) areaChanges.push({ area, name: RISK_AREAS[area], before: sb, after: sa });
  }
  const capIds = (s: ScorecardSummary) => new Set(s.caps.map((c) => `${c.id}|${c.reason}`));
  const cb = capIds(before);
  const ca = capIds(after);
  return {
    scoreDelta: after.score - before.score,
    grade: { before: before.grade, after: after.grade },
    areas: areaChanges,
    worse,
    better,
    capsAdded: after.caps.filter((c) => !cb.has(`${c.id}|${c.reason}`)),
    capsRemoved: before.caps.filter((c) => !ca.has(`${c.id}|${c.reason}`)),
  };
}
