// CycloneDX JSON (1.2–1.7): SBOM evidence, plus dependency findings from vulnerabilities[] (1.4+, VEX).
// The XML module converts its tree to this JSON shape and reuses parseCycloneDxBom.
import type { FormatId, FormatModule, PackageRef, ParseContext, ParsedReport, RawFinding, Severity, ToolInfo } from "../types";
import { ReportSchemaError } from "../types";
import {
  type Obj,
  type Purl,
  canonicalVulnId,
  digestFromHex,
  imageTarget,
  isObj,
  jsonValue,
  objects,
  parseCwes,
  parsePurl,
  parseTimestamp,
  plainText,
  reportMetadata,
  severityFromScore,
  severityFromWord,
  splitVersions,
  str,
  targetPath,
  uniqueIds,
  num,
} from "../util";
import { cvss3BaseScore, cvssVersionOf } from "./cvss";

/** VEX analysis states meaning "this vulnerability does not apply (any more)". */
const SUPPRESSED_STATES = new Set(["not_affected", "false_positive", "resolved", "resolved_with_pedigree"]);

const SEVERITY_RANK: Record<Severity, number> = { critical: 5, high: 4, medium: 3, low: 2, info: 1 };

/** A tool version, or undefined for the placeholders goldens and dev builds write. */
export function cleanToolVersion(v: unknown): string | undefined {
  const s = str(v);
  if (!s) return undefined;
  if (/^\[.*\]$|^\{\{.*\}\}$|^-$|^not provided$/i.test(s)) return undefined;
  return s;
}

/** metadata.tools: an array of {vendor,name,version} (1.2–1.4) or {components:[…],services:[…]} (1.5+). */
export function cycloneDxTools(tools: unknown): ToolInfo[] {
  const list = Array.isArray(tools)
    ? objects(tools)
    : isObj(tools)
      ? [...objects(tools.components), ...objects(tools.services)]
      : [];
  const out: ToolInfo[] = [];
  for (const t of list) {
    const name = str(t.name) ?? str(t.vendor);
    if (!name) continue;
    const version = cleanToolVersion(t.version);
    out.push(version ? { name, version } : { name });
  }
  return out;
}

/** The producing tool: cyclonedx-npm lists its library first, so libraries come last. */
function mainTool(tools: ToolInfo[]): ToolInfo | undefined {
  return tools.find((t) => !/(^|[-_ ])lib(rary)?$/i.test(t.name)) ?? tools[0];
}

type Rating = { source?: string; severity?: Severity; unknown?: boolean; score?: number; method?: string; vector?: string };

function ratingsOf(v: Obj): Rating[] {
  return objects(v.ratings).map((r) => {
    const word = str(r.severity)?.toLowerCase();
    return {
      source: str(isObj(r.source) ? r.source.name : undefined)?.toLowerCase(),
      // "unknown" says nothing: let another rating or the score decide.
      severity: word === "unknown" ? undefined : severityFromWord(word),
      unknown: word === "unknown",
      score: num(r.score),
      method: str(r.method),
      vector: str(r.vector),
    };
  });
}

const isCvss = (r: Rating) => /cvss/i.test(r.method ?? "") || /^CVSS:/i.test(r.vector ?? "");

/** The CVSS rating to show: v3.x first (score computed from the vector when missing), then v4, then v2. */
function pickCvss(ratings: Rating[], vendor: string | undefined): RawFinding["cvss"] {
  const candidates = ratings.filter(isCvss).map((r) => {
    const version = cvssVersionOf(r.method, r.vector);
    let score = r.score;
    if (score === undefined && version?.startsWith("3")) score = cvss3BaseScore(r.vector)?.score;
    return { r, version, score };
  });
  const rank = (c: (typeof candidates)[number]) =>
    (c.version?.startsWith("3") ? 30 : c.version === "4.0" ? 20 : 10) +
    (c.score !== undefined ? 4 : 0) +
    (vendor && c.r.source === vendor ? 2 : 0) +
    (c.r.source === "nvd" ? 1 : 0);
  const best = candidates.sort((a, b) => rank(b) - rank(a))[0];
  if (!best || (best.score === undefined && !best.r.vector)) return undefined;
  return { score: best.score, vector: best.r.vector, version: best.version };
}

