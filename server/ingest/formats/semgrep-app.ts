// Semgrep AppSec Platform (Cloud) API exports: {findings[]} (code, supply chain, secrets) or {vulns[], hasMore, cursor}.
import { ReportSchemaError, type EvidenceKind, type FormatModule, type RawFinding, type ToolInfo } from "../types";
import {
  asArray,
  canonicalVulnId,
  findVulnId,
  isObj,
  line,
  normalizePath,
  objects,
  parseCwes,
  plainText,
  severityFromWord,
  str,
  uniqueIds,
  type Obj,
} from "../util";
import { firstSentence, semgrepEcosystem, semgrepFingerprint, semgrepPurl } from "./semgrep-json";

const TOOL: ToolInfo = { name: "Semgrep" };
const ENVELOPE_KEYS = new Set(["findings", "cursor", "hasMore", "total", "next_cursor"]);

const isFinding = (o: Obj) => "rule_name" in o || "triage_state" in o || ("findingPath" in o && "validationState" in o);

export const semgrepAppFormat: FormatModule<"semgrep-app"> = {
  id: "semgrep-app",
  name: "Semgrep AppSec Platform export",
  aliases: ["semgrep"],
  detect(doc) {
    if (doc.type !== "json" || !isObj(doc.value)) return false;
    const v = doc.value;
    if (Array.isArray(v.findings)) {
      const first: unknown = v.findings[0];
      // {"findings": []} is the export's own empty page; other tools' findings[] come with more keys.
      if (first === undefined) return Object.keys(v).every((k) => ENVELOPE_KEYS.has(k));
      return isObj(first) && isFinding(first);
    }
    if (Array.isArray(v.vulns)) {
      const first: unknown = v.vulns[0];
      return "hasMore" in v || "cursor" in v || (isObj(first) && isObj(first.advisory));
    }
    return false;
  },
  parse(doc) {
    const v = doc.type === "json" ? doc.value : undefined;
    const empty = v === null || (Array.isArray(v) && v.length === 0);
    if (!empty && !isObj(v)) throw new ReportSchemaError("semgrep-app", "$", "expected a JSON object with findings[] or vulns[]");
    const root: Obj = isObj(v) ? v : {};
    for (const key of ["findings", "vulns"] as const) {
      if (root[key] !== undefined && root[key] !== null && !Array.isArray(root[key]))
        throw new ReportSchemaError("semgrep-app", key, "expected an array");
    }

    const findings: RawFinding[] = [];
    let fixed = 0;
    asArray(root.findings).forEach((f, i) => {
      if (!isObj(f)) throw new ReportSchemaError("semgrep-app", `findings[${i}]`, "expected an object");
      const out = "findingPath" in f && !("rule_name" in f) ? secretFinding(f) : finding(f);
      if (out) findings.push(out);
      else fixed++;
    });
    asArray(root.vulns).forEach((f, i) => {
      if (!isObj(f)) throw new ReportSchemaError("semgrep-app", `vulns[${i}]`, "expected an object");
      const out = vuln(f);
      if (out) findings.push(out);
      else fixed++;
    });

    const warnings: string[] = [];
    if (fixed) warnings.push(`Skipped ${fixed} finding(s) that Semgrep marks as fixed or removed.`);
    if (root.hasMore === true)
      warnings.push("This export is one page of a longer list (hasMore is true): findings on later pages are not included.");
    const evidence: EvidenceKind[] = [];
    if (Array.isArray(root.vulns) || findings.some((f) => f.kind === "dependency")) evidence.push("sca");
    if (findings.some((f) => f.kind === "secret")) evidence.push("secrets");
    if (findings.some((f) => f.kind === "code") || evidence.length === 0) evidence.unshift("sast");
    return {
      format: "semgrep-app",
      tool: TOOL,
      parts: [{ tool: TOOL, succeeded: true, findings }],
      evidence,
      warnings,
    };
  },
};

type Status = "open" | "suppressed" | "fixed";

