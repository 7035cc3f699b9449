import { SeverityBadge } from "@/components/ui/badges";
import { AREA_SHORT } from "@/components/ui/format";
import { DEFAULT_SLA_DAYS, type Policy, type RuleMode } from "@/server/gate/policy";

const EVIDENCE_LABEL: Record<string, string> = {
  sast: "SAST (code scanning)",
  sca: "SCA (dependency scanning)",
  sbom: "SBOM",
  "sca-or-sbom": "SCA or an SBOM",
  secrets: "secret scanning",
  iac: "infrastructure-as-code scanning",
  container: "container image scanning",
  dast: "DAST",
  posture: "posture checks",
  config: "configuration checks",
};

/** "blocks" or "warns", by icon and word (never by colour alone). */
export function ModeBadge({ mode }: { mode: RuleMode }) {
  return mode === "fail" ? (
    <span className="inline-flex shrink-0 items-center gap-1 rounded border border-red-400 bg-red-50 px-1.5 py-0.5 text-xs font-semibold text-red-900">
      <span aria-hidden="true">✕</span> blocks
    </span>
  ) : (
    <span className="inline-flex shrink-0 items-center gap-1 rounded border border-amber-400 bg-amber-50 px-1.5 py-0.5 text-xs font-semibold text-amber-900">
      <span aria-hidden="true">!</span> warns
    </span>
  );
}

type Rule = { key: string; mode: RuleMode; text: React.ReactNode };

const days = (n: number) => `${n} ${n === 1 ? "day" : "days"}`;

/** The rules of a policy in plain words, in the order the gate reports its checks. */
function rulesOf(policy: Policy): Rule[] {
  const r = policy.rules;
  const out: Rule[] = [];
  for (const m of r.maxFindings ?? [])
    out.push({
      key: `max-${m.severity}-${m.area ?? ""}`,
      mode: m.mode,
      text: (
        <>
          At most <strong>{m.max}</strong> open {m.max === 1 ? "finding" : "findings"} of severity{" "}
          <SeverityBadge severity={m.severity} /> or worse
          {m.area ? ` in ${AREA_SHORT[m.area] ?? `area ${m.area}`}` : ""}
        </>
      ),
    });
  if (r.noSecrets) out.push({ key: "secrets", mode: r.noSecrets.mode, text: "No leaked secrets" });
  for (const e of r.requiredEvidence ?? [])
    out.push({
      key: `evidence-${e.kind}`,
      mode: e.mode,
      text: `Evidence of ${EVIDENCE_LABEL[e.kind] ?? e.kind}${e.maxAgeDays ? `, at most ${days(e.maxAgeDays)} old` : ""}`,
    });
  if (r.maxScannerDbAgeDays)
    out.push({
      key: "scanner-db",
      mode: r.maxScannerDbAgeDays.mode,
      text: `Scanner vulnerability database at most ${days(r.maxScannerDbAgeDays.days)} old (when the scanner reports it)`,
    });
  if (r.sla) {
    const sla = { ...DEFAULT_SLA_DAYS, ...r.sla.days };
    out.push({
      key: "sla",
      mode: r.sla.mode,
      text: `No open finding past its fix deadline (critical ${days(sla.critical)}, high ${days(sla.high)}, medium ${days(sla.medium)}, low ${days(sla.low)})`,
    });
  }
  if (r.previousStage)
    out.push({
      key: "previous",
      mode: r.previousStage.mode,
      text: `The same build passed the gate at ${r.previousStage.stage ? `“${r.previousStage.stage}”` : "the previous stage"} first`,
    });
  if (r.artifactBinding)
    out.push({ key: "artifact", mode: r.artifactBinding.mode, text: "Evidence is bound to the artifact digest being promoted" });
  if (r.minScorecardGrade)
    out.push({
      key: "grade",
      mode: r.minScorecardGrade.mode,
      text: `Scorecard grade ${r.minScorecardGrade.grade} or better`,
    });
  if (r.blockKnownExploited)
    out.push({
      key: "kev",
      mode: r.blockKnownExploited.mode,
      text: "No open finding on CISA's Known Exploited Vulnerabilities catalog (named with CISA's due date)",
    });
  return out;
}

/** A policy as a list of rules a developer can read; the raw document is shown next to it. */
export function PolicySummary({ policy }: { policy: Policy }) {
  const rules = rulesOf(policy);
  return (
    <div className="space-y-3">
      {policy.description ? <p className="text-sm text-slate-700">{policy.description}</p> : null}
      {rules.length === 0 ? (
        <p className="text-sm text-slate-600">This policy has no rules: the gate allows every build.</p>
      ) : (
        <ul className="divide-y divide-slate-100 text-sm" aria-label="Rules">
          {rules.map((r) => (
            <li key={r.key} className="flex items-start gap-3 py-2">
              <ModeBadge mode={r.mode} />
              <span className="text-slate-800">{r.text}</span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
