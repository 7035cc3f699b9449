// Dockle JSON (`dockle -f json IMAGE`): {image, summary{fatal,warn,info,skip,pass}, details[]}.
import { ReportSchemaError, type Document, type FormatModule, type ParsedReport, type RawFinding, type Severity } from "../types";
import { imageTarget, isObj, type Obj, reportMetadata, str } from "../util";

const FORMAT = "dockle" as const;

/** Dockle levels; SKIP, PASS and IGNORE are not findings. */
const LEVELS: Record<string, Severity> = { FATAL: "high", WARN: "medium", INFO: "low" };

function detect(doc: Document): boolean {
  if (doc.type !== "json" || !isObj(doc.value)) return false;
  const { summary, details } = doc.value;
  // `image` is missing from some reports (DefectDojo's no_findings sample), so the summary keys decide.
  return isObj(summary) && "fatal" in summary && "warn" in summary && "pass" in summary && Array.isArray(details);
}

function parse(doc: Document): ParsedReport {
  if (doc.type !== "json" || !isObj(doc.value)) throw new ReportSchemaError(FORMAT, "$", "expected a Dockle report object");
  const v = doc.value;
  const details = v.details ?? [];
  if (!Array.isArray(details)) throw new ReportSchemaError(FORMAT, "details", "expected an array");
  const image = str(v.image);
  const findings: RawFinding[] = [];
  details.forEach((d, i) => {
    if (!isObj(d)) throw new ReportSchemaError(FORMAT, `details[${i}]`, "expected an object");
    const f = toFinding(d, image);
    if (f) findings.push(f);
  });
  const tool = { name: "Dockle" };
  return {
    format: FORMAT,
    tool,
    parts: [{ tool, succeeded: true, findings }],
    evidence: ["config", "container"],
    // Dockle writes no report time or digest; the image it checked is the target.
    ...reportMetadata({ target: imageTarget(image) }),
    warnings: [],
  };
}

function toFinding(d: Obj, image: string | undefined): RawFinding | undefined {
  const level = str(d.level)?.toUpperCase();
  const severity = level ? LEVELS[level] : undefined;
  if (!severity) return undefined;
  const code = str(d.code) ?? "unknown";
  const f: RawFinding = {
    kind: "config",
    ruleId: code,
    title: str(d.title) ?? code,
    severity,
    aliases: [],
    cwes: [],
    references: [`https://github.com/goodwithtech/dockle/blob/master/CHECKPOINT.md#${encodeURIComponent(code)}`],
    properties: { level: level! },
  };
  const alerts = Array.isArray(d.alerts) ? d.alerts.map((a) => safeAlert(str(a))).filter((a): a is string => !!a) : [];
  if (alerts.length > 0) {
    const shown = alerts.slice(0, 5);
    if (alerts.length > shown.length) shown.push(`… and ${alerts.length - shown.length} more`);
    f.description = shown.join("\n");
  }
  if (image) f.location = { image };
  return f;
}

/**
 * Newer Dockle appends the image history line to credential alerts
 * ("Suspicious ENV key found : DB_PASSWORD on /bin/sh -c #(nop) ENV DB_PASSWORD=…"): that value may be a
 * secret, so the history part is cut and any KEY=value left is masked.
 */
function safeAlert(a: string | undefined): string | undefined {
  if (!a) return undefined;
  let s = a;
  const on = s.indexOf(" on ");
  if (/^Suspicious ENV key/i.test(s) && on > 0) s = s.slice(0, on);
  s = s.replace(/\b(ENV\s+[A-Za-z_][A-Za-z0-9_]*=)\S+/g, "$1********");
  s = s.replace(/(#\(nop\)\s+ENV\s+[A-Za-z_][A-Za-z0-9_]*\s+)\S+/g, "$1********");
  return s.slice(0, 300);
}

export const dockleFormat: FormatModule<"dockle"> = { id: FORMAT, name: "Dockle JSON", detect, parse };
