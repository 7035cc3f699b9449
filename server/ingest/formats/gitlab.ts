// GitLab security reports (schema 2.x – 15.x): SAST, dependency / container / cluster-image scanning, DAST,
// API and coverage fuzzing, secret detection. Written by GitLab analyzers, semgrep --gitlab-*, Trivy's gitlab.tpl.
import type {
  Document,
  EvidenceKind,
  FindingKind,
  FormatModule,
  ParseContext,
  ParsedReport,
  RawFinding,
  ReportPart,
  ToolInfo,
} from "../types";
import { ReportSchemaError } from "../types";
import { maskSecretIn } from "../redact";
import {
  asArray,
  buildPurl,
  findVulnId,
  isObj,
  line,
  normalizeDigest,
  normalizePath,
  type Obj,
  parseCwes,
  parseTimestamp,
  plainText,
  reportMetadata,
  splitVersions,
  str,
  titleFrom,
} from "../util";
import { compact, compactProps, pickVulnIds, references, severityOrScore, toolVersion } from "./trivy-json";

const FORMAT = "gitlab" as const;

function detect(doc: Document): boolean {
  if (doc.type !== "json" || !isObj(doc.value)) return false;
  const v = doc.value;
  if (!Array.isArray(v.vulnerabilities) || "bomFormat" in v || "ok" in v || "imageDigest" in v || "image_digest" in v)
    return false;
  if (isObj(v.scan) && (isObj(v.scan.scanner) || typeof v.scan.type === "string")) return true;
  const first = v.vulnerabilities[0];
  const looksLikeGitlab = isObj(first) && Array.isArray(first.identifiers) && isObj(first.location);
  if (typeof v.version === "string" && ("remediations" in v || "dependency_files" in v || looksLikeGitlab)) return true;
  // Cut-down reports with neither `version` nor `scan` (DefectDojo's DAST sample): recognise the vulnerability shape.
  return (
    looksLikeGitlab && (typeof first.category === "string" || typeof first.severity === "string" || typeof first.cve === "string")
  );
}

type ScanType =
  | "sast"
  | "dependency_scanning"
  | "container_scanning"
  | "cluster_image_scanning"
  | "dast"
  | "api_fuzzing"
  | "coverage_fuzzing"
  | "secret_detection";

const KIND_OF: Record<ScanType, FindingKind> = {
  sast: "code",
  dependency_scanning: "dependency",
  container_scanning: "dependency",
  cluster_image_scanning: "dependency",
  dast: "dast",
  api_fuzzing: "dast",
  coverage_fuzzing: "dast", // fuzzing probes the running code, like DAST
  secret_detection: "secret",
};

const EVIDENCE_OF: Record<ScanType, EvidenceKind[]> = {
  sast: ["sast"],
  dependency_scanning: ["sca"],
  container_scanning: ["sca", "container"],
  cluster_image_scanning: ["sca", "container"],
  dast: ["dast"],
  api_fuzzing: ["dast"],
  coverage_fuzzing: ["dast"],
  secret_detection: ["secrets"],
};

const asScanType = (v: unknown): ScanType | undefined => {
  const s = str(v)?.toLowerCase();
  return s && s in KIND_OF ? (s as ScanType) : undefined;
};

/** Old reports have no `scan`: infer the scan type from the location's shape. */
function inferType(loc: Obj): ScanType {
  const dep = isObj(loc.dependency) ? loc.dependency : undefined;
  const hasPackage = isObj(dep?.package) && str(dep.package.name) !== undefined;
  if (dep && (str(loc.image) || str(loc.operating_system))) return "container_scanning";
  if (str(loc.hostname) || str(loc.path)) return "dast";
  if ("crash_type" in loc || "crash_state" in loc) return "coverage_fuzzing";
  if (str(loc.file) && line(loc.start_line) === undefined && (hasPackage || dep)) return "dependency_scanning";
  return "sast";
}

const SECRET_TOOLS = /gitleaks|trufflehog|secret/i;