/** triage_state / state / status of a findings-API record; ignored → suppressed, fixed or removed → skipped. */
function status(f: Obj): Status {
  const words = [f.triage_state, f.state, f.status].map((x) =>
    str(x)
      ?.toLowerCase()
      .replace(/^finding_status_/, ""),
  );
  if (words.some((w) => w === "fixed" || w === "removed")) return "fixed";
  if (words.some((w) => w === "ignored" || w === "provisionally_ignored" || w === "muted")) return "suppressed";
  return "open";
}

const httpUrls = (v: unknown): string[] =>
  asArray(v)
    .map(str)
    .filter((u): u is string => !!u && /^https?:\/\//i.test(u));

/** Code or supply-chain record of the findings API. */
function finding(f: Obj): RawFinding | undefined {
  const st = status(f);
  if (st === "fixed") return undefined;
  const rule = isObj(f.rule) ? f.rule : {};
  const ruleId = str(f.rule_name) ?? str(rule.name) ?? "semgrep";
  const message = str(f.rule_message) ?? str(rule.message);
  const severity = severityFromWord(f.severity);
  const found = isObj(f.found_dependency) ? f.found_dependency : undefined;
  const loc = isObj(f.location) ? f.location : {};
  const file = normalizePath(loc.file_path);
  const startLine = line(loc.line);
  const endLine = line(loc.end_line);

  const out: RawFinding = {
    kind: found || str(f.vulnerability_identifier) ? "dependency" : "code",
    ruleId,
    title: message ? firstSentence(message) : ruleId,
    // the API always rates findings; a record without a rating is treated as medium
    severity: severity ?? "medium",
    aliases: [],
    cwes: parseCwes(rule.cwe_names),
  };
  if (!severity) out.severityDefaulted = true;
  const description = plainText(message);
  if (description) out.description = description;
  if (file || startLine)
    out.location = {
      ...(file ? { file } : {}),
      ...(startLine ? { startLine } : {}),
      ...(endLine && endLine !== startLine ? { endLine } : {}),
    };
  const fp = semgrepFingerprint(f.match_based_id);
  if (fp) out.toolFingerprint = fp;
  const refs = httpUrls(f.line_of_code_url);
  if (refs.length) out.references = refs;
  if (st === "suppressed") out.suppressed = true;

  const props: Record<string, string | number | boolean> = {};
  for (const [key, value] of [
    ["confidence", f.confidence],
    ["triageState", f.triage_state],
    ["triageReason", f.triage_reason],
    ["repository", isObj(f.repository) ? f.repository.name : undefined],
    ["ref", f.ref],
    ["reachability", f.reachability],
  ] as const) {
    const s = str(value);
    if (s) props[key] = s;
  }

  if (out.kind === "dependency") {
    const id = str(f.vulnerability_identifier);
    if (id) out.vulnerabilityId = canonicalVulnId(id);
    const name = str(found?.package);
    if (name) {
      const version = str(found?.version);
      const ecosystem = semgrepEcosystem(found?.ecosystem);
      const purl = semgrepPurl(ecosystem, name, version);
      const fixes = objects(f.fix_recommendations)
        .filter((r) => str(r.package) === undefined || str(r.package) === name)
        .map((r) => str(r.version))
        .filter((x): x is string => !!x);
      out.package = {
        ...(purl ? { purl } : {}),
        ...(ecosystem ? { ecosystem } : {}),
        name,
        ...(version ? { version } : {}),
        fixedVersions: [...new Set(fixes)],
      };
    }
    const transitivity = str(found?.transitivity);
    if (transitivity) props.transitivity = transitivity;
  }
  if (Object.keys(props).length) out.properties = props;
  return out;
}

/** Secrets API record: the API never returns the secret value, only where it is and whether it is valid. */
function secretFinding(f: Obj): RawFinding | undefined {
  const st = status(f);
  if (st === "fixed") return undefined;
  const type = str(f.type) ?? "secret";
  const where = str(f.findingPath);
  const m = where ? /^(.*?)(?::(\d+))?$/.exec(where) : null;
  const file = normalizePath(m?.[1]);
  const startLine = line(m?.[2]);
  const severity = severityFromWord(str(f.severity)?.replace(/^SEVERITY_/i, ""));
  const validation = str(f.validationState)?.replace(/^VALIDATION_STATE_/i, "");
  const out: RawFinding = {
    kind: "secret",
    ruleId: str(f.ruleHashId) ?? type,
    title: `${type} secret`,
    // the API always rates findings; a record without a rating is a leaked credential: high
    severity: severity ?? "high",
    aliases: [],
    cwes: [],
  };
  if (!severity) out.severityDefaulted = true;
  if (file || startLine)
    out.location = {
      ...(file ? { file } : {}),
      ...(startLine ? { startLine } : {}),
    };
  const refs = httpUrls(f.findingPathUrl);
  if (refs.length) out.references = refs;
  if (st === "suppressed") out.suppressed = true;
  out.properties = {
    secretType: type,
    ...(validation ? { validationState: validation.toLowerCase() } : {}),
  };
  return out;
}

/** Supply-chain record of the older ssc-vulns API. */
function vuln(v: Obj): RawFinding | undefined {
  const triage = isObj(v.triage) ? v.triage : {};
  const triageStatus = str(triage.status)?.toUpperCase();
  if (triageStatus === "FIXED") return undefined;
  const advisory = isObj(v.advisory) ? v.advisory : {};
  const refs = isObj(advisory.references) ? advisory.references : {};
  const urls = httpUrls(refs.urls);
  const ids = uniqueIds([...asArray(refs.cveIds), ...asArray(refs.ghsaIds), ...urls.map(findVulnId)]);
  const ruleId = str(advisory.ruleId) ?? ids[0] ?? str(v.groupKey) ?? "semgrep-supply-chain";
  const severity = severityFromWord(advisory.severity);
  const dep = isObj(v.matchedDependency) ? v.matchedDependency : {};
  const loc = isObj(v.dependencyFileLocation) ? v.dependencyFileLocation : {};
  const file = normalizePath(loc.path);
  const startLine = line(loc.startLine);

  const out: RawFinding = {
    kind: "dependency",
    ruleId,
    title: str(v.title) ?? str(advisory.title) ?? ruleId,
    // the API always rates advisories; one without a rating is treated as medium
    severity: severity ?? "medium",
    aliases: ids.slice(1),
    cwes: parseCwes(refs.cweIds),
  };
  if (!severity) out.severityDefaulted = true;
  if (ids[0]) out.vulnerabilityId = ids[0];
  const description = plainText(advisory.description);
  if (description) out.description = description;
  const name = str(dep.name);
  if (name) {
    const version = str(dep.versionSpecifier);
    const ecosystem = semgrepEcosystem(advisory.ecosystem);
    const purl = semgrepPurl(ecosystem, name, version);
    const safe = [v.closestSafeDependency, ...asArray(advisory.safeDependencies)]
      .filter(isObj)
      .filter((d) => str(d.name) === undefined || str(d.name) === name)
      .map((d) => str(d.versionSpecifier))
      .filter((x): x is string => !!x);
    out.package = {
      ...(purl ? { purl } : {}),
      ...(ecosystem ? { ecosystem } : {}),
      name,
      ...(version ? { version } : {}),
      fixedVersions: [...new Set(safe)],
    };
  }
  if (file || startLine)
    out.location = {
      ...(file ? { file } : {}),
      ...(startLine ? { startLine } : {}),
    };
  if (urls.length) out.references = urls.slice(0, 5);
  if (triageStatus === "IGNORED") out.suppressed = true;
  const props: Record<string, string | number | boolean> = {};
  for (const [key, value] of [
    ["exposure", v.exposureType],
    ["reachability", advisory.reachability],
    ["transitivity", v.transitivity],
    ["repository", v.repositoryName],
  ] as const) {
    const s = str(value);
    if (s) props[key] = s;
  }
  if (Object.keys(props).length) out.properties = props;
  return out;
}
