// When time alone may next change a stage's answer: an SLA deadline, an evidence age limit or a waiver expiry.
// Pure. The re-check sweep looks again at a stage once that moment has passed (and hourly in any case).
import type { GateInput } from "../gate/types";
import { DEFAULT_SLA_DAYS, type Policy, type SlaSeverity } from "../gate/policy";

const DAY_MS = 86_400_000;

/** The earliest moment after input.now at which re-evaluating could give another answer, or null if none is known. */
export function nextTimeChange(input: GateInput, policy: Policy): Date | null {
  const now = input.now.getTime();
  let next = Infinity;
  const consider = (t: number) => {
    if (t > now && t < next) next = t;
  };
  const r = policy.rules;
  if (r.sla) {
    const sla: Record<SlaSeverity, number> = { ...DEFAULT_SLA_DAYS, ...r.sla.days };
    // Breached once open longer than the limit: strictly after firstSeen + limit.
    for (const f of input.findings) if (f.severity !== "info") consider(f.firstSeenAt.getTime() + sla[f.severity] * DAY_MS + 1);
  }
  for (const rule of r.requiredEvidence ?? []) {
    if (rule.maxAgeDays === undefined) continue;
    for (const e of input.evidence) if (e.status === "complete") consider(e.scannedAt.getTime() + rule.maxAgeDays * DAY_MS + 1);
  }
  if (r.maxScannerDbAgeDays)
    for (const e of input.evidence)
      if (e.scannerDbBuiltAt) consider(e.scannerDbBuiltAt.getTime() + r.maxScannerDbAgeDays.days * DAY_MS + 1);
  // A waiver expiring exactly at t no longer applies at t.
  for (const w of input.waivers) if (w.expiresAt) consider(w.expiresAt.getTime());
  return Number.isFinite(next) ? new Date(next) : null;
}
