// What a tool finds, by its name, and what evidence each kind of finding is: the one table for every format that
// carries other tools' results (SARIF runs, GitHub code-scanning alerts) and the one kind → evidence map.
import type { EvidenceKind, FindingKind } from "../types";

/** The evidence a finding of each kind gives a scan (the gate's "required evidence" rules use it). */
export const EVIDENCE_OF_KIND: Readonly<Record<FindingKind, EvidenceKind>> = {
  code: "sast",
  dependency: "sca",
  secret: "secrets",
  iac: "iac",
  dast: "dast",
  config: "config",
  posture: "posture",
  license: "sca",
};

/** The evidence of these kinds, each once, in first-seen order. */
export function evidenceFor(kinds: Iterable<FindingKind>): EvidenceKind[] {
  return [...new Set([...kinds].map((k) => EVIDENCE_OF_KIND[k]))];
}

export type ToolClass = { kind: FindingKind; evidence: EvidenceKind[] };

type Row = readonly [pattern: string | RegExp, kind: FindingKind, evidence?: EvidenceKind[]];

/**
 * Tool name (a lower-case substring, or a pattern) → the kind of finding it reports, and its evidence when that is
 * more than the kind's own. First match wins, so the more specific names come first.
 */
const TOOL_KINDS: readonly Row[] = [
  // infrastructure as code
  ["snyk infrastructure as code", "iac"],
  ["checkov", "iac"],
  ["kics", "iac"],
  ["tfsec", "iac"],
  ["terrascan", "iac"],
  ["hadolint", "iac"],
  [/kube-?linter/, "iac"],
  ["kubesec", "iac"],
  ["defsec", "iac"],
  [/trivy.*config|misconfig/, "iac"],
  // dependencies (SCA); Trivy also mixes misconfigurations and secrets, decided per rule by each format
  [/snyk.*container/, "dependency", ["sca", "container"]],
  [/snyk.*open source/, "dependency"],
  ["semgrep supply chain", "dependency"],
  ["trivy", "dependency"],
  ["anchore container", "dependency", ["sca", "container"]],
  ["grype", "dependency"],
  ["anchore", "dependency"],
  ["osv", "dependency"], // osv-scanner
  [/dependency.?check/, "dependency"],
  ["dependency-track", "dependency"],
  ["govulncheck", "dependency"],
  ["npm audit", "dependency"],
  ["dependabot", "dependency"],
  ["black duck", "dependency"],
  ["blackduck", "dependency"],
  ["retire", "dependency"],
  [/\bmend\b|whitesource/, "dependency"],
  ["xray", "dependency"],
  // secrets
  ["gitleaks", "secret"],
  ["trufflehog", "secret"],
  ["secretlint", "secret"],
  ["detect-secrets", "secret"],
  ["ggshield", "secret"],
  ["secret", "secret"], // "… secret scanning", "semgrep secrets"
  // running applications
  ["zap", "dast"], // also zaproxy
  ["burp", "dast"],
  ["nuclei", "dast"],
  ["stackhawk", "dast"],
  ["mapi", "dast"], // Mayhem for API
  ["mayhem for api", "dast"],
  // posture and image configuration
  ["scorecard", "posture"],
  ["zizmor", "posture"],
  ["poutine", "posture"],
  ["dockle", "config"],
  // first-party code (also what formats assume for tools not listed)
  ["snykcode", "code"],
  ["snyk code", "code"],
  ["codeql", "code"],
  ["lgtm", "code"],
  ["semmle", "code"],
  ["semgrep", "code"],
  ["eslint", "code"],
  ["bandit", "code"],
  ["pylint", "code"],
  ["flawfinder", "code"],
  ["cppcheck", "code"],
  ["clang", "code"],
  ["roslyn", "code"],
  ["compiler", "code"],
  ["msbuild", "code"],
  ["binskim", "code"],
  ["gosec", "code"],
  ["sonar", "code"],
  ["devskim", "code"],
  ["spotbugs", "code"],
  ["fortify", "code"],
  ["mobsfscan", "code"],
  ["nodejsscan", "code"],
  ["shell script analysis", "code"],
  ["shellcheck", "code"],
  ["mayhem", "code"],
];

/** What a tool of this name finds, or undefined for a tool the table does not know. */
export function classifyTool(name: string | undefined): ToolClass | undefined {
  const n = name?.toLowerCase();
  if (!n) return undefined;
  const hit = TOOL_KINDS.find(([p]) => (typeof p === "string" ? n.includes(p) : p.test(n)));
  return hit ? { kind: hit[1], evidence: hit[2] ?? [EVIDENCE_OF_KIND[hit[1]]] } : undefined;
}
