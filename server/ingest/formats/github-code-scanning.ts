// GitHub code-scanning alerts: the REST list (`GET /repos/…/code-scanning/alerts`) and webhook payloads.
import type { Document, FindingKind, FormatModule, ParseContext, ParsedReport, RawFinding, ReportPart, ToolInfo } from "../types";
import { findVulnId, isObj, line, normalizePath, parseCwes, plainText, str, titleFrom, type Obj } from "../util";
import { gh, restOrWebhookAlerts, webhookAlert, webhookCategory } from "./github-dependabot";
import { classifyTool, evidenceFor } from "./tool-kinds";
import { compact, compactProps, pickVulnIds, references, severityOrScore, toolVersion } from "./trivy-json";

const FORMAT = "github-code-scanning" as const;

const isRestAlert = (a: unknown) => isObj(a) && isObj(a.rule) && isObj(a.tool) && ("most_recent_instance" in a || "number" in a);

function detect(doc: Document): boolean {
  if (doc.type !== "json") return false;
  const v = doc.value;
  if (Array.isArray(v)) return isRestAlert(v[0]);
  const alert = webhookAlert(v);
  return alert !== undefined && isObj(alert.rule) && isObj(alert.tool);
}

// Vulnerability ids that are not CVE/GHSA: Snyk (not Snyk IaC), GitLab, distro advisories, OSV ecosystems.
const VULN_RULE = /^(SNYK-(?!CC-)|GMS-|ALAS|RHSA|DSA-|DLA-|USN-|ELSA|TEMP-|GO-\d|PYSEC-|RUSTSEC-)/i;

/** A CVE or GHSA anywhere in a rule id, including "ANCHOREVULN_CVE-2019-18276_dpkg_bash" (no word boundary). */
function vulnIdIn(s: string): string | undefined {
  return findVulnId(s) ?? findVulnId(/(CVE-\d{4}-\d{4,}|GHSA(?:-[23456789cfghjmpqrvwx]{4}){3})/i.exec(s)?.[1]);
}

export function kindForTool(toolName: string | undefined, ruleId: string): FindingKind {
  // A rule named after a vulnerability is a vulnerable package whatever the tool (Trivy, Anchore, Grype…).
  if (vulnIdIn(ruleId) || VULN_RULE.test(ruleId)) return "dependency";
  // Code scanning ingests SARIF from any tool: the tool's name says what kind of evidence an alert is.
  const kind = classifyTool(toolName)?.kind ?? "code";
  // Trivy's other rules (AVD-…, DS002…) are misconfigurations.
  return kind === "dependency" && /trivy/i.test(toolName ?? "") && ruleId !== "" ? "iac" : kind;
}

type Outcome = { finding?: RawFinding; fixed?: boolean; tool: ToolInfo; category?: string };

function alertFinding(a: Obj): Outcome {
  const rule = isObj(a.rule) ? a.rule : {};
  const t = isObj(a.tool) ? a.tool : {};
  const version = toolVersion(gh(t.version));
  const tool: ToolInfo = { name: gh(t.name) ?? "GitHub code scanning", ...(version ? { version } : {}) };
  const mri = isObj(a.most_recent_instance) ? a.most_recent_instance : {};
  const category = gh(mri.category);
  const state = gh(a.state)?.toLowerCase();
  if (state === "fixed") return { fixed: true, tool, category };
  const ruleId = gh(rule.id) ?? gh(rule.name) ?? "unknown";
  const kind = kindForTool(tool.name, ruleId);
  const loc = isObj(mri.location) ? mri.location : {};
  const message = isObj(mri.message) ? gh(mri.message.text) : undefined;
  // security_severity_level (critical/high/medium/low) first; else the SARIF level (error/warning/note).
  // Anchore's rules say "CVE-… Severity=Medium Package=x Version=y": the tool's own severity and package.
  const ruleText = gh(rule.full_description) ?? gh(rule.description) ?? "";
  const word = gh(rule.security_severity_level) ?? /\bSeverity=(\w+)/.exec(ruleText)?.[1] ?? gh(rule.severity);
  const ids = kind === "dependency" ? pickVulnIds([vulnIdIn(ruleId) ?? vulnIdIn(ruleText)]) : { aliases: [] as string[] };
  const pkgName = /\bPackage=(\S+)/.exec(ruleText)?.[1];
  const pkgVersion = /\bVersion=(\S+)/.exec(ruleText)?.[1];
  return {
    tool,
    category,
    finding: {
      kind,
      ruleId,
      title: gh(rule.description) ?? gh(rule.name) ?? ruleId,
      description: plainText(message ?? gh(rule.full_description), 1000),
      ...severityOrScore(word, undefined),
      ...ids,
      package: kind === "dependency" && pkgName ? { name: pkgName, version: pkgVersion, fixedVersions: [] } : undefined,
      cwes: parseCwes(Array.isArray(rule.tags) ? rule.tags.filter((x) => typeof x === "string" && /cwe/i.test(x)) : []),
      // GitHub paths are repository-relative; DefectDojo's samples prefix a "/".
      location: compact({
        file: normalizePath(gh(loc.path))?.replace(/^\/+/, ""),
        startLine: line(loc.start_line),
        endLine: line(loc.end_line),
      }),
      toolFingerprint: str(a.number) ? `code-scanning-alert-${str(a.number)}` : undefined,
      remediation: titleFrom(gh(rule.help), 500),
      references: references(gh(a.html_url), []),
      suppressed: state === "dismissed" ? true : undefined,
      properties: compactProps({ state, dismissedReason: gh(a.dismissed_reason), category }),
    },
  };
}

function parse(doc: Document, _ctx: ParseContext): ParsedReport {
  const v = doc.type === "json" ? doc.value : undefined;
  const outcomes = restOrWebhookAlerts(v, FORMAT, "code-scanning").map(alertFinding);
  const webhook = webhookCategory(v);
  // One part per tool and analysis category, like SARIF runs; a webhook's part covers only its alert.
  const parts = new Map<string, ReportPart>();
  let fixed = 0;
  for (const o of outcomes) {
    const category = webhook.category ?? o.category;
    const key = `${o.tool.name}\u0000${o.tool.version ?? ""}\u0000${category ?? ""}`;
    let part = parts.get(key);
    if (!part) {
      part = { tool: o.tool, ...(category ? { category } : {}), succeeded: true, findings: [] };
      parts.set(key, part);
    }
    if (o.finding) part.findings.push(o.finding);
    if (o.fixed) fixed++;
  }
  const list = [...parts.values()];
  const kinds = list.flatMap((p) => p.findings.map((f) => f.kind));
  // Without findings, the named tools still say what was scanned; an empty list names none.
  const evidence = evidenceFor(kinds.length ? kinds : list.map((p) => kindForTool(p.tool.name, "")));
  if (list.length === 0) list.push({ tool: { name: "GitHub code scanning" }, succeeded: true, findings: [] });
  return {
    format: FORMAT,
    tool: list[0]!.tool,
    parts: list,
    evidence,
    warnings: fixed ? [`${fixed} fixed alert${fixed === 1 ? "" : "s"} skipped.`] : [],
  };
}

export const githubCodeScanningFormat: FormatModule<"github-code-scanning"> = {
  id: FORMAT,
  name: "GitHub code scanning alerts",
  detect,
  parse,
};