/**
 * Severity, in order: the rating from the vulnerability's own source (Trivy's data source),
 * ratings without source (the tool's own, grype), any rating's word, the CVSS score; the highest wins at each step.
 */
function pickSeverity(
  ratings: Rating[],
  vendor: string | undefined,
  cvss: RawFinding["cvss"],
): { severity: Severity; defaulted?: true } {
  const highest = (rs: Rating[]) =>
    rs
      .map((r) => r.severity)
      .filter((s): s is Severity => s !== undefined)
      .sort((a, b) => SEVERITY_RANK[b] - SEVERITY_RANK[a])[0];
  const own =
    (vendor ? highest(ratings.filter((r) => r.source === vendor)) : undefined) ?? highest(ratings.filter((r) => !r.source));
  if (own) return { severity: own };
  const word = highest(ratings);
  if (word) return { severity: word };
  const scores = ratings.filter(isCvss).map((r) => r.score ?? cvss3BaseScore(r.vector)?.score);
  if (cvss?.score !== undefined) scores.push(cvss.score);
  const max = Math.max(...scores.filter((s): s is number => s !== undefined));
  if (Number.isFinite(max)) return { severity: severityFromScore(max) };
  // The tool's own "unknown" (Trivy UNKNOWN) is info on our scale.
  if (ratings.some((r) => r.unknown)) return { severity: "info" };
  // No rating at all (VEX statements, hand-written examples): medium, so a named vulnerability stays visible.
  return { severity: "medium", defaulted: true };
}

/** "Upgrade x to version 1.2.3, 2.0.1 or higher." (Trivy, Snyk) and grype:fixed_versions. */
function fixedVersionsOf(v: Obj): string[] {
  const out: string[] = [];
  for (const p of objects(v.properties)) {
    if (str(p.name)?.toLowerCase() === "grype:fixed_versions") out.push(...splitVersions(p.value));
  }
  const rec = str(v.recommendation);
  const m = rec ? /\bto (?:version )?(\d[^\s,]*(?:\s*,\s*\d[^\s,]*)*)/i.exec(rec) : null;
  if (m?.[1]) out.push(...splitVersions(m[1].replace(/\.$/, "")));
  return [...new Set(out)];
}

/** Component name as the ecosystem writes it (group:artifact for Maven, @scope/name for npm). */
function nameWithGroup(type: string | undefined, group: string | undefined, name: string): string {
  if (!group) return name;
  return type === "maven" ? `${group}:${name}` : `${group}/${name}`;
}

const OS_PURL_TYPES = new Set(["deb", "rpm", "apk", "alpm"]);

/** The purl namespace as part of the name; an OS package's namespace is the distro, not part of the name. */
function purlNamespace(p: Purl | undefined, compName?: string): string | undefined {
  if (!p?.namespace || OS_PURL_TYPES.has(p.type)) return undefined;
  // Some producers already put the namespace into the component name (composer "league/flysystem").
  if (compName && compName.includes("/")) return undefined;
  return p.namespace;
}

function purlFromRef(ref: string | undefined): string | undefined {
  if (!ref) return undefined;
  if (ref.startsWith("pkg:")) return ref;
  const hash = ref.indexOf("#");
  // BOM-Link "urn:cdx:<serial>/<version>#<bom-ref>" points into another BOM.
  if (ref.startsWith("urn:cdx:") && hash > 0 && ref.slice(hash + 1).startsWith("pkg:")) return ref.slice(hash + 1);
  return undefined;
}

function packageOf(comp: Obj | undefined, ref: string | undefined): PackageRef | undefined {
  const purl = str(comp?.purl) ?? purlFromRef(ref);
  const parsed = parsePurl(purl);
  const compName = str(comp?.name);
  if (compName) {
    return {
      purl,
      ecosystem: parsed?.type,
      name: nameWithGroup(parsed?.type, str(comp?.group) ?? purlNamespace(parsed, compName), compName),
      version: str(comp?.version) ?? parsed?.version,
      fixedVersions: [],
    };
  }
  if (parsed) {
    return {
      purl,
      ecosystem: parsed.type,
      name: nameWithGroup(parsed.type, purlNamespace(parsed), parsed.name),
      version: parsed.version,
      fixedVersions: [],
    };
  }
  if (!ref) return undefined;
  const hash = ref.indexOf("#");
  return { name: ref.startsWith("urn:cdx:") && hash > 0 ? ref.slice(hash + 1) : ref, fixedVersions: [] };
}

