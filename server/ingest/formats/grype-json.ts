// Grype JSON (`grype -o json`): matches[] of vulnerability × artifact, from grype 0.7 to current.
import type { Document, EvidenceKind, FormatModule, ParseContext, ParsedReport, RawFinding } from "../types";
import { ReportSchemaError } from "../types";
import {
  asArray,
  isObj,
  normalizePath,
  num,
  parseCwes,
  parsePurl,
  buildPurl,
  imageTarget,
  parseTimestamp,
  plainText,
  reportMetadata,
  splitVersions,
  str,
  targetPath,
  type Obj,
} from "../util";
import { compact, compactProps, pickVulnIds, references, severityOrScore, toolVersion } from "./trivy-json";

const FORMAT = "grype-json" as const;

function detect(doc: Document): boolean {
  if (doc.type !== "json" || !isObj(doc.value)) return false;
  const v = doc.value;
  if (!("matches" in v)) return false;
  if (isObj(v.descriptor)) return str(v.descriptor.name)?.toLowerCase() === "grype";
  // One real DefectDojo sample has no descriptor: recognise the match shape instead.
  const first = Array.isArray(v.matches) ? v.matches[0] : undefined;
  return isObj(first) && isObj(first.vulnerability) && isObj(first.artifact);
}

type Cvss = { score?: number; vector?: string; version?: string };

/** The highest-version CVSS entry of a grype cvss[] list (or the 0.7 cvssV3/cvssV2 objects). */
function pickCvss(vuln: Obj): Cvss | undefined {
  const list = asArray(vuln.cvss).filter(isObj);
  const scored = list
    .map((c) => ({
      score: num(isObj(c.metrics) ? c.metrics.baseScore : undefined),
      vector: str(c.vector),
      version: str(c.version),
    }))
    .filter((c) => c.score !== undefined);
  // The newest CVSS version wins (grype lists 2.0 and 3.x side by side).
  scored.sort((a, b) => Number(b.version ?? 0) - Number(a.version ?? 0));
  if (scored[0]) return scored[0];
  for (const [key, version] of [
    ["cvssV3", "3.x"],
    ["cvssV2", "2.0"],
  ] as const) {
    const c = vuln[key];
    if (isObj(c) && num(c.baseScore) !== undefined) {
      const vector = str(c.vector);
      const v = key === "cvssV3" ? (/^CVSS:(3\.[01])/.exec(vector ?? "")?.[1] ?? "3.0") : version;
      return { score: num(c.baseScore), vector, version: v };
    }
  }
  return undefined;
}

function matchFinding(m: Obj, path: string, image: string | undefined): RawFinding {
  if (!isObj(m.vulnerability)) throw new ReportSchemaError(FORMAT, `${path}.vulnerability`, "expected an object");
  const vuln = m.vulnerability;
  const art = isObj(m.artifact) ? m.artifact : {};
  const related = asArray(m.relatedVulnerabilities).filter(isObj);
  const id = str(vuln.id) ?? "unknown";
  const ids = pickVulnIds([id, ...related.map((r) => r.id)]);
  const cvss = pickCvss(vuln) ?? related.map(pickCvss).find(Boolean);
  const fix = isObj(vuln.fix) ? vuln.fix : {};
  const fixedVersions = splitVersions(asArray(fix.versions).length ? fix.versions : vuln.fixedInVersion);
  const fixState = str(fix.state);
  const name = str(art.name) ?? "unknown";
  const version = str(art.version);
  const type = str(art.type);
  const purl =
    str(art.purl) ??
    (type && /^(npm|gem|pypi|golang|cargo|nuget|composer|hex|pub)$/.test(type) ? buildPurl(type, name, version) : undefined);
  const description = plainText(vuln.description ?? related.find((r) => str(r.description))?.description, 1000);
  const loc = asArray(art.locations).find(isObj);
  return {
    kind: "dependency",
    ruleId: id,
    title: `${id} in ${name}${version ? ` ${version}` : ""}`,
    description,
    // Grype's own scale (Negligible → low); "Unknown" or null falls back to the CVSS score.
    ...severityOrScore(vuln.severity, cvss?.score),
    ...ids,
    cwes: parseCwes(asArray(vuln.cwes)),
    cvss,
    package: { purl, ecosystem: parsePurl(purl)?.type ?? type?.toLowerCase(), name, version, fixedVersions },
    location: compact({ file: normalizePath(loc?.path), image }),
    remediation: fixedVersions.length ? `Upgrade ${name} to ${fixedVersions.join(" or ")}.` : undefined,
    references: references(vuln.dataSource, [...asArray(vuln.urls), ...asArray(vuln.links)]),
    // "wont-fix" is the vendor's decision not to fix, not a suppression by the user: kept open.
    properties: compactProps({ fixState: fixState || undefined, namespace: str(vuln.namespace) }),
  };
}

function parse(doc: Document, _ctx: ParseContext): ParsedReport {
  const v = doc.type === "json" ? doc.value : undefined;
  if (!isObj(v)) throw new ReportSchemaError(FORMAT, "$", "expected a Grype report object");
  if (v.matches !== undefined && v.matches !== null && !Array.isArray(v.matches)) {
    throw new ReportSchemaError(FORMAT, "matches", "expected an array");
  }
  const descriptor = isObj(v.descriptor) ? v.descriptor : {};
  const source = isObj(v.source) ? v.source : {};
  const target = isObj(source.target) ? source.target : undefined;
  const isImage = str(source.type) === "image";
  const image = isImage ? (str(target?.userInput) ?? asArray(target?.tags).map(str).find(Boolean)) : undefined;
  const findings = asArray(v.matches).map((m, i) => {
    if (!isObj(m)) throw new ReportSchemaError(FORMAT, `matches[${i}]`, "expected a match object");
    return matchFinding(m, `matches[${i}]`, image);
  });

  // DB build time moved around: db.built (schema ≤ 5), db.status.built (v6).
  const db = isObj(descriptor.db) ? descriptor.db : {};
  const status = isObj(db.status) ? db.status : {};
  const scannerDbBuiltAt = parseTimestamp(db.built) ?? parseTimestamp(status.built);
  const metadata = reportMetadata({
    generatedAt: parseTimestamp(descriptor.timestamp),
    // Registry digests, the image manifest, then the image (config) id.
    digests: isImage ? [...asArray(target?.repoDigests), target?.manifestDigest, target?.imageID] : [],
    // A directory or file source names its path in `target` (a string, or {path} in newer versions).
    target: isImage ? imageTarget(image) : targetPath(str(source.target) ?? target?.path),
  });

  const version = toolVersion(descriptor.version);
  const tool = { name: "Grype", ...(version ? { version } : {}) };
  const evidence: EvidenceKind[] = isImage ? ["sca", "container"] : ["sca"];
  return {
    format: FORMAT,
    tool,
    parts: [{ tool, succeeded: true, findings }],
    evidence,
    ...(scannerDbBuiltAt ? { scannerDbBuiltAt } : {}),
    ...metadata,
    warnings: [],
  };
}

export const grypeJsonFormat: FormatModule<"grype-json"> = { id: FORMAT, name: "Grype JSON", aliases: ["grype"], detect, parse };
