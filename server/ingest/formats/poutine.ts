// poutine (build pipeline security scanner): `--format json` and `--format sarif`. Area 2, posture evidence.
import {
  ReportSchemaError,
  type Document,
  type FormatModule,
  type ParseContext,
  type ParsedReport,
  type RawFinding,
  type Severity,
} from "../types";
import { isObj, jsonValue, line, normalizePath, objects, str, titleFrom, type Obj } from "../util";

const FORMAT = "poutine" as const;

/** poutine's rule levels, as in its own SARIF: error → high, warning → medium, note → low. */
const LEVEL: Record<string, Severity> = { error: "high", warning: "medium", note: "low", none: "info" };

const isSarifRun = (r: unknown) =>
  isObj(r) && isObj(r.tool) && isObj(r.tool.driver) && str(r.tool.driver.name)?.toLowerCase() === "poutine";

function detect(doc: Document): boolean {
  const v = jsonValue(doc);
  if (!isObj(v)) return false;
  if (Array.isArray(v.runs)) return v.runs.length > 0 && v.runs.every(isSarifRun);
  if (!Array.isArray(v.findings) || !isObj(v.rules)) return false;
  const first = v.findings[0];
  if (first !== undefined) return isObj(first) && typeof first.rule_id === "string" && isObj(first.meta);
  return Object.values(v.rules).some((r) => isObj(r) && typeof r.level === "string" && typeof r.title === "string");
}

function jsonFindings(v: Obj, ctx: ParseContext): RawFinding[] {
  const rules = isObj(v.rules) ? v.rules : {};
  return (v.findings as unknown[]).map((f, i) => {
    if (!isObj(f) || typeof f.rule_id !== "string")
      throw new ReportSchemaError(FORMAT, `findings[${i}].rule_id`, "expected a rule id");
    const rule = isObj(rules[f.rule_id]) ? (rules[f.rule_id] as Obj) : {};
    const meta = isObj(f.meta) ? f.meta : {};
    const level = str(rule.level)?.toLowerCase() ?? "";
    const severity = LEVEL[level];
    const details = str(meta.details);
    const job = str(meta.job);
    const step = str(meta.step);
    const file = normalizePath(meta.path);
    const refs = objects(rule.refs)
      .map((r) => str(r.ref))
      .filter((r): r is string => !!r);
    const out: RawFinding = {
      kind: "posture",
      ruleId: f.rule_id,
      title: titleFrom(str(rule.title) ?? f.rule_id)!,
      description: [str(rule.description), details].filter(Boolean).join("\n").slice(0, 1000),
      severity: severity ?? "medium",
      aliases: [],
      cwes: [],
      location: {
        ...(file ? { file } : {}),
        ...(line(meta.line) ? { startLine: line(meta.line)! } : {}),
        // poutine's own fingerprint includes the line; job, step and details name the place without it.
        snippetHash: ctx.hash([str(f.purl) ?? "", job ?? "", step ?? "", details ?? ""].join("\u0000")),
      },
      properties: {
        ...(job ? { job } : {}),
        ...(step ? { step } : {}),
        ...(str(f.purl) ? { purl: str(f.purl)! } : {}),
        ...(Array.isArray(meta.event_triggers) ? { triggers: meta.event_triggers.map(String).join(",") } : {}),
      },
      references: [`https://boostsecurityio.github.io/poutine/rules/${f.rule_id}`, ...refs].slice(0, 5),
    };
    if (!severity) out.severityDefaulted = true;
    return out;
  });
}

/** poutine's SARIF names only file and line: same-rule results of a file are told apart by their order. */
function sarifFindings(run: Obj, ctx: ParseContext): RawFinding[] {
  const driver = (run.tool as Obj).driver as Obj;
  const rules = new Map(objects(driver.rules).map((r) => [str(r.id) ?? "", r]));
  const ordinal = new Map<string, number>();
  const results = objects(run.results)
    .map((r) => {
      const loc = objects(r.locations)[0] ?? {};
      const phys = isObj(loc.physicalLocation) ? loc.physicalLocation : {};
      const art = isObj(phys.artifactLocation) ? phys.artifactLocation : {};
      const region = isObj(phys.region) ? phys.region : {};
      return { r, file: normalizePath(art.uri), start: line(region.startLine) };
    })
    .sort((a, b) => (a.file ?? "").localeCompare(b.file ?? "") || (a.start ?? 0) - (b.start ?? 0));
  return results.map(({ r, file, start }) => {
    const ruleId = str(r.ruleId) ?? "unknown";
    const rule = rules.get(ruleId);
    const key = `${ruleId}\u0000${file ?? ""}`;
    const n = ordinal.get(key) ?? 0;
    ordinal.set(key, n + 1);
    const severity = LEVEL[str(r.level)?.toLowerCase() ?? ""];
    const name = rule
      ? (str(rule.name) ?? (isObj(rule.shortDescription) ? str(rule.shortDescription.text) : undefined))
      : undefined;
    const message = isObj(r.message) ? str(r.message.text) : undefined;
    const props = isObj(r.properties) ? r.properties : {};
    const out: RawFinding = {
      kind: "posture",
      ruleId,
      title: titleFrom(name ?? ruleId)!,
      ...(message ? { description: message.slice(0, 1000) } : {}),
      severity: severity ?? "medium",
      aliases: [],
      cwes: [],
      location: { ...(file ? { file } : {}), ...(start ? { startLine: start } : {}), snippetHash: ctx.hash(`#${n}`) },
      properties: { ...(str(props["boost/confidence"]) ? { confidence: str(props["boost/confidence"])! } : {}) },
      ...(rule && str(rule.helpUri) ? { references: [str(rule.helpUri)!] } : {}),
    };
    if (!severity) out.severityDefaulted = true;
    return out;
  });
}

function parse(doc: Document, ctx: ParseContext): ParsedReport {
  const v = jsonValue(doc);
  if (!isObj(v)) throw new ReportSchemaError(FORMAT, "$", "expected poutine JSON or SARIF");
  if (Array.isArray(v.runs)) {
    const parts = v.runs.map((run, i) => {
      if (!isSarifRun(run)) throw new ReportSchemaError(FORMAT, `runs[${i}].tool.driver.name`, "expected poutine");
      const driver = ((run as Obj).tool as Obj).driver as Obj;
      const version = str(driver.semanticVersion) ?? str(driver.version);
      const props = isObj((run as Obj).properties) ? ((run as Obj).properties as Obj) : {};
      return {
        tool: { name: "poutine", ...(version ? { version } : {}) },
        // One run per scanned repository or package: its purl scopes the findings' lifecycle.
        ...(str(props.purl) ? { category: str(props.purl)!.split("@")[0] } : {}),
        succeeded: true,
        findings: sarifFindings(run as Obj, ctx),
      };
    });
    return { format: FORMAT, tool: parts[0]?.tool ?? { name: "poutine" }, parts, evidence: ["posture"], warnings: [] };
  }
  if (!Array.isArray(v.findings)) throw new ReportSchemaError(FORMAT, "findings", "expected an array");
  const tool = { name: "poutine" };
  return {
    format: FORMAT,
    tool,
    parts: [{ tool, succeeded: true, findings: jsonFindings(v, ctx) }],
    evidence: ["posture"],
    warnings: [],
  };
}

export const poutineFormat: FormatModule<"poutine"> = { id: FORMAT, name: "poutine JSON or SARIF", detect, parse };
