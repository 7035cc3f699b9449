// KICS JSON (`kics scan --report-formats json`): queries[] each with the files[] where it matched.
import { ReportSchemaError, type Document, type FormatModule, type ParsedReport, type RawFinding, type Severity } from "../types";
import {
  isObj,
  line,
  normalizePath,
  type Obj,
  parseCwes,
  parseTimestamp,
  reportMetadata,
  severityFromWord,
  str,
  targetPath,
  titleFrom,
} from "../util";

const FORMAT = "kics" as const;

function detect(doc: Document): boolean {
  if (doc.type !== "json" || !isObj(doc.value)) return false;
  const v = doc.value;
  return Array.isArray(v.queries) && isObj(v.severity_counters) && "total_counter" in v;
}

/** KICS severities: CRITICAL, HIGH, MEDIUM, LOW, INFO and TRACE (TRACE is informational). */
function severity(v: unknown): Severity | undefined {
  const s = str(v)?.toLowerCase();
  if (s === "trace") return "info";
  return severityFromWord(s);
}

function parse(doc: Document): ParsedReport {
  if (doc.type !== "json" || !isObj(doc.value)) throw new ReportSchemaError(FORMAT, "$", "expected a KICS report object");
  const v = doc.value;
  const queries = v.queries ?? [];
  if (!Array.isArray(queries)) throw new ReportSchemaError(FORMAT, "queries", "expected an array");
  const findings: RawFinding[] = [];
  queries.forEach((q, i) => {
    if (!isObj(q)) throw new ReportSchemaError(FORMAT, `queries[${i}]`, "expected an object");
    const files = q.files ?? [];
    if (!Array.isArray(files)) throw new ReportSchemaError(FORMAT, `queries[${i}].files`, "expected an array");
    for (const file of files) if (isObj(file)) findings.push(toFinding(q, file));
  });
  const warnings: string[] = [];
  const failedQueries = typeof v.queries_failed_to_execute === "number" ? v.queries_failed_to_execute : 0;
  if (failedQueries > 0) warnings.push(`KICS failed to execute ${failedQueries} queries.`);
  const failedFiles = typeof v.files_failed_to_scan === "number" ? v.files_failed_to_scan : 0;
  if (failedFiles > 0) warnings.push(`KICS failed to scan ${failedFiles} file(s).`);
  const version = str(v.kics_version);
  const tool = { name: "KICS", ...(version ? { version } : {}) };
  // When the scan ended (else started); the scanned path, when it is one relative path.
  const paths = Array.isArray(v.paths) ? v.paths : [];
  return {
    format: FORMAT,
    tool,
    parts: [{ tool, succeeded: true, findings }],
    evidence: ["iac"],
    ...reportMetadata({
      generatedAt: parseTimestamp(v.end) ?? parseTimestamp(v.start),
      target: paths.length === 1 ? targetPath(paths[0]) : undefined,
    }),
    warnings,
  };
}

function toFinding(q: Obj, file: Obj): RawFinding {
  const queryId = str(q.query_id);
  const name = str(q.query_name);
  const platform = str(q.platform);
  const category = str(q.category);
  // Secret queries match hard-coded credentials: none of their matched values (key, actual, expected) is kept.
  const secretQuery = /secret/i.test(category ?? "") || /password|secret/i.test(name ?? "");
  const sev = severity(q.severity);
  const path = normalizePath(file.file_name);
  const startLine = line(file.line) ?? line(file.search_line);
  const resource = resourceOf(file, platform);

  const f: RawFinding = {
    kind: "iac",
    ruleId: queryId ?? name ?? "unknown",
    title: name ?? queryId ?? "KICS finding",
    severity: sev ?? "medium",
    aliases: [],
    cwes: parseCwes(q.cwe),
  };
  // KICS always writes a query severity; without one we use medium.
  if (!sev) f.severityDefaulted = true;
  const description = titleFrom(str(q.description_text) ?? str(q.description), 1000);
  if (description) f.description = description;
  if (path || startLine || resource) {
    f.location = {
      ...(path ? { file: path } : {}),
      ...(startLine ? { startLine } : {}),
      ...(resource ? { resource } : {}),
    };
  }
  const similarity = str(file.similarity_id);
  if (similarity) f.toolFingerprint = similarity;
  const expected = str(file.expected_value);
  if (expected && !secretQuery) f.remediation = expected.slice(0, 1000);
  const url = str(q.query_url);
  if (url && /^https?:\/\//i.test(url)) f.references = [url];

  const props: Record<string, string | number | boolean> = {};
  if (platform) props.platform = platform;
  if (category) props.category = category;
  const issueType = str(file.issue_type);
  if (issueType) props.issueType = issueType;
  const searchKey = str(file.search_key);
  if (searchKey && !secretQuery) props.searchKey = searchKey.slice(0, 300);
  const actual = str(file.actual_value);
  if (actual && !secretQuery) props.actualValue = actual.slice(0, 300);
  const cloud = str(q.cloud_provider);
  if (cloud) props.cloudProvider = cloud;
  if (Object.keys(props).length > 0) f.properties = props;
  return f;
}

/** Terraform resources read as type.name (aws_s3_bucket.logs); other platforms as Kind/name. */
function resourceOf(file: Obj, platform: string | undefined): string | undefined {
  const type = str(file.resource_type);
  const name = str(file.resource_name);
  if (type && name) return /terraform/i.test(platform ?? "") ? `${type}.${name}` : `${type}/${name}`;
  return type ?? name;
}

export const kicsFormat: FormatModule<"kics"> = { id: FORMAT, name: "KICS JSON", detect, parse };
