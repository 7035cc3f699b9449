// Checkov JSON (`checkov -o json`): one framework object, an array of them, or a summary-only object.
import {
  ReportSchemaError,
  type Document,
  type EvidenceKind,
  type FindingKind,
  type FormatModule,
  type ParseContext,
  type ParsedReport,
  type RawFinding,
  type Severity,
} from "../types";
import {
  buildPurl,
  canonicalVulnId,
  findVulnId,
  isObj,
  line,
  normalizePath,
  num,
  objects,
  severityFromScore,
  severityFromWord,
  splitVersions,
  str,
  titleFrom,
  type Obj,
} from "../util";

const FORMAT = "checkov" as const;

/** CI/CD pipeline frameworks: their checks are posture findings, not IaC. */
const CI_FRAMEWORKS = new Set([
  "github_actions",
  "gitlab_ci",
  "circleci_pipelines",
  "bitbucket_pipelines",
  "argo_workflows",
  "azure_pipelines",
]);
const SCA_FRAMEWORKS = new Set(["sca_package", "sca_image"]);

/** Checkov's own package_type words to purl types. */
const ECOSYSTEMS: Record<string, string> = {
  npm: "npm",
  javascript: "npm",
  nodejs: "npm",
  python: "pypi",
  pypi: "pypi",
  java: "maven",
  maven: "maven",
  gradle: "maven",
  go: "golang",
  golang: "golang",
  nuget: "nuget",
  dotnet: "nuget",
  ruby: "gem",
  gem: "gem",
  rubygems: "gem",
  php: "composer",
  composer: "composer",
  rust: "cargo",
  cargo: "cargo",
  deb: "deb",
  os: "generic",
  apk: "apk",
  rpm: "rpm",
};

const isFrameworkReport = (v: unknown): v is Obj => isObj(v) && typeof v.check_type === "string" && isObj(v.results);

const isSummaryOnly = (v: unknown): v is Obj =>
  isObj(v) &&
  "checkov_version" in v &&
  "passed" in v &&
  "failed" in v &&
  ("parsing_errors" in v || "parsingerrors" in v) &&
  !("results" in v);

function detect(doc: Document): boolean {
  if (doc.type !== "json") return false;
  const v = doc.value;
  if (Array.isArray(v)) return v.length > 0 && isFrameworkReport(v[0]);
  return isFrameworkReport(v) || isSummaryOnly(v);
}

function parse(doc: Document, ctx: ParseContext): ParsedReport {
  if (doc.type !== "json") throw new ReportSchemaError(FORMAT, "$", "expected a JSON document");
  const v = doc.value;
  const reports: { report: Obj; path: string }[] = [];
  let version: string | undefined;
  if (Array.isArray(v)) {
    v.forEach((r, i) => {
      if (!isObj(r) || !("check_type" in r || "results" in r)) {
        throw new ReportSchemaError(FORMAT, `[${i}]`, "expected a Checkov framework report object");
      }
      reports.push({ report: r, path: `[${i}]` });
    });
  } else if (isObj(v)) {
    if (isSummaryOnly(v)) version = str(v.checkov_version);
    else if (Object.keys(v).length === 0) {
      // {} : nothing to read
    } else if ("check_type" in v || "results" in v) reports.push({ report: v, path: "" });
    else throw new ReportSchemaError(FORMAT, "$", "expected check_type and results, or a Checkov summary");
  } else if (v !== null) {
    throw new ReportSchemaError(FORMAT, "$", "expected an object or an array of framework reports");
  }

  const findings: RawFinding[] = [];
  const evidence = new Set<EvidenceKind>();
  const warnings: string[] = [];
  for (const { report, path } of reports) {
    const checkType = str(report.check_type) ?? "unknown";
    version ??= isObj(report.summary) ? str(report.summary.checkov_version) : undefined;
    for (const e of evidenceFor(checkType)) evidence.add(e);
    const at = (k: string) => (path ? `${path}.${k}` : k);
    const results = report.results;
    if (results === undefined || results === null) continue;
    if (!isObj(results)) throw new ReportSchemaError(FORMAT, at("results"), "expected an object");
    for (const [key, suppressed] of [
      ["failed_checks", false],
      ["skipped_checks", true],
    ] as const) {
      const list = results[key];
      if (list === undefined || list === null) continue;
      if (!Array.isArray(list)) throw new ReportSchemaError(FORMAT, at(`results.${key}`), "expected an array");
      for (const rec of objects(list)) findings.push(toFinding(rec, checkType, suppressed, ctx));
    }
    const errors = Array.isArray(results.parsing_errors) ? results.parsing_errors.length : 0;
    if (errors > 0) warnings.push(`Checkov could not parse ${errors} file(s) (${checkType}).`);
  }
  // A summary-only report means Checkov ran and found nothing to scan: still IaC evidence.
  if (evidence.size === 0) evidence.add("iac");

  const tool = { name: "checkov", ...(version ? { version } : {}) };
  return {
    format: FORMAT,
    tool,
    parts: [{ tool, succeeded: true, findings }],
    evidence: [...evidence],
    warnings,
  };
}

function evidenceFor(checkType: string): EvidenceKind[] {
  if (checkType === "secrets") return ["secrets"];
  if (checkType === "sca_image") return ["sca", "container"];
  if (checkType === "sca_package") return ["sca"];
  if (CI_FRAMEWORKS.has(checkType)) return ["posture"];
  return ["iac"];
}