const versionlessPurl = (purl: string): string => purl.split(/[?#]/)[0]!.replace(/@[^/]*$/, "");

/** Indexes components (nested ones too) by bom-ref and purl, and counts them. */
function indexComponents(components: unknown, path: string, byRef: Map<string, Obj>, format: FormatId): number {
  if (components === undefined || components === null) return 0;
  if (!Array.isArray(components)) throw new ReportSchemaError(format, path, "expected an array of components");
  let count = 0;
  components.forEach((c, i) => {
    if (!isObj(c)) return;
    count++;
    const ref = str(c["bom-ref"]);
    if (ref && !byRef.has(ref)) byRef.set(ref, c);
    const purl = str(c.purl);
    if (purl && !byRef.has(purl)) byRef.set(purl, c);
    // osv-scanner's affects[].ref is the purl without version.
    const bare = purl && versionlessPurl(purl);
    if (bare && !byRef.has(bare)) byRef.set(bare, c);
    count += indexComponents(c.components, `${path}[${i}].components`, byRef, format);
  });
  return count;
}

/** The subject a BOM describes (metadata.component): its image when a container, its digests, and its name. */
function subjectOf(metadata: Obj | undefined): { image?: string; digests: unknown[]; target?: string } {
  const comp = isObj(metadata?.component) ? metadata.component : undefined;
  if (!comp) return { digests: [] };
  const name = str(comp.name);
  const sha256 = objects(comp.hashes)
    .filter((h) => /^sha-?256$/i.test(str(h.alg) ?? ""))
    .map((h) => digestFromHex(h.content));
  const property = (re: RegExp) =>
    objects(comp.properties)
      .filter((p) => re.test(str(p.name) ?? ""))
      .map((p) => p.value);
  if (str(comp.type) !== "container") {
    // An application BOM: its own SHA-256 hash (or an oci purl) names the artifact; its name is the target.
    // A file's hash is the content of a source file (syft's `file` source), not an artifact.
    const group = str(comp.group);
    const named = targetPath(name);
    const file = str(comp.type) === "file";
    return {
      digests: file ? [] : [...sha256, str(comp.purl)?.startsWith("pkg:oci/") ? comp.purl : undefined],
      target: named && group ? `${group}/${named}` : named,
    };
  }
  return {
    image: name,
    // Most specific first: registry digests (Trivy's RepoDigest, an oci purl, a bom-ref naming one), the
    // manifest digest syft/grype write as the version, the component's own hash, then Trivy's ImageID.
    digests: [...property(/RepoDigest/i), comp.purl, comp["bom-ref"], name, comp.version, ...sha256, ...property(/ImageID/i)],
    target: imageTarget(name),
  };
}

function vulnFindings(v: Obj, byRef: Map<string, Obj>, image: string | undefined, unresolved: { n: number }): RawFinding[] {
  const id = str(v.id) ?? str(v["bom-ref"]) ?? "unknown";
  const ids = uniqueIds([id, ...objects(v.references).map((r) => r.id)]);
  const vulnerabilityId = ids.find((i) => /^CVE-/.test(i)) ?? ids.find((i) => /^GHSA-/.test(i)) ?? canonicalVulnId(id);
  const aliases = ids.filter((i) => i !== vulnerabilityId);
  const vendor = str(isObj(v.source) ? v.source.name : undefined)?.toLowerCase();
  const ratings = ratingsOf(v);
  const cvss = pickCvss(ratings, vendor);
  const { severity, defaulted } = pickSeverity(ratings, vendor, cvss);
  const analysis = isObj(v.analysis) ? v.analysis : undefined;
  const state = str(analysis?.state)?.toLowerCase();
  const fixedVersions = fixedVersionsOf(v);
  const references = [...objects(v.advisories).map((a) => str(a.url)), str(isObj(v.source) ? v.source.url : undefined)].filter(
    (u): u is string => !!u && /^https?:\/\//i.test(u),
  );
  const description = plainText(v.description ?? v.detail, 1000);
  const properties: Record<string, string> = {};
  if (state) properties.vexState = state;
  const justification = str(analysis?.justification);
  if (justification) properties.vexJustification = justification;

  const refs = [
    ...new Set(
      objects(v.affects)
        .map((a) => str(a.ref))
        .filter((r): r is string => !!r),
    ),
  ];
  const targets: (string | undefined)[] = refs.length ? refs : [undefined];
  return targets.map((ref) => {
    const comp = ref ? byRef.get(ref) : undefined;
    if (ref && !comp) unresolved.n++;
    const pkg = packageOf(comp, ref);
    if (pkg) pkg.fixedVersions = fixedVersions;
    const f: RawFinding = {
      kind: "dependency",
      ruleId: id,
      title: pkg ? `${id} in ${pkg.name}${pkg.version ? `@${pkg.version}` : ""}` : id,
      description,
      severity,
      vulnerabilityId,
      aliases,
      cwes: parseCwes(v.cwes),
      cvss,
      package: pkg,
      remediation: str(v.recommendation),
      references: [...new Set(references)].slice(0, 5),
    };
    if (defaulted) f.severityDefaulted = true;
    if (image) f.location = { image };
    if (state && SUPPRESSED_STATES.has(state)) f.suppressed = true;
    if (Object.keys(properties).length) f.properties = properties;
    return f;
  });
}

/** Shared by the JSON and XML modules: `bom` is a CycloneDX document in its JSON shape. */
export function parseCycloneDxBom(format: FormatId, bom: Obj, _ctx: ParseContext): ParsedReport {
  const metadata = isObj(bom.metadata) ? bom.metadata : undefined;
  const byRef = new Map<string, Obj>();
  const components = indexComponents(bom.components, "components", byRef, format);
  const vulns = bom.vulnerabilities;
  if (vulns !== undefined && vulns !== null && !Array.isArray(vulns)) {
    throw new ReportSchemaError(format, "vulnerabilities", "expected an array of vulnerabilities");
  }
  const { image, digests, target } = subjectOf(metadata);
  const unresolved = { n: 0 };
  const findings = objects(vulns).flatMap((v) => vulnFindings(v, byRef, image, unresolved));

  const firstVulnTools = objects(vulns)
    .map((v) => cycloneDxTools(v.tools))
    .find((t) => t.length);
  const tool = mainTool(cycloneDxTools(metadata?.tools)) ?? mainTool(firstVulnTools ?? []) ?? { name: "CycloneDX" };
  const evidence: ParsedReport["evidence"] = ["sbom"];
  if (Array.isArray(vulns)) evidence.push("sca");
  if (Array.isArray(vulns) && image) evidence.push("container");
  const warnings: string[] = [];
  if (unresolved.n)
    warnings.push(`${unresolved.n} vulnerability target(s) do not match a component of this BOM (VEX or BOM-Link references).`);

  const report: ParsedReport = {
    format,
    tool,
    parts: [{ tool, succeeded: true, findings }],
    evidence,
    sbom: { format: "cyclonedx", specVersion: str(bom.specVersion), components },
    ...reportMetadata({ generatedAt: parseTimestamp(metadata?.timestamp), digests, target }),
    warnings,
  };
  return report;
}

export const cyclonedxJsonFormat: FormatModule<"cyclonedx-json"> = {
  id: "cyclonedx-json",
  name: "CycloneDX JSON",
  aliases: ["cyclonedx"],
  detect: (doc) => {
    const v = jsonValue(doc);
    return isObj(v) && v.bomFormat === "CycloneDX";
  },
  parse: (doc, ctx) => {
    const v = jsonValue(doc);
    if (v === null || (Array.isArray(v) && v.length === 0)) return parseCycloneDxBom("cyclonedx-json", {}, ctx);
    if (!isObj(v)) throw new ReportSchemaError("cyclonedx-json", "$", "expected a CycloneDX BOM object");
    return parseCycloneDxBom("cyclonedx-json", v, ctx);
  },
};
