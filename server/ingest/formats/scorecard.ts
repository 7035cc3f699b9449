// OpenSSF Scorecard JSON (`scorecard --format json`, checks[]) and probe format (`--format probe`, findings[]).
import {
  ReportSchemaError,
  type Document,
  type FormatModule,
  type ParseContext,
  type ParsedReport,
  type RawFinding,
  type Severity,
} from "../types";
import { isObj, line, normalizePath, num, type Obj, parseTimestamp, reportMetadata, str, titleFrom } from "../util";

const FORMAT = "scorecard" as const;

/** Each check's risk as Scorecard documents it (docs/checks/internal/checks.yaml). */
const CHECK_RISK: Record<string, Severity> = {
  "Dangerous-Workflow": "critical",
  Webhooks: "critical",
  "Binary-Artifacts": "high",
  "Branch-Protection": "high",
  "Code-Review": "high",
  "Dependency-Update-Tool": "high",
  Maintained: "high",
  "Signed-Releases": "high",
  "Token-Permissions": "high",
  Vulnerabilities: "high",
  Fuzzing: "medium",
  Packaging: "medium",
  "Pinned-Dependencies": "medium",
  SAST: "medium",
  SBOM: "medium",
  "Security-Policy": "medium",
  "CI-Tests": "low",
  "CII-Best-Practices": "low",
  Contributors: "low",
  License: "low",
};

/**
 * Probes whose True outcome is the bad one (def.yml `remediation.onOutcome: True`). For every other
 * probe, and for the pre-v5 "Negative"/"Positive" outcomes, the negative/False outcome is the finding.
 */
const BAD_WHEN_TRUE = new Set([
  "archived",
  "createdRecently",
  "hasBinaryArtifacts",
  "hasUnverifiedBinaryArtifacts",
  "hasDangerousWorkflowScriptInjection",
  "hasDangerousWorkflowUntrustedCheckout",
  "hasOSVVulnerabilities",
  "hasSelfHostedRunners",
]);

function detect(doc: Document): boolean {
  if (doc.type !== "json" || !isObj(doc.value)) return false;
  const v = doc.value;
  return (
    isObj(v.scorecard) && "version" in v.scorecard && isObj(v.repo) && (Array.isArray(v.checks) || Array.isArray(v.findings))
  );
}

function parse(doc: Document, ctx: ParseContext): ParsedReport {
  if (doc.type !== "json" || !isObj(doc.value)) throw new ReportSchemaError(FORMAT, "$", "expected a Scorecard report object");
  const v = doc.value;
  const findings: RawFinding[] = [];
  const warnings: string[] = [];
  const repo = isObj(v.repo) ? str(v.repo.name) : undefined;
  if (v.checks !== undefined && v.checks !== null) {
    if (!Array.isArray(v.checks)) throw new ReportSchemaError(FORMAT, "checks", "expected an array");
    v.checks.forEach((c, i) => {
      if (!isObj(c)) throw new ReportSchemaError(FORMAT, `checks[${i}]`, "expected an object");
      const f = checkFinding(c, repo, warnings);
      if (f) findings.push(f);
    });
  }
  if (v.findings !== undefined && v.findings !== null) {
    if (!Array.isArray(v.findings)) throw new ReportSchemaError(FORMAT, "findings", "expected an array");
    v.findings.forEach((p, i) => {
      if (!isObj(p)) throw new ReportSchemaError(FORMAT, `findings[${i}]`, "expected an object");
      const f = probeFinding(p, repo, ctx);
      if (f) findings.push(f);
    });
  }
  const version = isObj(v.scorecard) ? str(v.scorecard.version) : undefined;
  const tool = { name: "scorecard", ...(version ? { version } : {}) };
  return {
    format: FORMAT,
    tool,
    parts: [{ tool, succeeded: true, findings }],
    evidence: ["posture"],
    // `date` is the run's date (a day only in older versions: midnight UTC); the repository is the target.
    ...reportMetadata({ generatedAt: parseTimestamp(v.date), target: repo }),
    warnings,
  };
}

