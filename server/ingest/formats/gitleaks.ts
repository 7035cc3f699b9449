// Gitleaks JSON: a top-level array of leaks, v8 (RuleID, Secret, Match…) or ≤v7 (rule, offender, line…).
import {
  ReportSchemaError,
  type Document,
  type FormatModule,
  type ParseContext,
  type RawFinding,
  type RedactedSecret,
  type ToolInfo,
} from "../types";
import { isObj, line, normalizePath, str, type Obj } from "../util";

const TOOL: ToolInfo = { name: "gitleaks" };

const isV8 = (o: Obj) => "RuleID" in o && ("StartLine" in o || "Secret" in o);
const isV7 = (o: Obj) => "offender" in o && "rule" in o && ("line" in o || "commit" in o);

/** `gitleaks --redact` writes REDACTED; gitleaks' own test fixtures mask with asterisks. */
const TOOL_REDACTED = /^(?:REDACTED|\*+)$/;

export const gitleaksFormat: FormatModule<"gitleaks"> = {
  id: "gitleaks",
  name: "Gitleaks JSON",
  detect(doc) {
    if (doc.type !== "json" || !Array.isArray(doc.value)) return false;
    const first: unknown = doc.value[0];
    return isObj(first) && (isV8(first) || isV7(first));
  },
  parse(doc, ctx) {
    const leaks = records(doc);
    const findings = leaks.map((o, i) => {
      if (!isObj(o)) throw new ReportSchemaError("gitleaks", `[${i}]`, "expected a leak object");
      return finding(o, ctx);
    });
    return {
      format: "gitleaks",
      tool: TOOL,
      parts: [{ tool: TOOL, succeeded: true, findings }],
      evidence: ["secrets"],
      warnings: [],
    };
  },
};

function records(doc: Document): unknown[] {
  if (doc.type !== "json") throw new ReportSchemaError("gitleaks", "$", "expected a JSON array of leaks");
  // gitleaks writes `null` when it finds nothing
  if (doc.value === null) return [];
  if (Array.isArray(doc.value)) return doc.value;
  if (isObj(doc.value) && Object.keys(doc.value).length === 0) return [];
  throw new ReportSchemaError("gitleaks", "$", "expected a JSON array of leaks");
}

function finding(o: Obj, ctx: ParseContext): RawFinding {
  const v8 = "RuleID" in o || "Secret" in o || "StartLine" in o;
  const ruleId = (v8 ? str(o.RuleID) : str(o.rule)) ?? str(o.Description) ?? "gitleaks";
  const title = (v8 ? str(o.Description) : str(o.rule)) ?? ruleId;
  const file = normalizePath(v8 ? o.File : o.file);
  const startLine = line(v8 ? o.StartLine : o.lineNumber);
  const endLine = v8 ? line(o.EndLine) : undefined;
  const commit = str(v8 ? o.Commit : o.commit);
  const tags = Array.isArray(o.Tags)
    ? o.Tags.map(str).filter(Boolean).join(", ")
    : (str(o.tags)
        ?.split(",")
        .map((t) => t.trim())
        .filter(Boolean)
        .join(", ") ?? "");
  const entropy = typeof o.Entropy === "number" && o.Entropy > 0 ? Math.round(o.Entropy * 1000) / 1000 : undefined;
  const link = [str(o.Link), str(o.leakURL)].find((u) => u !== undefined && /^https?:\/\//i.test(u));

  const { secret, toolRedacted } = secretOf(o, ruleId, file, startLine, ctx);
  const properties: Record<string, string | number | boolean> = {};
  if (commit) properties.commit = commit;
  if (tags) properties.tags = tags;
  if (entropy !== undefined) properties.entropy = entropy;
  if (toolRedacted) properties.redactedByTool = true;

  // Match, Line, line, offender and commit messages are never copied: they hold the secret or unrelated text.
  return compact<RawFinding>({
    kind: "secret",
    ruleId,
    title,
    // gitleaks has no severity: a leaked credential is high until someone triages it
    severity: "high",
    severityDefaulted: true,
    aliases: [],
    cwes: [],
    location:
      file || startLine
        ? compact({
            file,
            startLine,
            endLine: endLine !== startLine ? endLine : undefined,
          })
        : undefined,
    secret,
    references: link ? [link] : undefined,
    properties: Object.keys(properties).length ? properties : undefined,
  });
}

/** Drops undefined fields, so findings serialize and compare cleanly. */
function compact<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/**
 * The secret's redaction. When gitleaks itself redacted the value (REDACTED), hashing it would make every
 * such finding collide, so the hash is taken over rule + file + the (already redacted) matched line text:
 * line-number independent, and it still tells apart different lines of the same file.
 * Only when that text is masked too does the line number stand in for it.
 */
function secretOf(
  o: Obj,
  ruleId: string,
  file: string | undefined,
  startLine: number | undefined,
  ctx: ParseContext,
): { secret?: RedactedSecret; toolRedacted: boolean } {
  const value = str(o.Secret) ?? str(o.offender) ?? str(o.Match) ?? str(o.line);
  if (value === undefined) return { toolRedacted: false };
  if (!TOOL_REDACTED.test(value)) return { secret: ctx.redact(value), toolRedacted: false };
  const text = (str(o.Match) ?? str(o.line))?.replace(/\s+/g, " ");
  const material = text !== undefined && !TOOL_REDACTED.test(text) ? text : `line ${startLine ?? "?"}`;
  const hash = ctx.redact(`gitleaks-redacted\u0000${ruleId}\u0000${file ?? ""}\u0000${material}`).hash;
  return { secret: { hash, preview: "********" }, toolRedacted: true };
}
