// OWASP Dependency-Check JSON report: one dependency finding per (dependency, vulnerability).
// The XML module converts its tree to this JSON shape and reuses parseDependencyCheck.
import type { FormatId, FormatModule, PackageRef, ParsedReport, RawFinding, Severity } from "../types";
import { ReportSchemaError } from "../types";
import {
  type Obj,
  findVulnId,
  isObj,
  jsonValue,
  normalizePath,
  num,
  objects,
  parseCwes,
  parsePurl,
  parseTimestamp,
  plainText,
  reportMetadata,
  severityFromScore,
  severityFromWord,
  str,
  titleFrom,
} from "../util";

export type DependencyCheckReport = {
  engineVersion?: string;
  /** projectInfo: reportDate, and the project's name (or Maven coordinates) */
  reportDate?: string;
  project?: { name?: string; groupID?: string; artifactID?: string };
  dataSources: { name?: string; timestamp?: string }[];
  dependencies: unknown;
  analysisExceptions: number;
};

const METRIC_LETTER: Record<string, string> = { ADJACENT_NETWORK: "A", ADJACENT: "A", REQUIRED: "R" };
const letter = (v: unknown): string | undefined => {
  const s = str(v)?.toUpperCase();
  if (!s) return undefined;
  return METRIC_LETTER[s] ?? s[0];
};

/** Rebuilds the CVSS v3 vector from Dependency-Check's spelled-out metrics. */
function cvss3Vector(c: Obj): string | undefined {
  const parts = [
    ["AV", c.attackVector],
    ["AC", c.attackComplexity],
    ["PR", c.privilegesRequired],
    ["UI", c.userInteraction],
    ["S", c.scope],
    ["C", c.confidentialityImpact],
    ["I", c.integrityImpact],
    ["A", c.availabilityImpact],
  ].map(([k, v]) => [k, letter(v)] as const);
  if (parts.some(([, v]) => !v)) return undefined;
  const version = str(c.version);
  const body = parts.map(([k, v]) => `${k}:${v}`).join("/");
  return version && /^3\.[01]$/.test(version) ? `CVSS:${version}/${body}` : body;
}

function cvssOf(v: Obj): RawFinding["cvss"] {
  const v4 = isObj(v.cvssv4) ? v.cvssv4 : undefined;
  const v3 = isObj(v.cvssv3) ? v.cvssv3 : undefined;
  const v2 = isObj(v.cvssv2) ? v.cvssv2 : undefined;
  if (v3 && num(v3.baseScore) !== undefined) {
    return { score: num(v3.baseScore), vector: cvss3Vector(v3), version: str(v3.version) };
  }
  if (v4 && num(v4.baseScore) !== undefined) return { score: num(v4.baseScore), vector: str(v4.vectorString), version: "4.0" };
  if (v2 && num(v2.score) !== undefined) return { score: num(v2.score), version: "2.0" };
  return undefined;
}

/** The tool's severity word (mixed case: HIGH, Moderate, low), else the CVSS severities, else the score. */
function severityOf(v: Obj, cvss: RawFinding["cvss"]): { severity: Severity; defaulted?: true } {
  const words = [
    v.severity,
    isObj(v.cvssv3) ? v.cvssv3.baseSeverity : undefined,
    isObj(v.cvssv4) ? v.cvssv4.baseSeverity : undefined,
    isObj(v.cvssv2) ? v.cvssv2.severity : undefined,
  ];
  for (const w of words) {
    const s = severityFromWord(w);
    if (s && str(w)?.toLowerCase() !== "unknown") return { severity: s };
  }
  if (cvss?.score !== undefined) return { severity: severityFromScore(cvss.score) };
  // An unscored vulnerability the tool itself calls "Unknown" stays on the tool's word (info).
  if (words.some((w) => str(w)?.toLowerCase() === "unknown")) return { severity: "info" };
  // Dependency-Check always rates a vulnerability; if it did not, medium keeps the match visible.
  return { severity: "medium", defaulted: true };
}

function nameFromPurl(purl: string): { name: string; version?: string; type: string } | undefined {
  const p = parsePurl(purl);
  if (!p) return undefined;
  const ns = p.namespace && !["deb", "rpm", "apk"].includes(p.type) ? p.namespace : undefined;
  const name = ns ? (p.type === "maven" ? `${ns}:${p.name}` : `${ns}/${p.name}`) : p.name;
  return { name, version: p.version, type: p.type };
}

function packageOf(dep: Obj): PackageRef {
  const purl = objects(dep.packages)
    .map((p) => str(p.id))
    .find((id) => id?.startsWith("pkg:"));
  const parsed = purl ? nameFromPurl(purl) : undefined;
  if (purl && parsed) return { purl, ecosystem: parsed.type, name: parsed.name, version: parsed.version, fixedVersions: [] };
  return { name: str(dep.fileName) ?? str(dep.filePath) ?? "unknown", fixedVersions: [] };
}

