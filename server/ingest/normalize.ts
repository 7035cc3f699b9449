// Raw findings → normalized findings with fingerprints and risk areas, deduplicated within the report.
import { riskAreaOf, type RiskArea } from "./risk-area";
import { SEVERITIES, type ParsedReport, type RawFinding, type Severity } from "./types";
import { canonicalVulnId, parsePurl } from "./util";

export const SEVERITY_RANK: Record<Severity, number> = { critical: 5, high: 4, medium: 3, low: 2, info: 1 };
export const severityOfRank = (rank: number): Severity => SEVERITIES[5 - rank] ?? "info";

export type NormalizedFinding = RawFinding & {
  fingerprint: string;
  riskArea: RiskArea;
  severityRank: number;
  /** lower-cased tool name: part of the lifecycle scope */
  tool: string;
  category: string;
  /** how many results of the report collapsed into this finding */
  occurrences: number;
};

export type NormalizedPart = {
  tool: string;
  toolVersion?: string;
  category: string;
  succeeded: boolean;
  failureReason?: string;
  findings: NormalizedFinding[];
};

const lower = (s: string | undefined) => (s ?? "").trim().toLowerCase();

/** The package without version, qualifiers or subpath: the same vulnerability in a package is one finding across versions and tools. */
export function packageKey(p: NonNullable<RawFinding["package"]>): string {
  if (p.purl) {
    // A report lists each package's purl once per vulnerability: parse each purl once (a bounded memo; pure).
    const known = keyOfPurl.get(p.purl);
    if (known !== undefined) return known;
    const purl = parsePurl(p.purl);
    if (purl) {
      const key = `${purl.type}/${purl.namespace ? `${lower(purl.namespace)}/` : ""}${lower(purl.name)}`;
      if (keyOfPurl.size >= 20_000) keyOfPurl.clear();
      keyOfPurl.set(p.purl, key);
      return key;
    }
  }
  return `${lower(p.ecosystem) || "unknown"}/${lower(p.name)}`;
}
const keyOfPurl = new Map<string, string>();

/** The id a vulnerability is known by across tools: a CVE when any id is one, else a GHSA, else the tool's id. */
export function canonicalVulnerability(f: RawFinding): string {
  const ids = [f.vulnerabilityId, ...f.aliases].filter((x): x is string => !!x).map(canonicalVulnId);
  const cves = ids.filter((i) => i.startsWith("CVE-")).sort();
  if (cves[0]) return cves[0];
  const ghsa = ids.filter((i) => i.startsWith("GHSA")).sort();
  if (ghsa[0]) return ghsa[0];
  return ids[0] ?? f.ruleId;
}

