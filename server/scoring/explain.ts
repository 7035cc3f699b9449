// The "How scoring works" page, generated from the formula's own constants so the page cannot drift from the code. Pure.
import type { Grade } from "../gate/policy";
import { RISK_AREAS, type RiskArea } from "../ingest/risk-area";
import { EVIDENCE_KINDS, SEVERITIES, type EvidenceKind, type Severity } from "../ingest/types";
import {
  AREA_LABELS,
  AREAS,
  CAPS,
  diminishing,
  EVIDENCE_AREAS,
  EXPLOITED_WEIGHT,
  INTEL_STALE_DAYS,
  FORMULA_VERSION,
  FRESHNESS,
  GRADE_THRESHOLDS,
  RATIONALE,
  REPEAT_FACTOR,
  SCANNER_DB_MAX_AGE_DAYS,
  SEVERITY_WEIGHTS,
  SIGNAL_WEIGHTS,
  SIGNAL_WINDOW_DAYS,
  SILENT_PIPELINE,
  SLA_DAYS,
  SLA_WEIGHTS,
  type SlaDaysBySeverity,
  topScoreOf,
  WORST_AREA_WEIGHT,
} from "./formula";

/** Finding counts the severity table shows the cost of. */
export const EXAMPLE_COUNTS = [1, 2, 5, 10] as const;

export type ScoringExplanation = {
  version: number;
  /** the whole formula in a few sentences */
  summary: string[];
  severities: {
    severity: Severity;
    /** points for 1, 2, 5 and 10 findings (EXAMPLE_COUNTS), and the most any number can cost */
    costs: { findings: number; points: number }[];
    atMost: number;
    slaDays: number | null;
    slaPoints: number;
  }[];
  repeatFactor: { value: number; why: string };
  severityWhy: string;
  sla: { why: string; weightsWhy: string; source: string };
  areas: { area: RiskArea; name: string; label: string; assessedBy: string; kinds: EvidenceKind[] }[];
  evidenceWhy: string;
  freshness: { staleAfterDays: number; stalePoints: number; notAssessedAfterDays: number; why: string };
  posture: string;
  signals: { id: string; label: string; points: string; why: string }[];
  signalWindow: { days: number; why: string };
  overall: { worstAreaWeight: number; text: string; why: string };
  grades: { grade: Grade; min: number; max: number }[];
  gradesWhy: string;
  caps: { id: string; grade: Grade; when: string; why: string }[];
  determinism: string;
};

const round = (n: number) => Math.round(n);
const pct = (n: number) => `${Math.round(n * 100)}%`;