function toFinding(rec: Obj, checkType: string, suppressed: boolean, ctx: ParseContext): RawFinding {
  const details = isObj(rec.vulnerability_details) ? rec.vulnerability_details : undefined;
  let kind: FindingKind = "iac";
  if (checkType === "secrets") kind = "secret";
  else if (CI_FRAMEWORKS.has(checkType)) kind = "posture";
  else if (SCA_FRAMEWORKS.has(checkType) && details) kind = str(details.id) || !str(details.license) ? "dependency" : "license";

  const checkId = str(rec.check_id) ?? str(rec.bc_check_id) ?? "unknown";
  const codeLines = objectsOrTuples(rec.code_block);
  const range = Array.isArray(rec.file_line_range) ? rec.file_line_range : [];
  const file = normalizePath(rec.file_path)?.replace(/^\/+/, "") || undefined;
  const guideline = str(rec.guideline);

  const f: RawFinding = {
    kind,
    ruleId: checkId,
    title: str(rec.check_name) ?? str(rec.short_description) ?? checkId,
    severity: "medium",
    aliases: [],
    cwes: [],
    location: {
      ...(file ? { file } : {}),
      ...(line(range[0]) ? { startLine: line(range[0]) } : {}),
      ...(line(range[1]) ? { endLine: line(range[1]) } : {}),
    },
  };
  const description = titleFrom(str(rec.description) ?? str(rec.short_description), 1000);
  if (description && description !== f.title) f.description = description;
  if (guideline) {
    f.remediation = guideline;
    if (/^https?:\/\//i.test(guideline)) f.references = [guideline];
  }

  if (kind === "secret") {
    // The code line holds Checkov's masked secret: only its redaction is kept, never the line or a plain hash of it.
    const text = codeLines.join("").trim();
    if (text) f.secret = ctx.redact(text);
    // Checkov's resource for a secret is a hash of the secret value itself: dropped.
  } else {
    const resource = str(rec.resource);
    if (resource && f.location) f.location.resource = resource;
    if (codeLines.length > 0 && f.location) f.location.snippetHash = ctx.hash(codeLines.join(""));
  }

  const sev = recordSeverity(rec.severity) ?? (details ? recordSeverity(details.severity) : undefined);
  if (details && (kind === "dependency" || kind === "license")) applyPackage(f, details);
  if (sev) f.severity = sev;
  else if (f.cvss?.score !== undefined) f.severity = severityFromScore(f.cvss.score);
  else {
    // Checkov sets severity only with Prisma Cloud enrichment (--bc-api-key); without it: medium.
    f.severity = "medium";
    f.severityDefaulted = true;
  }

  const props: Record<string, string | number | boolean> = { checkType };
  const bc = str(rec.bc_check_id);
  if (bc && bc !== checkId) props.bcCheckId = bc;
  const repoPath = str(rec.repo_file_path);
  if (repoPath && kind !== "secret") props.repoFilePath = repoPath;
  if (suppressed) {
    f.suppressed = true;
    const comment = isObj(rec.check_result) ? str(rec.check_result.suppress_comment) : undefined;
    if (comment) props.suppressComment = comment.slice(0, 300);
  }
  f.properties = { ...f.properties, ...props };
  if (f.location && Object.keys(f.location).length === 0) delete f.location;
  return f;
}

/** code_block is [[lineNumber, text], …]; returns the texts. */
function objectsOrTuples(v: unknown): string[] {
  if (!Array.isArray(v)) return [];
  const out: string[] = [];
  for (const item of v) {
    if (Array.isArray(item) && typeof item[1] === "string") out.push(item[1]);
    else if (typeof item === "string") out.push(item);
  }
  return out;
}

/** Checkov serializes severity as a name ("HIGH") or, in some versions, an object {name, level}. */
function recordSeverity(v: unknown): Severity | undefined {
  if (isObj(v)) return severityFromWord(v.name);
  return severityFromWord(v);
}

function applyPackage(f: RawFinding, d: Obj): void {
  const name = str(d.package_name);
  const version = str(d.package_version);
  const typeWord = str(d.package_type)?.toLowerCase();
  const ecosystem = typeWord ? (ECOSYSTEMS[typeWord] ?? typeWord) : undefined;
  const fixed = splitVersions(d.fixed_versions ?? d.lowest_fixed_version ?? d.fix_version ?? fixedFromStatus(d.status)).filter(
    (x) => x !== "N/A" && !/^open$/i.test(x),
  );
  if (name) {
    f.package = {
      name,
      ...(version ? { version } : {}),
      ...(ecosystem ? { ecosystem } : {}),
      ...(ecosystem && ecosystem !== "generic" ? { purl: buildPurl(ecosystem, name, version) } : {}),
      fixedVersions: fixed,
    };
  }
  const id = str(d.id);
  if (f.kind === "dependency" && id) {
    const vulnId = findVulnId(id) ?? canonicalVulnId(id);
    f.vulnerabilityId = vulnId;
    f.ruleId = vulnId;
  }
  const score = num(d.cvss);
  const vector = str(d.vector);
  if (score !== undefined || vector) f.cvss = { ...(score !== undefined ? { score } : {}), ...(vector ? { vector } : {}) };
  const desc = titleFrom(d.description, 1000);
  if (desc) f.description = desc;
  const link = str(d.link);
  if (link && /^https?:\/\//i.test(link)) f.references = [...(f.references ?? []), link].slice(0, 5);
  const license = str(d.license);
  if (f.kind === "license" && license) {
    f.title = `License ${license}${name ? ` - ${name}${version ? `: ${version}` : ""}` : ""}`;
    f.properties = { ...f.properties, license };
  }
}

/** "fixed in 1.2.3, 1.3.0" → "1.2.3, 1.3.0" (twistcli status field). */
function fixedFromStatus(v: unknown): string | undefined {
  const s = str(v);
  return s && /^fixed in /i.test(s) ? s.replace(/^fixed in /i, "") : undefined;
}

export const checkovFormat: FormatModule<"checkov"> = { id: FORMAT, name: "Checkov JSON", detect, parse };