// Fix versions hide in the solution text: "Upgrade to version 2.2.3 or above.", "Upgrade terser to 5.14.2, 4.8.1".
function fixedFrom(solution: string | undefined): string[] {
  const m = /^(?:upgrade|update)\b.*?\bto (?:version )?(.+?)(?: or (?:above|later|higher|newer))?\.?$/i.exec(solution ?? "");
  return m?.[1] ? splitVersions(m[1]) : [];
}

const MANIFEST_ECOSYSTEMS: [RegExp, string][] = [
  [/(^|\/)go\.(sum|mod)$/, "golang"],
  [/(^|\/)(package-lock\.json|npm-shrinkwrap\.json|yarn\.lock|pnpm-lock\.yaml|package\.json)$/, "npm"],
  [/(^|\/)Gemfile(\.lock)?$/, "gem"],
  [/(^|\/)(pom\.xml|build\.gradle(\.kts)?|gradle\.lockfile|build\.sbt)$/, "maven"],
  [/(^|\/)(requirements[^/]*\.txt|Pipfile(\.lock)?|poetry\.lock|setup\.py|pipdeptree\.json|uv\.lock)$/, "pypi"],
  [/(^|\/)composer\.(lock|json)$/, "composer"],
  [/(^|\/)(packages\.lock\.json|[^/]+\.csproj)$/, "nuget"],
  [/(^|\/)conan\.lock$/, "conan"],
  [/(^|\/)Cargo\.lock$/, "cargo"],
];

function ecosystemOf(loc: Obj): { type: string; namespace?: string } | undefined {
  const file = str(loc.file);
  if (file) for (const [re, eco] of MANIFEST_ECOSYSTEMS) if (re.test(file)) return { type: eco };
  const os = str(loc.operating_system)?.toLowerCase().split(/[\s:]/)[0];
  if (!os) return undefined;
  if (os === "alpine") return { type: "apk", namespace: "alpine" };
  if (os === "debian" || os === "ubuntu") return { type: "deb", namespace: os };
  if (/^(centos|rhel|redhat|amazon|amzn|rocky|almalinux|alma|oracle|ol|fedora|photon)$/.test(os))
    return { type: "rpm", namespace: os };
  return undefined;
}

type Ids = { cves: string[]; ghsas: string[]; cwes: number[]; ruleIds: string[]; urlIds: string[] };

function identifiers(v: Obj): Ids {
  const ids: Ids = { cves: [], ghsas: [], cwes: [], ruleIds: [], urlIds: [] };
  for (const id of asArray(v.identifiers).filter(isObj)) {
    const type = str(id.type)?.toLowerCase() ?? "";
    const value = str(id.value) ?? str(id.name);
    if (!value) continue;
    if (type === "cwe") ids.cwes.push(...parseCwes([/^\d+$/.test(value) ? Number(value) : value]));
    else if (type === "cve" || /^CVE-\d{4}-\d+$/i.test(value)) ids.cves.push(value);
    else if (type === "ghsa" || /^GHSA-/i.test(value)) ids.ghsas.push(value);
    else if (type !== "owasp") {
      ids.ruleIds.push(value);
      // Gemnasium advisories link to ".../CVE-2020-29652.yml": the CVE the report does not list otherwise.
      const fromUrl = findVulnId(id.url);
      if (fromUrl) ids.urlIds.push(fromUrl);
    }
  }
  return ids;
}

function rawExtract(v: Obj): string | undefined {
  const raw = v.raw_source_code_extract;
  const text = Array.isArray(raw) ? raw.filter((x) => typeof x === "string").join("") : typeof raw === "string" ? raw : undefined;
  return text && text.trim() !== "" ? text : undefined;
}

