// Bandit JSON (`bandit -f json`): {errors[], generated_at, metrics{…}, results[]}.
import { ReportSchemaError, type FormatModule, type ParseContext, type RawFinding, type ToolInfo } from "../types";
import {
  asArray,
  isObj,
  line,
  normalizePath,
  type Obj,
  parseCwes,
  parseTimestamp,
  plainText,
  reportMetadata,
  severityFromWord,
  str,
  titleFrom,
} from "../util";

const TOOL: ToolInfo = { name: "Bandit" };

export const banditFormat: FormatModule<"bandit"> = {
  id: "bandit",
  name: "Bandit JSON",
  detect(doc) {
    if (doc.type !== "json" || !isObj(doc.value)) return false;
    const v = doc.value;
    return Array.isArray(v.results) && isObj(v.metrics) && "generated_at" in v;
  },
  parse(doc, ctx) {
    const v = doc.type === "json" ? doc.value : undefined;
    const empty = v === null || (Array.isArray(v) && v.length === 0);
    if (!empty && !isObj(v)) throw new ReportSchemaError("bandit", "$", "expected a JSON object with results[]");
    const root: Obj = isObj(v) ? v : {};
    for (const key of ["results", "errors"] as const) {
      if (root[key] !== undefined && root[key] !== null && !Array.isArray(root[key]))
        throw new ReportSchemaError("bandit", key, "expected an array");
    }
    const findings = asArray(root.results).map((r, i) => {
      if (!isObj(r)) throw new ReportSchemaError("bandit", `results[${i}]`, "expected an object");
      return result(r, ctx);
    });
    const errors = asArray(root.errors).length;
    const warnings = errors ? [`Bandit could not scan ${errors} file(s) (listed in its errors[]).`] : [];
    return {
      format: "bandit",
      tool: TOOL,
      parts: [{ tool: TOOL, succeeded: true, findings }],
      evidence: ["sast"],
      ...reportMetadata({ generatedAt: parseTimestamp(root.generated_at) }),
      warnings,
    };
  },
};

/** Bandit's `code` prefixes every line with its line number; dropping them keeps the hash stable when code moves. */
const snippetText = (code: string) =>
  code
    .split(/\r?\n/)
    .map((l) => l.replace(/^\d+\s?/, "").trim())
    .filter(Boolean)
    .join("\n");

function result(r: Obj, ctx: ParseContext): RawFinding {
  const ruleId = str(r.test_id) ?? str(r.test_name) ?? "bandit";
  const severity = severityFromWord(r.issue_severity);
  const f: RawFinding = {
    kind: "code",
    ruleId,
    title: titleFrom(r.issue_text) ?? str(r.test_name) ?? ruleId,
    // Bandit always rates issues LOW/MEDIUM/HIGH; an issue without one is treated as medium
    severity: severity ?? "medium",
    aliases: [],
    cwes: parseCwes(r.issue_cwe),
  };
  if (!severity) f.severityDefaulted = true;
  const text = plainText(r.issue_text);
  if (text && text !== f.title) f.description = text;

  const file = normalizePath(r.filename);
  const startLine = line(r.line_number);
  const range = asArray(r.line_range)
    .map(line)
    .filter((n): n is number => n !== undefined);
  const endLine = range.length ? Math.max(...range) : undefined;
  const code = str(r.code);
  if (file || startLine) {
    f.location = {
      ...(file ? { file } : {}),
      ...(startLine ? { startLine } : {}),
      ...(endLine && startLine && endLine > startLine ? { endLine } : {}),
      ...(code ? { snippetHash: ctx.hash(snippetText(code)) } : {}),
    };
  }
  const more = str(r.more_info);
  if (more && /^https?:\/\//i.test(more)) f.references = [more];

  const props: Record<string, string | number | boolean> = {};
  const confidence = str(r.issue_confidence);
  if (confidence) props.confidence = confidence;
  const testName = str(r.test_name);
  if (testName) props.testName = testName;
  if (Object.keys(props).length) f.properties = props;
  return f;
}
