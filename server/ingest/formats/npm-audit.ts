// npm audit --json: npm 6 (advisories{}), npm 7+ (auditReportVersion 2, vulnerabilities{}), and the
// error object npm prints when the audit itself failed (ENOAUDIT, 405 from the registry…).
// The npm 6 advisory helpers are shared with yarn-audit (yarn 1 and old berry reuse the advisory shape).
import type { FormatId, FormatModule, ParsedReport, RawFinding, ToolInfo } from "../types";
import { ReportSchemaError } from "../types";
import {
  type Obj,
  asArray,
  buildPurl,
  findVulnId,
  isObj,
  jsonValue,
  num,
  objects,
  parseCwes,
  plainText,
  severityFromScore,
  severityFromWord,
  str,
  uniqueIds,
} from "../util";
import { cvssVersionOf } from "./cvss";

/** ">=1.3.6" / ">= 4.17.19 || >=5.0.0" → first patched versions; "<0.0.0" means no patch exists. */
export function fixedFromPatched(patched: unknown): string[] {
  const out: string[] = [];
  for (const part of (str(patched) ?? "").split("||")) {
    const m = /^\s*>=?\s*v?(\d[^\s]*)/.exec(part);
    if (m?.[1] && m[1] !== "0.0.0" && !out.includes(m[1])) out.push(m[1]);
  }
  return out;
}

/** "<11.8.5" / ">=5.5.0 <5.7.4 || >=6.0.0 <6.4.1" → the exclusive upper bounds, the first fixed versions. */
export function fixedFromVulnerable(range: unknown): string[] {
  const out: string[] = [];
  for (const part of (str(range) ?? "").split("||")) {
    const m = /<\s*v?(\d[^\s]*)/.exec(part.replace(/<=\s*v?\d[^\s]*/g, ""));
    if (m?.[1] && !out.includes(m[1])) out.push(m[1]);
  }
  return out;
}

/** GHSA id from "https://github.com/advisories/GHSA-…" (npm 7+ gives no other id but the numeric source). */
const ghsaFromUrl = (url: unknown): string | undefined => {
  const id = findVulnId(url);
  return id?.startsWith("GHSA-") ? id : undefined;
};

function cvssOf(c: unknown): RawFinding["cvss"] {
  if (!isObj(c)) return undefined;
  const score = num(c.score);
  const vector = str(c.vectorString);
  // npm writes {score: 0, vectorString: null} when the advisory has no CVSS.
  if (!vector && !score) return undefined;
  return { score, vector, version: cvssVersionOf(undefined, vector) };
}

/** Severity word (low/moderate/high/critical/info), else the CVSS score, else medium. */
function severityOf(word: unknown, cvss: RawFinding["cvss"]): Pick<RawFinding, "severity" | "severityDefaulted"> {
  const s = severityFromWord(word);
  if (s) return { severity: s };
  if (cvss?.score) return { severity: severityFromScore(cvss.score) };
  // The registry always rates advisories; an unrated one is kept at medium so it stays visible.
  return { severity: "medium", severityDefaulted: true };
}

/** One finding per npm 6 advisory per installed version (advisory.findings[].version). */
export function npm6AdvisoryFindings(a: Obj, muted: Set<string>): RawFinding[] {
  const name = str(a.module_name) ?? "unknown";
  const npmId = str(a.id) ?? str(a.npm_advisory_id);
  const ids = uniqueIds([...asArray(a.cves), a.github_advisory_id, ghsaFromUrl(a.url)]);
  const vulnerabilityId = ids.find((i) => /^CVE-/.test(i)) ?? ids.find((i) => /^GHSA-/.test(i)) ?? npmId ?? "unknown";
  const aliases = uniqueIds([...ids, npmId]).filter((i) => i !== vulnerabilityId);
  const cvss = cvssOf(a.cvss);
  const fixedVersions = fixedFromPatched(a.patched_versions);
  const versions = [...new Set(objects(a.findings).map((f) => str(f.version)))];
  if (!versions.length) versions.push(undefined);
  return versions.map((version) => {
    const f: RawFinding = {
      kind: "dependency",
      ruleId: npmId ?? vulnerabilityId,
      title: `${str(a.title) ?? vulnerabilityId} in ${name}${version ? `@${version}` : ""}`,
      description: plainText(a.overview, 1000),
      ...severityOf(a.severity, cvss),
      vulnerabilityId,
      aliases,
      cwes: parseCwes(a.cwe),
      cvss,
      package: { purl: buildPurl("npm", name, version), ecosystem: "npm", name, version, fixedVersions },
      remediation: str(a.recommendation),
      references: [str(a.url)].filter((u): u is string => !!u),
    };
    if (!cvss) delete f.cvss;
    if (npmId && muted.has(npmId)) f.suppressed = true;
    return f;
  });
}

/** The ids in npm 6 `muted[]` (entries are {id, path, …} or bare ids). */
export function mutedIds(muted: unknown): Set<string> {
  return new Set(
    asArray(muted)
      .map((m) => str(isObj(m) ? m.id : m))
      .filter((x): x is string => !!x),
  );
}