/** A check scoring 0..9 is a finding; 10 is a pass and -1 is inconclusive. */
function checkFinding(c: Obj, repo: string | undefined, warnings: string[]): RawFinding | undefined {
  const name = str(c.name) ?? "unknown";
  const score = num(c.score);
  if (score === undefined || score >= 10) return undefined;
  if (score < 0) {
    warnings.push(`Scorecard check ${name} was inconclusive and is not reported.`);
    return undefined;
  }
  const doc = isObj(c.documentation) ? c.documentation : {};
  const risk = CHECK_RISK[name];
  const f: RawFinding = {
    kind: "posture",
    ruleId: name,
    title: str(doc.short) ? `${name}: ${str(doc.short)}` : name,
    // Checks not in Scorecard's documented risk table get medium.
    severity: risk ?? "medium",
    aliases: [],
    cwes: [],
    properties: { score, ...(repo ? { repo } : {}) },
  };
  if (!risk) f.severityDefaulted = true;
  const reason = str(c.reason);
  const details = Array.isArray(c.details) ? c.details.map((d) => titleFrom(d, 300)).filter((d): d is string => !!d) : [];
  const lines = [...(reason ? [reason] : []), ...details.slice(0, 4)];
  if (details.length > 4) lines.push(`… and ${details.length - 4} more`);
  if (lines.length > 0) f.description = lines.join("\n");
  const url = str(doc.url);
  if (url) f.references = [url];
  // Maintainer annotations (scorecard.yml) explain why a check's result is accepted: kept, but suppressed.
  const annotations = Array.isArray(c.annotations) ? c.annotations.map((a) => str(a)).filter((a): a is string => !!a) : [];
  if (annotations.length > 0) {
    f.suppressed = true;
    f.properties = { ...f.properties, annotation: annotations.join(" ").slice(0, 300) };
  }
  return f;
}

function isBadOutcome(probe: string, outcome: unknown): boolean {
  // Probe outcomes: "True"/"False" (v5), "Negative"/"Positive" (v4), or the v4 numeric enum (0 = negative).
  if (outcome === 0) return true;
  const o = str(outcome)?.toLowerCase();
  if (o === "negative") return true;
  if (o === "true") return BAD_WHEN_TRUE.has(probe);
  if (o === "false") return !BAD_WHEN_TRUE.has(probe);
  return false;
}

function probeFinding(p: Obj, repo: string | undefined, ctx: ParseContext): RawFinding | undefined {
  const probe = str(p.probe) ?? "unknown";
  if (!isBadOutcome(probe, p.outcome)) return undefined;
  const message = str(p.message);
  const f: RawFinding = {
    kind: "posture",
    ruleId: probe,
    title: titleFrom(message) ?? probe,
    // Probe results carry no risk level; medium is the default.
    severity: "medium",
    severityDefaulted: true,
    aliases: [],
    cwes: [],
    properties: { outcome: String(p.outcome), ...(repo ? { repo } : {}) },
  };
  if (message) f.description = titleFrom(message, 1000);
  const loc = isObj(p.location) ? p.location : undefined;
  if (loc) {
    // Location type 4 is a URL, not a file in the repository.
    const path = str(loc.path);
    const isUrl = num(loc.type) === 4 || /^https?:\/\//i.test(path ?? "");
    const startLine = line(loc.lineStart);
    const endLine = line(loc.lineEnd);
    const snippet = str(loc.snippet);
    f.location = {
      ...(path ? (isUrl ? { url: path } : { file: normalizePath(path) }) : {}),
      ...(startLine ? { startLine } : {}),
      ...(endLine ? { endLine } : {}),
      ...(snippet ? { snippetHash: ctx.hash(snippet) } : {}),
    };
  }
  const remediation = isObj(p.remediation) ? str(p.remediation.text) : undefined;
  if (remediation) f.remediation = remediation.slice(0, 1000);
  return f;
}

export const scorecardFormat: FormatModule<"scorecard"> = { id: FORMAT, name: "OpenSSF Scorecard JSON", detect, parse };
