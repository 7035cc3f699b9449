// Hadolint JSON (`hadolint -f json`): an array of {code, column, file, level, line, message}.
import { ReportSchemaError, type FormatModule, type RawFinding, type Severity, type ToolInfo } from "../types";
import { isObj, line, normalizePath, str, titleFrom, type Obj } from "../util";

const TOOL: ToolInfo = { name: "Hadolint" };
const RULE = /^(?:DL|SC)\d+$/;

/** Hadolint's levels; "info" is a real (if minor) issue here, so it maps to low, and style to info. */
const LEVELS: Record<string, Severity> = {
  error: "high",
  warning: "medium",
  info: "low",
  style: "info",
};

export const hadolintFormat: FormatModule<"hadolint"> = {
  id: "hadolint",
  name: "Hadolint JSON",
  detect(doc) {
    if (doc.type !== "json" || !Array.isArray(doc.value)) return false;
    const first: unknown = doc.value[0];
    return (
      isObj(first) &&
      typeof first.code === "string" &&
      RULE.test(first.code) &&
      "level" in first &&
      "line" in first &&
      "file" in first
    );
  },
  parse(doc) {
    const v = doc.type === "json" ? doc.value : undefined;
    const empty = v === null || (isObj(v) && Object.keys(v).length === 0);
    if (!empty && !Array.isArray(v)) throw new ReportSchemaError("hadolint", "$", "expected a JSON array of rule violations");
    const findings = (Array.isArray(v) ? v : []).map((o, i) => {
      if (!isObj(o)) throw new ReportSchemaError("hadolint", `[${i}]`, "expected an object");
      return violation(o, i);
    });
    return {
      format: "hadolint",
      tool: TOOL,
      parts: [{ tool: TOOL, succeeded: true, findings }],
      evidence: ["iac"],
      warnings: [],
    };
  },
};

function violation(o: Obj, i: number): RawFinding {
  const code = str(o.code);
  if (!code) throw new ReportSchemaError("hadolint", `[${i}].code`, "expected the rule code");
  const severity = LEVELS[str(o.level)?.toLowerCase() ?? ""];
  const f: RawFinding = {
    kind: "iac",
    ruleId: code,
    title: titleFrom(o.message) ?? code,
    // hadolint always writes a level; an unknown one is treated as medium (warning, its default)
    severity: severity ?? "medium",
    aliases: [],
    cwes: [],
  };
  if (!severity) f.severityDefaulted = true;
  // "-" is stdin: there is no file to point at.
  const file = str(o.file) === "-" ? undefined : normalizePath(o.file);
  const startLine = line(o.line);
  if (file || startLine)
    f.location = {
      ...(file ? { file } : {}),
      ...(startLine ? { startLine } : {}),
    };
  f.references = [
    code.startsWith("SC") ? `https://www.shellcheck.net/wiki/${code}` : `https://github.com/hadolint/hadolint/wiki/${code}`,
  ];
  return f;
}
