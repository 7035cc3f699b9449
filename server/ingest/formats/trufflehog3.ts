// trufflehog3 (feeltheajf/trufflehog3, a different tool from TruffleHog): a JSON array of issues.
import { ReportSchemaError, type FormatModule, type ParseContext, type RawFinding, type ToolInfo } from "../types";
import { isObj, line, normalizePath, severityFromWord, str, titleFrom, type Obj } from "../util";
import { compact, isLegacyRecord, legacyFindings } from "./trufflehog";

const TOOL: ToolInfo = { name: "trufflehog3" };

const isCurrent = (o: Obj) => isObj(o.rule) && "secret" in o && "path" in o;

export const trufflehog3Format: FormatModule<"trufflehog3"> = {
  id: "trufflehog3",
  name: "trufflehog3 JSON",
  detect(doc) {
    if (doc.type !== "json" || !Array.isArray(doc.value)) return false;
    const first: unknown = doc.value[0];
    return isObj(first) && (isCurrent(first) || isLegacyRecord(first));
  },
  parse(doc, ctx) {
    const v = doc.type === "json" ? doc.value : undefined;
    const empty = v === null || (isObj(v) && Object.keys(v).length === 0);
    if (!empty && !Array.isArray(v)) throw new ReportSchemaError("trufflehog3", "$", "expected a JSON array of issues");
    const findings: RawFinding[] = [];
    (Array.isArray(v) ? v : []).forEach((o, i) => {
      if (!isObj(o)) throw new ReportSchemaError("trufflehog3", `[${i}]`, "expected an issue object");
      if ("stringsFound" in o) findings.push(...legacyFindings(o, ctx, "trufflehog3", `[${i}]`));
      else findings.push(current(o, ctx, i));
    });
    return {
      format: "trufflehog3",
      tool: TOOL,
      parts: [{ tool: TOOL, succeeded: true, findings }],
      evidence: ["secrets"],
      warnings: [],
    };
  },
};

function current(o: Obj, ctx: ParseContext, i: number): RawFinding {
  if (o.rule !== undefined && !isObj(o.rule)) throw new ReportSchemaError("trufflehog3", `[${i}].rule`, "expected an object");
  const rule = isObj(o.rule) ? o.rule : {};
  const ruleId = str(rule.id) ?? str(rule.message) ?? "trufflehog3";
  const severity = severityFromWord(rule.severity);
  const secret = str(o.secret);
  const properties: Record<string, string | number | boolean> = {};
  const commit = str(o.commit);
  if (commit) properties.commit = commit;
  const branch = str(o.branch);
  if (branch) properties.branch = branch;
  const file = normalizePath(o.path);
  const startLine = line(o.line);
  // `context` lines and the commit message are never copied: the context holds the secret.
  // `id` is not kept as a fingerprint: it is uuid3(rule, path:secret), an unsalted hash of the secret.
  return compact<RawFinding>({
    kind: "secret",
    ruleId,
    title: titleFrom(rule.message) ?? ruleId,
    // trufflehog3 rules carry LOW/MEDIUM/HIGH; without one a leaked credential is high until triaged
    severity: severity ?? "high",
    ...(severity === undefined && { severityDefaulted: true }),
    aliases: [],
    cwes: [],
    location: file || startLine ? compact({ file, startLine }) : undefined,
    secret: secret ? ctx.redact(secret) : undefined,
    properties: Object.keys(properties).length ? properties : undefined,
  });
}
