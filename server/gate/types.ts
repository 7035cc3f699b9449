// The data the pure gate evaluator reads and the answer it gives. No database, env or clock here.
import type { EvidenceKind, FindingKind, Severity } from "../ingest/types";

export type GateFinding = {
  id: string;
  fingerprint: string;
  /** fingerprints of findings merged into this one: waivers naming them still apply */
  mergedFingerprints?: string[];
  severity: Severity;
  riskArea: number;
  kind: FindingKind;
  ruleId: string;
  title: string;
  vulnerabilityId: string | null;
  aliases: string[];
  /** when the finding was first seen in this service: the SLA clock starts here */
  firstSeenAt: Date;
  /** fixed versions, file, package: for remediation text */
  packageName: string | null;
  packageVersion: string | null;
  fixedVersions: string[];
  file: string | null;
  /** its CISA KEV entry (through its id or any alias), when the policy asks about known exploited vulnerabilities */
  kev?: { cveId: string; dateAdded: string; dueDate: string } | null;
};

export type GateWaiver = {
  id: string;
  /** what it covers */
  match: { type: "fingerprint" | "vulnerability" | "rule"; value: string };
  kind: "waiver" | "false_positive";
  reason: string;
  /** null: never expires (false positives) */
  expiresAt: Date | null;
};

/** One scan uploaded for the evaluated commit (complete or failed): every one counts, newest or not. */
export type GateEvidence = {
  scanId: string;
  tool: string;
  kinds: EvidenceKind[];
  status: "complete" | "failed";
  receivedAt: Date;
  /** when the scan ran, as its report says (never later than receivedAt): freshness is measured from here */
  scannedAt: Date;
  scannerDbBuiltAt: Date | null;
  /** the artifact digest the scan was uploaded for, if any */
  artifact: string | null;
};

export type PreviousStageResult = {
  stage: string;
  /** the latest decision at that stage for the same commit (and artifact when given), if any */
  decision: { id: string; decision: "allow" | "block"; artifact: string | null; evaluatedAt: Date } | null;
};

export type GateInput = {
  now: Date;
  stage: string;
  commit: string;
  artifact: string | null;
  /** every finding any scan of the commit reported unsuppressed, within the artifact binding (deduplicated), before waivers */
  findings: GateFinding[];
  /** waivers that are active for this service and stage (the evaluator still checks expiry against now) */
  waivers: GateWaiver[];
  evidence: GateEvidence[];
  /** null when the stage is the first, or the policy does not ask */
  previousStage: PreviousStageResult | null;
  /** the service's scorecard grade (A–F) when known */
  scorecardGrade: string | null;
  /** the imported KEV catalog (null: never imported), when the policy asks about known exploited vulnerabilities */
  kevCatalog?: { version: string | null; importedAt: Date } | null;
};

export type CheckStatus = "pass" | "fail" | "warn";

export type GateCheck = {
  id: string;
  title: string;
  status: CheckStatus;
  actual: string | number | boolean | null;
  threshold: string | number | boolean | null;
  /** ids of the findings behind a failing/warning check (at most 100) */
  findings: string[];
  message: string;
  /** what would unblock it: empty when the check passes */
  remediation: string;
};

export type GateEvaluation = {
  decision: "allow" | "block";
  checks: GateCheck[];
  /** ids of waivers that removed at least one finding */
  waiversApplied: string[];
  /** ids of the scans used as evidence */
  evidence: string[];
};