/** `sla`: the production policy's SLA, which scorecards use (the gate's defaults when not given). */
export function explainScoring(sla: SlaDaysBySeverity = SLA_DAYS): ScoringExplanation {
  const r = REPEAT_FACTOR;
  return {
    version: FORMULA_VERSION,
    summary: [
      `Each of the 7 risk areas starts at 100 and loses points for open findings, findings past their SLA and stale evidence; it never goes below 0.`,
      `A finding whose vulnerability (or any alias) is on CISA's Known Exploited Vulnerabilities list costs ${EXPLOITED_WEIGHT} more points on top of its severity (diminishing like the rest). ${RATIONALE.exploitedWeight}`,
      `Findings the tool marked suppressed, and findings under an approved, unexpired waiver that covers the last stage (production), do not count.`,
      `Each further finding of the same severity in an area costs ${pct(r)} of the one before.`,
      `An area without evidence from the last ${FRESHNESS.notAssessedAfterDays} days is "not assessed": it has no score, and the best grade is ${CAPS.notAssessed.grade}.`,
      `The overall score is ${pct(WORST_AREA_WEIGHT)} the worst area and ${pct(1 - WORST_AREA_WEIGHT)} the average of the areas; caps then limit the best grade.`,
      `Formula version ${FORMULA_VERSION}: a change to any number below is a new version, and daily snapshots record which one made them.`,
    ],
    severities: SEVERITIES.map((severity) => ({
      severity,
      costs: EXAMPLE_COUNTS.map((n) => ({ findings: n, points: round(diminishing(SEVERITY_WEIGHTS[severity], n)) })),
      atMost: round(SEVERITY_WEIGHTS[severity] / (1 - r)),
      slaDays: sla[severity],
      slaPoints: SLA_WEIGHTS[severity],
    })),
    repeatFactor: { value: r, why: RATIONALE.repeatFactor },
    severityWhy: RATIONALE.severityWeights,
    sla: {
      why: RATIONALE.slaDays,
      weightsWhy: RATIONALE.slaWeights,
      source:
        "SLA days come from the production stage's policy in force (its sla rule), the same days the production gate checks.",
    },
    areas: AREAS.map((area) => {
      const kinds = EVIDENCE_KINDS.filter((k) => EVIDENCE_AREAS[k] === area);
      return {
        area,
        name: RISK_AREAS[area],
        label: AREA_LABELS[area],
        assessedBy: area === 7 ? "Gatehouse's own signals, once any scan was received" : kinds.join(", "),
        kinds: [...kinds],
      };
    }),
    evidenceWhy: RATIONALE.evidenceAreas,
    freshness: { ...FRESHNESS, why: RATIONALE.freshness },
    posture:
      `In area 2, a posture check (OpenSSF Scorecard and similar) scoring s out of 10 counts as (10 − s)/10 of a finding ` +
      `of its risk level: a check at 7/10 weighs 0.3 of a finding, a check at 10/10 nothing. ` +
      `Findings in the pipeline definitions themselves (Gatehouse's own checks of GitHub Actions workflows and .gitlab-ci.yml, ` +
      `zizmor, poutine) count as findings of their severity, and each deduction names the rules behind it ` +
      `(e.g. gate-missing: a deploy that never asks the gate). ${RATIONALE.pipelineFindings}`,
    signals: [
      {
        id: "gate-override",
        label: `Deployment after the gate answered but never allowed it`,
        points: `${SIGNAL_WEIGHTS.gateOverride} for the first`,
        why: RATIONALE.gateOverride,
      },
      {
        id: "ungated-deploy",
        label: "Deployment of a commit the gate was never asked about",
        points: `${SIGNAL_WEIGHTS.ungatedDeploy} for the first`,
        why: RATIONALE.ungatedDeploy,
      },
      {
        id: "failed-scan",
        label: "Scan the scanner reported as failed",
        points: `${SIGNAL_WEIGHTS.failedScan} for the first`,
        why: RATIONALE.failedScan,
      },
      {
        id: "retraction",
        label: "Upload that left out findings an earlier report of the same commit listed",
        points: `${SIGNAL_WEIGHTS.retraction} for the first`,
        why: RATIONALE.retraction,
      },
      {
        id: "stale-scanner-db",
        label: `Tool whose latest scan used a vulnerability database more than ${SCANNER_DB_MAX_AGE_DAYS} days old`,
        points: `${SIGNAL_WEIGHTS.staleScannerDb} for the first`,
        why: RATIONALE.staleScannerDb,
      },
      {
        id: "stale-intel",
        label: `KEV or EPSS data not refreshed for more than ${INTEL_STALE_DAYS} days while the daily intel sync is on`,
        points: `${SIGNAL_WEIGHTS.staleIntel}`,
        why: RATIONALE.staleIntel,
      },
      {
        id: "silent-pipeline",
        label: `No scan at all for more than ${SILENT_PIPELINE.afterDays} days`,
        points: `${SILENT_PIPELINE.points}`,
        why: RATIONALE.silentPipeline,
      },
    ],
    signalWindow: { days: SIGNAL_WINDOW_DAYS, why: RATIONALE.signalWindow },
    overall: {
      worstAreaWeight: WORST_AREA_WEIGHT,
      text:
        `overall = ${1 - WORST_AREA_WEIGHT} × (average of the area scores) + ${WORST_AREA_WEIGHT} × (worst area score), rounded. ` +
        `A not-assessed area has no score, but findings already known in it still count. A service with no evidence at all scores 0.`,
      why: RATIONALE.worstAreaWeight,
    },
    grades: GRADE_THRESHOLDS.map((t) => ({ grade: t.grade, min: t.min, max: topScoreOf(t.grade) })),
    gradesWhy: RATIONALE.gradeThresholds,
    caps: [
      {
        id: "cap:not-assessed",
        grade: CAPS.notAssessed.grade,
        when: "any risk area is not assessed",
        why: RATIONALE.notAssessed,
      },
      {
        id: "cap:no-recent-secret-scan",
        grade: CAPS.noRecentSecretScan.grade,
        when: `the newest secret scan is more than ${CAPS.noRecentSecretScan.days} days old`,
        why: RATIONALE.noRecentSecretScan,
      },
      {
        id: "cap:open-critical",
        grade: CAPS.openCritical.grade,
        when: "any critical finding is open",
        why: RATIONALE.openCritical,
      },
      { id: "cap:no-evidence", grade: "F", when: "no risk area has any evidence", why: RATIONALE.noEvidence },
    ],
    determinism:
      "The score is computed by pure code from counts of open findings, the latest evidence per tool and Gatehouse's own records: " +
      "the same inputs always give the same score, and every point lost is listed with its reason.",
  };
}