/** npm 7+: one finding per advisory object in via[] (string entries only point at other vulnerable packages). */
function npm7Findings(vulnerabilities: Obj): RawFinding[] {
  const out: RawFinding[] = [];
  for (const [key, entry] of Object.entries(vulnerabilities)) {
    if (!isObj(entry)) continue;
    for (const via of objects(entry.via)) {
      const name = str(via.name) ?? str(entry.name) ?? key;
      const source = str(via.source);
      const ghsa = ghsaFromUrl(via.url);
      const vulnerabilityId = ghsa ?? source ?? "unknown";
      const cvss = cvssOf(via.cvss);
      const f: RawFinding = {
        kind: "dependency",
        ruleId: source ?? vulnerabilityId,
        title: `${str(via.title) ?? vulnerabilityId} in ${name}`,
        ...severityOf(via.severity, cvss),
        vulnerabilityId,
        aliases: uniqueIds([source]).filter((i) => i !== vulnerabilityId),
        cwes: parseCwes(via.cwe),
        cvss,
        // npm 7+ reports the vulnerable range, not the installed version.
        package: { purl: buildPurl("npm", name), ecosystem: "npm", name, fixedVersions: fixedFromVulnerable(via.range) },
        references: [str(via.url)].filter((u): u is string => !!u),
      };
      if (!cvss) delete f.cvss;
      const range = str(via.range);
      if (range) f.properties = { vulnerableRange: range };
      const fix = entry.fixAvailable;
      if (isObj(fix) && str(fix.name)) {
        f.remediation = `Update ${str(fix.name)} to ${str(fix.version) ?? "a fixed version"}${fix.isSemVerMajor === true ? " (major version change)" : ""}`;
      } else if (fix === true) f.remediation = "Run npm audit fix";
      out.push(f);
    }
  }
  return out;
}

/** npm's error output: {"error":{"code":"ENOAUDIT","summary":…}} or {"message":"405 …","error":{…}}. */
export function npmErrorOf(v: unknown): string | undefined {
  if (!isObj(v) || "advisories" in v || "vulnerabilities" in v) return undefined;
  const err = v.error;
  if (!isObj(err) && typeof err !== "string") return undefined;
  const e = isObj(err) ? err : {};
  const reason = str(e.summary) ?? str(v.message) ?? str(e.message) ?? str(e.detail) ?? str(err) ?? str(e.code);
  if (!reason) return undefined;
  const code = str(e.code);
  return code && !reason.includes(code) ? `${code}: ${reason}` : reason;
}

export const isNpm6Shape = (v: unknown): v is Obj =>
  isObj(v) && isObj(v.advisories) && ("actions" in v || "metadata" in v || "muted" in v);

/** Shared by npm-audit and yarn-audit for the npm 6 shape. */
export function npm6Report(format: FormatId, tool: ToolInfo, v: Obj): ParsedReport {
  const muted = mutedIds(v.muted);
  const findings = Object.values(v.advisories as Obj)
    .filter(isObj)
    .flatMap((a) => npm6AdvisoryFindings(a, muted));
  return { format, tool, parts: [{ tool, succeeded: true, findings }], evidence: ["sca"], warnings: [] };
}

export function failedReport(format: FormatId, tool: ToolInfo, reason: string): ParsedReport {
  // A failed audit is no evidence that dependencies were checked.
  return { format, tool, parts: [{ tool, succeeded: false, failureReason: reason, findings: [] }], evidence: [], warnings: [] };
}

const TOOL: ToolInfo = { name: "npm audit" };

export const npmAuditFormat: FormatModule<"npm-audit"> = {
  id: "npm-audit",
  name: "npm audit JSON",
  detect: (doc) => {
    const v = jsonValue(doc);
    if (!isObj(v)) return false;
    if (v.auditReportVersion !== undefined && isObj(v.vulnerabilities)) return true;
    // npm 6 adds runId to the registry's response; yarn berry printed that response without it.
    if (isNpm6Shape(v) && "runId" in v) return true;
    // Only npm's own error shapes: {error:{code:"E…"|summary}} or {message, error:{…}}.
    const e = v.error;
    if (!isObj(e)) return false;
    const npmShaped = /^E[A-Z0-9]+$/.test(str(e.code) ?? "") || typeof e.summary === "string" || typeof v.message === "string";
    return npmShaped && npmErrorOf(v) !== undefined;
  },
  parse: (doc) => {
    const v = jsonValue(doc);
    if (v === null || (Array.isArray(v) && v.length === 0)) {
      return {
        format: "npm-audit",
        tool: TOOL,
        parts: [{ tool: TOOL, succeeded: true, findings: [] }],
        evidence: ["sca"],
        warnings: [],
      };
    }
    if (!isObj(v)) throw new ReportSchemaError("npm-audit", "$", "expected an npm audit object");
    const error = npmErrorOf(v);
    if (error) return failedReport("npm-audit", TOOL, error);
    if (v.auditReportVersion !== undefined || "vulnerabilities" in v) {
      if (!isObj(v.vulnerabilities))
        throw new ReportSchemaError("npm-audit", "vulnerabilities", "expected an object keyed by package name");
      const findings = npm7Findings(v.vulnerabilities);
      return {
        format: "npm-audit",
        tool: TOOL,
        parts: [{ tool: TOOL, succeeded: true, findings }],
        evidence: ["sca"],
        warnings: [],
      };
    }
    if ("advisories" in v && !isObj(v.advisories))
      throw new ReportSchemaError("npm-audit", "advisories", "expected an object keyed by advisory id");
    return npm6Report("npm-audit", TOOL, isObj(v.advisories) ? v : { ...v, advisories: {} });
  },
};
