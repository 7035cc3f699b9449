// Posture findings → the one finding model, with fingerprints that survive unrelated edits. Pure.
import type { ParseContext, ParsedReport, RawFinding } from "../ingest/types";
import { POSTURE_RULES, type PostureFinding } from "./rules";

/** Version of Gatehouse's pipeline rules: reported as the tool version. */
export const POSTURE_RULES_VERSION = "1";

const TOKEN_LIKE =
  /\b(gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|glpat-[A-Za-z0-9_-]{16,}|xox[abpr]-[A-Za-z0-9-]{10,}|AKIA[0-9A-Z]{16}|sk_(live|test)_[A-Za-z0-9]{10,}|gth_[A-Za-z0-9_]{10,})/g;
const ASSIGNED =
  /\b(token|password|passwd|secret|api[_-]?key|authorization:\s*(bearer|token))(\s*[=:]\s*|\s+)(["']?)([^\s"'$][^\s"']{5,})/gi;

/** Literal credentials in a workflow's text are masked before anything is kept. */
export function scrub(text: string): string {
  return text
    .replace(TOKEN_LIKE, (m) => `${m.slice(0, 4)}…`)
    .replace(ASSIGNED, (_m, k: string, _b, sep: string, q: string, val: string) => `${k}${sep}${q}${val.slice(0, 2)}…`);
}

export type PipelineFile = { platform: "github-actions" | "gitlab-ci"; file: string | undefined; identity: string };

/** Gatehouse's own pipeline rules, as the tool that reports them. */
export const PIPELINE_TOOL = "gatehouse-pipeline";

export function toRawFinding(f: PostureFinding, p: PipelineFile, ctx: ParseContext): RawFinding {
  const rule = POSTURE_RULES[f.rule];
  // Identity without line numbers: rule, job, step and the offending expression.
  const identity = [f.rule, f.job ?? "", f.step ?? "", f.evidence].join("\u0000");
  const evidence = scrub(f.evidence).slice(0, 300);
  return {
    kind: "posture",
    ruleId: f.rule,
    title: `${rule.title}${f.job ? ` (${f.job}${f.step ? ` › ${f.step}` : ""})` : ""}`.slice(0, 200),
    description: scrub(f.message).slice(0, 1000),
    severity: f.severity,
    aliases: [],
    cwes: [],
    location: {
      ...(p.file ? { file: p.file } : {}),
      ...(f.line ? { startLine: f.line } : {}),
      snippetHash: ctx.hash(identity),
    },
    remediation: rule.remediation,
    references: [`docs/rules/pipeline-posture.md#${f.rule}`],
    properties: {
      platform: p.platform,
      ...(f.job ? { job: f.job.slice(0, 200) } : {}),
      ...(f.step ? { step: scrub(f.step).slice(0, 200) } : {}),
      evidence,
      ...(rule.gateWiring ? { gateWiring: true } : {}),
    },
  };
}

export function postureReport(
  format: "github-actions" | "gitlab-ci",
  p: PipelineFile,
  findings: PostureFinding[],
  ctx: ParseContext,
  warnings: string[],
): ParsedReport {
  const tool = { name: PIPELINE_TOOL, version: POSTURE_RULES_VERSION };
  const raw = findings.map((f) => toRawFinding(f, p, ctx));
  // Each file is its own lifecycle (category and target): uploading ci.yml never closes deploy.yml's findings.
  return {
    format,
    tool,
    parts: [{ tool, category: p.identity, succeeded: true, findings: raw }],
    evidence: ["posture"],
    ...(p.file ? { target: p.file } : {}),
    warnings,
  };
}
