// tfsec JSON (`tfsec --format json`): {results: [...] | null}, in three generations of field names.
import { ReportSchemaError, type Document, type FormatModule, type ParsedReport, type RawFinding } from "../types";
import { isObj, line, normalizePath, severityFromWord, str, titleFrom, type Obj } from "../util";

const FORMAT = "tfsec" as const;

function detect(doc: Document): boolean {
  if (doc.type !== "json" || !isObj(doc.value)) return false;
  const results = doc.value.results;
  // {"results": null} and {"results": []} are ambiguous (tfsec, but also other tools): not detected.
  if (!Array.isArray(results) || results.length === 0) return false;
  const first = results[0];
  return isObj(first) && (typeof first.rule_id === "string" || typeof first.long_id === "string") && isObj(first.location);
}

function parse(doc: Document): ParsedReport {
  if (doc.type !== "json") throw new ReportSchemaError(FORMAT, "$", "expected a JSON document");
  const v = doc.value;
  let results: unknown[] = [];
  if (isObj(v)) {
    const r = v.results;
    if (Array.isArray(r)) results = r;
    else if (r !== null && r !== undefined) throw new ReportSchemaError(FORMAT, "results", "expected an array or null");
  } else if (v !== null && !(Array.isArray(v) && v.length === 0)) {
    throw new ReportSchemaError(FORMAT, "$", "expected an object with a results array");
  }

  const findings: RawFinding[] = [];
  results.forEach((r, i) => {
    if (!isObj(r)) throw new ReportSchemaError(FORMAT, `results[${i}]`, "expected an object");
    const f = toFinding(r);
    if (f) findings.push(f);
  });
  const tool = { name: "tfsec" };
  return { format: FORMAT, tool, parts: [{ tool, succeeded: true, findings }], evidence: ["iac"], warnings: [] };
}

/** tfsec ≥1.0 status is numeric (0 failed, 1 passed, 2 ignored); mid-era spells it; legacy has `passed`. */
function status(r: Obj): "failed" | "passed" | "ignored" {
  const s = r.status;
  if (s === 1 || (typeof s === "string" && /^pass/i.test(s))) return "passed";
  if (s === 2 || (typeof s === "string" && /^ignor/i.test(s))) return "ignored";
  if (r.passed === true) return "passed";
  return "failed";
}

/**
 * Rule id choice: `long_id` (aws-s3-enable-bucket-encryption) when present, else `rule_id`.
 * Mid-era reports put that same long form in `rule_id` (with `legacy_rule_id` AWS017), so the
 * ruleId stays stable from mid-era to current; the AVD id and legacy id go to properties.
 */
function toFinding(r: Obj): RawFinding | undefined {
  const st = status(r);
  if (st === "passed") return undefined;
  const ruleIdRaw = str(r.rule_id);
  const longId = str(r.long_id);
  const ruleId = longId ?? ruleIdRaw ?? str(r.legacy_rule_id) ?? "unknown";
  const loc = isObj(r.location) ? r.location : {};
  const file = normalizePath(loc.filename);
  const startLine = line(loc.start_line);
  const endLine = line(loc.end_line);
  // Before 1.0 there is no `resource` field, but the description names it: "Resource 'module.x:aws_y.z' defines …".
  const resource = str(r.resource) ?? /^Resource '([^']+)'/.exec(str(r.description) ?? "")?.[1];

  const f: RawFinding = {
    kind: "iac",
    ruleId,
    title: titleFrom(r.rule_description) ?? titleFrom(r.description) ?? ruleId,
    severity: "medium",
    aliases: [],
    cwes: [],
  };
  const description = titleFrom(r.description, 1000);
  if (description && description !== f.title) f.description = description;
  const sev = severityFromWord(r.severity);
  if (sev) f.severity = sev;
  else {
    // tfsec always writes a severity; a result without one gets medium.
    f.severityDefaulted = true;
  }
  if (file || startLine || resource) {
    f.location = {
      ...(file ? { file } : {}),
      ...(startLine ? { startLine } : {}),
      ...(endLine ? { endLine } : {}),
      ...(resource ? { resource } : {}),
    };
  }
  const remediation = str(r.resolution);
  if (remediation) f.remediation = remediation;
  const refs = links(r);
  if (refs.length > 0) f.references = refs;
  if (st === "ignored") f.suppressed = true;

  const props: Record<string, string | number | boolean> = {};
  if (ruleIdRaw && ruleIdRaw !== ruleId) props.ruleId = ruleIdRaw;
  const legacy = str(r.legacy_rule_id);
  if (legacy) props.legacyRuleId = legacy;
  const provider = str(r.rule_provider);
  if (provider) props.provider = provider;
  const service = str(r.rule_service);
  if (service) props.service = service;
  const impact = titleFrom(r.impact, 300);
  if (impact) props.impact = impact;
  if (r.warning === true) props.warning = true;
  if (Object.keys(props).length > 0) f.properties = props;
  return f;
}

/** `links[]` (≥0.40) or the legacy `link` sentence "See https://… for more information.". */
function links(r: Obj): string[] {
  const out: string[] = [];
  const add = (s: unknown) => {
    const m = typeof s === "string" ? /https?:\/\/[^\s"<>]+/.exec(s) : null;
    const url = m?.[0]?.replace(/[.,;:]+$/, "");
    if (url && !out.includes(url)) out.push(url);
  };
  if (Array.isArray(r.links)) r.links.forEach(add);
  add(r.link);
  return out.slice(0, 5);
}

export const tfsecFormat: FormatModule<"tfsec"> = { id: FORMAT, name: "tfsec JSON", detect, parse };