function dastTarget(url: string | undefined): string {
  if (!url) return "";
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host.toLowerCase()}${u.pathname}`;
  } catch {
    return url.split("?")[0]!;
  }
}

/** The identity of a finding, before hashing. Line numbers never take part: moving code keeps the finding. */
export function fingerprintMaterial(f: RawFinding, tool: string): string[] {
  const loc = f.location ?? {};
  const file = loc.file ?? "";
  switch (f.kind) {
    case "secret":
      return ["secret", f.ruleId, file || loc.resource || loc.image || "", f.secret?.hash ?? loc.snippetHash ?? f.title];
    case "dependency":
    case "license":
      if (f.package) return [f.kind, packageKey(f.package), f.kind === "license" ? f.ruleId : canonicalVulnerability(f)];
      return [f.kind, loc.image || file, canonicalVulnerability(f)];
    case "iac":
    case "config":
    case "posture":
      return [f.kind, f.ruleId, loc.resource || file || loc.image || "", loc.resource ? "" : (loc.snippetHash ?? "")];
    case "dast":
      return ["dast", f.ruleId, (loc.method ?? "").toUpperCase(), dastTarget(loc.url), loc.param ?? ""];
    case "code":
      if (f.toolFingerprint) return ["code", tool, f.ruleId, file, f.toolFingerprint];
      return ["code", f.ruleId, file, loc.snippetHash ?? f.title];
  }
}

/** The same vulnerability under another of its ids (a CVE once, its GHSA with the CVE as alias once): `into` keeps both. */
export function keepIdsOf(
  from: Pick<RawFinding, "vulnerabilityId" | "aliases">,
  into: Pick<RawFinding, "vulnerabilityId" | "aliases">,
): void {
  for (const id of [from.vulnerabilityId, ...from.aliases])
    if (id && id !== into.vulnerabilityId && !into.aliases.includes(id)) into.aliases = [...into.aliases, id];
}

export function maxSeverity(a: Severity, b: Severity): Severity {
  return SEVERITY_RANK[a] >= SEVERITY_RANK[b] ? a : b;
}

/**
 * The normalized finding, every field named: one object literal gives it one fixed shape with its fields inside the
 * object. Copying ~25 fields into `{}` (Object.assign or a spread) left V8 holding each finding as a dictionary, 1.5 KB
 * of property table apiece: 150 MB of a 100k-finding report's heap, which every full collection during its ingest
 * walked again. The type below fails to compile if RawFinding gains a field this does not copy.
 */
function normalizedFinding(f: RawFinding, fingerprint: string, tool: string, category: string): NormalizedFinding {
  const copy: { [K in keyof Required<RawFinding>]: RawFinding[K] } & Omit<NormalizedFinding, keyof RawFinding> = {
    kind: f.kind,
    ruleId: f.ruleId,
    title: f.title,
    description: f.description,
    severity: f.severity,
    severityDefaulted: f.severityDefaulted,
    vulnerabilityId: f.vulnerabilityId,
    aliases: f.aliases,
    cwes: f.cwes,
    cvss: f.cvss,
    package: f.package,
    location: f.location,
    secret: f.secret,
    toolFingerprint: f.toolFingerprint,
    remediation: f.remediation,
    references: f.references,
    suppressed: f.suppressed,
    properties: f.properties,
    fingerprint,
    riskArea: riskAreaOf(f),
    severityRank: SEVERITY_RANK[f.severity],
    tool,
    category,
    occurrences: 1,
  };
  return copy;
}

/**
 * Normalizes every part of a report. `hash` is sha256-hex (injected). Results with the same identity in one
 * report collapse into one finding (the highest severity wins); code results that share rule, file and title
 * but have no snippet or tool fingerprint are told apart by their order in the file, so a shift keeps them.
 */
export function normalizeReport(report: ParsedReport, hash: (s: string) => string): NormalizedPart[] {
  return report.parts.map((part) => {
    const tool = lower(part.tool.name) || lower(report.tool.name) || report.format;
    const category = part.category?.trim() ?? "";
    const byFp = new Map<string, NormalizedFinding>();
    const needsOrdinal = new Map<string, RawFinding[]>();
    const keyed: { f: RawFinding; material: string[] }[] = [];
    for (const f of part.findings) {
      const material = fingerprintMaterial(f, tool);
      if (f.kind === "code" && !f.toolFingerprint && !f.location?.snippetHash) {
        const k = material.join("\u0000");
        const list = needsOrdinal.get(k) ?? [];
        list.push(f);
        needsOrdinal.set(k, list);
      }
      keyed.push({ f, material });
    }
    const ordinal = new Map<RawFinding, number>();
    for (const list of needsOrdinal.values()) {
      if (list.length < 2) continue;
      const lines = [...new Set(list.map((f) => f.location?.startLine ?? 0))].sort((a, b) => a - b);
      if (lines.length < 2) continue; // the same line reported twice is one finding
      for (const f of list) ordinal.set(f, lines.indexOf(f.location?.startLine ?? 0));
    }
    for (const { f, material } of keyed) {
      const o = ordinal.get(f);
      const fp = hash([...material, o === undefined ? "" : `#${o}`].join("\u0000")).slice(0, 40);
      const existing = byFp.get(fp);
      if (existing) {
        existing.occurrences++;
        if (SEVERITY_RANK[f.severity] > existing.severityRank) {
          existing.severity = f.severity;
          existing.severityRank = SEVERITY_RANK[f.severity];
        }
        existing.suppressed = existing.suppressed && f.suppressed;
        keepIdsOf(f, existing);
        continue;
      }
      byFp.set(fp, normalizedFinding(f, fp, tool, category));
    }
    return {
      tool,
      toolVersion: part.tool.version,
      category,
      succeeded: part.succeeded,
      failureReason: part.failureReason,
      findings: [...byFp.values()],
    };
  });
}