function vulnFinding(v: Obj, path: string, scanType: ScanType | undefined, ctx: ParseContext): RawFinding {
  if (v.location !== undefined && v.location !== null && !isObj(v.location))
    throw new ReportSchemaError(FORMAT, `${path}.location`, "expected an object");
  if (v.identifiers !== undefined && v.identifiers !== null && !Array.isArray(v.identifiers)) {
    throw new ReportSchemaError(FORMAT, `${path}.identifiers`, "expected an array");
  }
  const loc = isObj(v.location) ? v.location : {};
  const type = asScanType(v.category) ?? scanType ?? inferType(loc);
  const ids = identifiers(v);
  const scanner = isObj(v.scanner) ? v.scanner : {};
  // Old SAST reports carried gitleaks / TruffleHog results under category "sast".
  const secretTool = SECRET_TOOLS.test(
    `${str(scanner.id) ?? ""} ${asArray(v.identifiers)
      .filter(isObj)
      .map((i) => str(i.type))
      .join(" ")}`,
  );
  const kind: FindingKind = type === "sast" && secretTool ? "secret" : KIND_OF[type];
  const extract = rawExtract(v);
  const dep = isObj(loc.dependency) ? loc.dependency : {};
  const cve = str(v.cve);
  // Gemnasium's composite key "<file>:<package>:gemnasium:<advisory>" names the package when location does not.
  const cveParts = cve?.split(":") ?? [];
  const pkgName =
    str(isObj(dep.package) ? dep.package.name : undefined) ??
    (cveParts.length >= 4 && cveParts[2] === "gemnasium" ? str(cveParts[1]) : undefined);
  const pkgVersion = str(dep.version);
  const solution = str(v.solution);

  const vulnIds =
    kind === "dependency" ? pickVulnIds([...ids.cves, ...ids.ghsas, ...ids.urlIds, ...ids.ruleIds]) : { aliases: [] as string[] };
  const ruleId =
    (kind === "dependency" ? vulnIds.vulnerabilityId : ids.ruleIds[0]) ??
    ids.cves[0] ??
    (cve && !cve.includes(":") ? cve : undefined) ??
    str(v.name) ??
    str(v.id) ??
    "unknown";

  let title = str(v.name) ?? titleFrom(v.message) ?? titleFrom(v.description) ?? ruleId;
  let description = plainText(v.description ?? v.message, 1000);
  let secret: RawFinding["secret"];
  if (kind === "secret" && extract) {
    // raw_source_code_extract is the leaked value (gitleaks offender): redacted, never emitted.
    secret = ctx.redact(extract);
    title = maskSecretIn(title, extract);
    description = description ? maskSecretIn(description, extract) : undefined;
  }

  let pkg: RawFinding["package"];
  if (kind === "dependency" && pkgName) {
    const eco = ecosystemOf(loc);
    const purlName = eco ? `${eco.namespace ? `${eco.namespace}/` : ""}${pkgName}` : pkgName;
    // Maven names need a group id ("group/artifact"); without one no purl is built.
    const purl =
      eco && (eco.type !== "maven" || /[/:]/.test(pkgName))
        ? buildPurl(eco.type, purlName.replace(":", "/"), pkgVersion)
        : undefined;
    pkg = { purl, ecosystem: eco?.type, name: pkgName, version: pkgVersion, fixedVersions: fixedFrom(solution) };
  }

  const hostname = str(loc.hostname);
  const urlPath = str(loc.path);
  const file = kind === "dast" ? undefined : normalizePath(loc.file);
  return {
    kind,
    ruleId,
    title,
    description,
    // GitLab's own severity; "Unknown" or none → info, defaulted.
    ...severityOrScore(v.severity, undefined),
    ...vulnIds,
    cwes: [...new Set(ids.cwes)].sort((a, b) => a - b),
    package: pkg,
    location: compact({
      file,
      startLine: line(loc.start_line),
      endLine: line(loc.end_line),
      // A code snippet is only hashed; a secret's extract is only redacted.
      snippetHash: kind !== "secret" && extract ? ctx.hash(extract.trim()) : undefined,
      image: str(loc.image),
      url: hostname ? `${hostname.replace(/\/+$/, "")}${urlPath ?? ""}` : urlPath,
      method: str(loc.method),
      param: str(loc.param),
    }),
    secret,
    // The old composite `cve` key survives code moving unless it embeds a line number; for secrets it embeds a
    // hash of the secret, so it is not kept.
    toolFingerprint: kind !== "secret" && cve && cve.includes(":") && !/:\d+(:|$)/.test(cve) ? cve : undefined,
    remediation: solution && !/^no solution provided$/i.test(solution) ? solution : undefined,
    references: references(undefined, asArray(v.links)),
    properties: compactProps({
      confidence: str(v.confidence),
      class: str(loc.class),
      method: kind === "code" ? str(loc.method) : undefined,
      crashType: str(loc.crash_type),
      operatingSystem: str(loc.operating_system),
    }),
  };
}