function dependencyFindings(dep: Obj): RawFinding[] {
  const pkg = packageOf(dep);
  // Virtual dependencies point into a lockfile: "/app/package-lock.json?yargs-parser".
  const file = normalizePath(str(dep.filePath)?.split("?")[0]);
  const all = [
    ...objects(dep.vulnerabilities).map((v) => ({ v, suppressed: v.suppressed === true })),
    ...objects(dep.suppressedVulnerabilities).map((v) => ({ v, suppressed: true })),
  ];
  return all.map(({ v, suppressed }) => {
    const name = str(v.name) ?? "unknown";
    const id = findVulnId(name);
    const cvss = cvssOf(v);
    const { severity, defaulted } = severityOf(v, cvss);
    const source = str(v.source);
    const f: RawFinding = {
      kind: "dependency",
      ruleId: name,
      title: `${titleFrom(name, 120)} in ${pkg.name}${pkg.version ? `@${pkg.version}` : ""}`,
      description: plainText(v.description, 1000),
      severity,
      // Free-text names (RetireJS titles, "CWE-400: …") are not vulnerability ids.
      vulnerabilityId: id ?? (/^\S+$/.test(name) ? name : undefined),
      aliases: [],
      cwes: parseCwes(v.cwes),
      cvss,
      package: { ...pkg, fixedVersions: [] },
      references: objects(v.references)
        .map((r) => str(r.url))
        .filter((u): u is string => !!u && /^https?:\/\//i.test(u))
        .slice(0, 5),
    };
    if (defaulted) f.severityDefaulted = true;
    if (file) f.location = { file };
    if (suppressed) f.suppressed = true;
    const props: Record<string, string> = {};
    if (source) props.source = source;
    const notes = str(v.notes);
    if (notes && suppressed) props.suppressionNote = notes.slice(0, 200);
    if (Object.keys(props).length) f.properties = props;
    return f;
  });
}

/** Data-source times: epoch seconds, or local times without a zone ("2023-02-02T16:59:31") read as UTC. */
function isoTime(v: string | undefined): string | undefined {
  if (v && /^\d{9,11}$/.test(v)) return new Date(Number(v) * 1000).toISOString();
  return parseTimestamp(v);
}

/** When the NVD data was last refreshed ("NVD CVE Checked" ≤ 8.x, "NVD API Last Checked" ≥ 9.x). */
function dbTime(sources: DependencyCheckReport["dataSources"]): string | undefined {
  const pick = (re: RegExp) => sources.find((s) => s.name && re.test(s.name))?.timestamp;
  return isoTime(pick(/NVD.*Checked/i) ?? pick(/NVD.*Modified/i));
}

export function parseDependencyCheck(format: FormatId, r: DependencyCheckReport): ParsedReport {
  if (r.dependencies !== undefined && r.dependencies !== null && !Array.isArray(r.dependencies)) {
    throw new ReportSchemaError(format, "dependencies", "expected an array of dependencies");
  }
  const findings = objects(r.dependencies).flatMap(dependencyFindings);
  const tool = r.engineVersion ? { name: "Dependency-Check", version: r.engineVersion } : { name: "Dependency-Check" };
  const warnings: string[] = [];
  if (r.analysisExceptions)
    warnings.push(
      `Dependency-Check reported ${r.analysisExceptions} analysis exception(s); some dependencies may not have been checked.`,
    );
  const p = r.project;
  const coordinates = p?.groupID && p.artifactID ? `${p.groupID}:${p.artifactID}` : undefined;
  const report: ParsedReport = {
    format,
    tool,
    parts: [{ tool, succeeded: true, findings }],
    evidence: ["sca"],
    // The project is what was scanned (`--project`, or the Maven/Gradle project's name).
    ...reportMetadata({ generatedAt: parseTimestamp(r.reportDate), target: p?.name ?? coordinates }),
    warnings,
  };
  const db = dbTime(r.dataSources);
  if (db) report.scannerDbBuiltAt = db;
  return report;
}

export const dependencyCheckJsonFormat: FormatModule<"dependency-check-json"> = {
  id: "dependency-check-json",
  name: "OWASP Dependency-Check JSON",
  aliases: ["dependency-check"],
  detect: (doc) => {
    const v = jsonValue(doc);
    return isObj(v) && "reportSchema" in v && isObj(v.scanInfo) && (isObj(v.projectInfo) || "dependencies" in v);
  },
  parse: (doc) => {
    const v = jsonValue(doc);
    if (v === null || (Array.isArray(v) && v.length === 0)) {
      return parseDependencyCheck("dependency-check-json", { dataSources: [], dependencies: [], analysisExceptions: 0 });
    }
    if (!isObj(v)) throw new ReportSchemaError("dependency-check-json", "$", "expected a Dependency-Check report object");
    const scanInfo = isObj(v.scanInfo) ? v.scanInfo : {};
    const projectInfo = isObj(v.projectInfo) ? v.projectInfo : {};
    return parseDependencyCheck("dependency-check-json", {
      engineVersion: str(scanInfo.engineVersion),
      reportDate: str(projectInfo.reportDate),
      project: { name: str(projectInfo.name), groupID: str(projectInfo.groupID), artifactID: str(projectInfo.artifactID) },
      dataSources: objects(scanInfo.dataSource).map((d) => ({ name: str(d.name), timestamp: str(d.timestamp) })),
      dependencies: v.dependencies,
      analysisExceptions: objects(scanInfo.analysisExceptions).length,
    });
  },
};
