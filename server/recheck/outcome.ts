// What a re-check's answer amounts to, to record a new decision only when it differs. Pure.
import type { GateCheck } from "../gate/types";

/** The decision, the policy version and each check's verdict with its findings; ages and counts alone do not count. */
export function outcomeKey(
  decision: string,
  policyVersion: number,
  checks: Pick<GateCheck, "id" | "status" | "findings">[],
): string {
  return JSON.stringify([decision, policyVersion, checks.map((c) => [c.id, c.status, c.status === "pass" ? [] : c.findings])]);
}

export type CheckSummary = Pick<GateCheck, "id" | "title" | "message" | "remediation" | "findings">;

/** The failing checks as events and the stage status show them: what failed and what would fix it. */
export const failingChecks = (checks: GateCheck[]): CheckSummary[] =>
  checks
    .filter((c) => c.status === "fail")
    .map(({ id, title, message, remediation, findings }) => ({ id, title, message, remediation, findings }));