function toolOf(scanner: Obj | undefined): ToolInfo | undefined {
  const name = str(scanner?.name) ?? str(scanner?.id);
  if (!name) return undefined;
  const version = toolVersion(scanner?.version);
  return { name, ...(version ? { version } : {}) };
}

function parse(doc: Document, ctx: ParseContext): ParsedReport {
  const v = doc.type === "json" ? doc.value : undefined;
  if (!isObj(v)) throw new ReportSchemaError(FORMAT, "$", "expected a GitLab security report object");
  if (v.vulnerabilities !== undefined && v.vulnerabilities !== null && !Array.isArray(v.vulnerabilities)) {
    throw new ReportSchemaError(FORMAT, "vulnerabilities", "expected an array");
  }
  if (v.scan !== undefined && v.scan !== null && !isObj(v.scan))
    throw new ReportSchemaError(FORMAT, "scan", "expected an object");
  const scan = isObj(v.scan) ? v.scan : undefined;
  const scanType = asScanType(scan?.type);
  const scanTool = toolOf(isObj(scan?.scanner) ? scan.scanner : undefined);
  const failed = str(scan?.status) === "failure";

  // One part per scanner: a report carries one `scan.scanner`, old 2.x reports merge several analyzers.
  const byTool = new Map<string, ReportPart>();
  const partFor = (tool: ToolInfo): ReportPart => {
    const key = `${tool.name}\u0000${tool.version ?? ""}`;
    let part = byTool.get(key);
    if (!part) {
      part = { tool, succeeded: !failed, ...(failed ? { failureReason: "The scan's status is failure." } : {}), findings: [] };
      byTool.set(key, part);
    }
    return part;
  };
  if (scanTool) partFor(scanTool);

  const evidence = new Set<EvidenceKind>(scanType ? EVIDENCE_OF[scanType] : []);
  const digests: (string | undefined)[] = [];
  asArray(v.vulnerabilities).forEach((raw, i) => {
    if (!isObj(raw)) throw new ReportSchemaError(FORMAT, `vulnerabilities[${i}]`, "expected a vulnerability object");
    const f = vulnFinding(raw, `vulnerabilities[${i}]`, scanType, ctx);
    const tool = scanTool ?? toolOf(isObj(raw.scanner) ? raw.scanner : undefined) ?? { name: "GitLab" };
    partFor(tool).findings.push(f);
    const type = asScanType(raw.category) ?? scanType;
    if (f.kind === "dependency" && (type === "container_scanning" || type === "cluster_image_scanning" || f.location?.image)) {
      evidence.add("sca").add("container");
      digests.push(f.location?.image);
    } else if (f.kind === "dependency") evidence.add("sca");
    else if (f.kind === "code") evidence.add("sast");
    else if (f.kind === "secret") evidence.add("secrets");
    else if (f.kind === "dast") evidence.add("dast");
  });

  const parts = [...byTool.values()];
  if (parts.length === 0) parts.push(partFor({ name: "GitLab" }));
  return {
    format: FORMAT,
    tool: parts[0]!.tool,
    parts,
    evidence: [...evidence],
    // No target: container-scanning reports name the image only inside each vulnerability.
    ...reportMetadata({
      generatedAt: parseTimestamp(scan?.end_time) ?? parseTimestamp(scan?.start_time),
      // A container scan names one image; several different digests name no single artifact.
      digests: new Set(digests.map(normalizeDigest).filter(Boolean)).size === 1 ? digests : [],
    }),
    warnings: [],
  };
}

export const gitlabFormat: FormatModule<"gitlab"> = { id: FORMAT, name: "GitLab security report", detect, parse };
