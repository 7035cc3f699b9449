// Which of the seven CI/CD risk areas a finding belongs to: one table, by evidence kind and rule.
import type { FindingKind } from "./types";

export const RISK_AREAS = {
  1: "Vulnerable or malicious code",
  2: "Unprotected CI/CD systems and workstations",
  3: "Vulnerable dependencies and images",
  4: "Secrets and credentials",
  5: "Insecure cloud and infrastructure as code",
  6: "Insecure defaults and attack surface",
  7: "Missing security logging and monitoring",
} as const;
export type RiskArea = keyof typeof RISK_AREAS;

/** The area of each kind of evidence. */
export const KIND_AREA: Record<FindingKind, RiskArea> = {
  code: 1, // SAST
  posture: 2, // pipeline posture (OpenSSF Scorecard, CI workflow checks)
  dependency: 3, // SCA and image scans
  license: 3,
  secret: 4, // secret scanners
  iac: 5, // IaC checks
  dast: 6, // DAST: exposed attack surface
  config: 6, // insecure defaults of images and hosts
};

// IaC and configuration checks about audit logging, trails and monitoring are area 7, whatever tool found them.
const LOGGING_RULE =
  /\b(logging|logs?|audit(ing)?|cloudtrail|trail|flow[ _-]?logs?|monitor(ing)?|alert(ing)?|diagnostic settings?)\b/i;
const LOGGING_KINDS: ReadonlySet<FindingKind> = new Set(["iac", "config"]);

export function riskAreaOf(f: { kind: FindingKind; ruleId: string; title: string }): RiskArea {
  if (LOGGING_KINDS.has(f.kind) && (LOGGING_RULE.test(f.title) || LOGGING_RULE.test(f.ruleId))) return 7;
  return KIND_AREA[f.kind];
}
