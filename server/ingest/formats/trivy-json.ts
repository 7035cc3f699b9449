// Trivy JSON: SchemaVersion 2 reports, k8s cluster reports (new Resources[] and old resource-grouped)
// and legacy (< 0.20) bare arrays of results.
import type { Document, EvidenceKind, FormatModule, Location, ParseContext, ParsedReport, RawFinding, Severity } from "../types";
import { ReportSchemaError } from "../types";
import {
  asArray,
  buildPurl,
  canonicalVulnId,
  isObj,
  line,
  normalizePath,
  num,
  parseCwes,
  parsePurl,
  imageTarget,
  normalizeDigest,
  parseTimestamp,
  plainText,
  reportMetadata,
  severityFromScore,
  severityFromWord,
  splitVersions,
  str,
  targetPath,
  type Obj,
  type ReportMetadata,
} from "../util";

const FORMAT = "trivy-json" as const;

// ---- helpers shared with the other Trivy-family parsers (trivy-operator, grype, anchore, gitlab, github) ----

/** A tool version, or undefined for placeholders such as "{{VERSION}}", "[not provided]", "<MASKED>". */
export function toolVersion(v: unknown): string | undefined {
  const s = str(v);
  if (!s || /^(\{\{.*\}\}|\[.*\]|<.*>|unknown|none|null)$/i.test(s)) return undefined;
  return s;
}

const isCve = (id: string) => /^CVE-\d{4}-\d+$/i.test(id);
const isGhsa = (id: string) => /^GHSA-/i.test(id);

/** vulnerabilityId = CVE when given, else GHSA, else the tool's own id; every other id becomes an alias. */
export function pickVulnIds(ids: Iterable<unknown>): { vulnerabilityId?: string; aliases: string[] } {
  const all: string[] = [];
  for (const raw of ids) {
    const s = str(raw);
    if (!s) continue;
    const id = canonicalVulnId(s);
    if (!all.includes(id)) all.push(id);
  }
  const primary = all.find(isCve) ?? all.find(isGhsa) ?? all[0];
  return { vulnerabilityId: primary, aliases: all.filter((id) => id !== primary) };
}

/** Severity from the tool's word; "unknown"/missing falls back to the CVSS score, then to info (defaulted). */
export function severityOrScore(word: unknown, score: number | undefined): { severity: Severity; severityDefaulted?: true } {
  const w = str(word)?.toLowerCase();
  const fromWord = w && w !== "unknown" && w !== "unkown" && w !== "none" && w !== "undefined" ? severityFromWord(w) : undefined;
  if (fromWord) return { severity: fromWord };
  if (score !== undefined && score > 0) return { severity: severityFromScore(score) };
  // Default: info — the tool knows no severity for it and gave no score, so it cannot rank above anything scored.
  return { severity: "info", severityDefaulted: true };
}

// Trivy result Type (OS family or lockfile type) → purl type.
const PURL_TYPES: Record<string, string> = {
  alpine: "apk",
  wolfi: "apk",
  chainguard: "apk",
  debian: "deb",
  ubuntu: "deb",
  distroless: "deb",
  npm: "npm",
  yarn: "npm",
  pnpm: "npm",
  bun: "npm",
  "node-pkg": "npm",
  javascript: "npm",
  pip: "pypi",
  pipenv: "pypi",
  poetry: "pypi",
  uv: "pypi",
  pylock: "pypi",
  "python-pkg": "pypi",
  gomod: "golang",
  gobinary: "golang",
  jar: "maven",
  pom: "maven",
  gradle: "maven",
  sbt: "maven",
  cargo: "cargo",
  "rust-binary": "cargo",
  composer: "composer",
  "composer-vendor": "composer",
  bundler: "gem",
  gemspec: "gem",
  rubygems: "gem",
  nuget: "nuget",
  "dotnet-core": "nuget",
  "packages-props": "nuget",
  conan: "conan",
  cocoapods: "cocoapods",
  swift: "swift",
  hex: "hex",
  pub: "pub",
  conda: "conda",
  "conda-pkg": "conda",
};
const RPM_FAMILIES =
  /^(redhat|centos|rocky|alma|amazon|oracle|photon|cbl-mariner|azurelinux|fedora|opensuse.*|suse.*|sles|slem|sl-micro)$/;

/** purl type and, for OS packages, the distro namespace, from a Trivy result Type. */
export function trivyPurlType(type: unknown): { type: string; namespace?: string } | undefined {
  const t = str(type)?.toLowerCase();
  if (!t) return undefined;
  if (RPM_FAMILIES.test(t)) return { type: "rpm", namespace: t };
  const p = PURL_TYPES[t];
  if (!p) return undefined;
  if (p === "apk") return { type: p, namespace: t === "alpine" ? "alpine" : t };
  if (p === "deb") return { type: p, namespace: t === "distroless" ? "debian" : t };
  return { type: p };
}

// ---- detection ----------------------------------------------------------------

function detect(doc: Document): boolean {
  if (doc.type !== "json") return false;
  const v = doc.value;
  if (isObj(v)) {
    if (v.SchemaVersion !== undefined && ("ArtifactName" in v || "ArtifactType" in v || "Results" in v)) return true;
    return (
      "ClusterName" in v && (Array.isArray(v.Resources) || Array.isArray(v.Vulnerabilities) || Array.isArray(v.Misconfigurations))
    );
  }
  // Legacy (< 0.20): a bare array of results; `[]` and `null` are ambiguous and left undetected.
  if (Array.isArray(v) && isObj(v[0])) return "Target" in v[0] && "Vulnerabilities" in v[0] && !("SchemaVersion" in v[0]);
  return false;
}

// ---- parsing ------------------------------------------------------------------

type Scope = {
  /** container image the findings were found in */
  image?: string;
  /** k8s workload (Kind/Namespace/Name) of a cluster report */
  resource?: string;
};

type Collector = {
  findings: RawFinding[];
  warnings: string[];
  sawPackages: boolean;
  sawMisconf: boolean;
  sawSecrets: boolean;
  sawLicenses: boolean;
  imagesScanned: boolean;
};

function parseResults(results: unknown, path: string, scope: Scope, ctx: ParseContext, c: Collector): void {
  if (results === undefined || results === null) return;
  if (!Array.isArray(results)) throw new ReportSchemaError(FORMAT, path, "expected an array of results");
  results.forEach((r, i) => {
    if (!isObj(r)) throw new ReportSchemaError(FORMAT, `${path}[${i}]`, "expected a result object");
    parseResult(r, `${path}[${i}]`, scope, ctx, c);
  });
}

function arrayAt(o: Obj, key: string, path: string): Obj[] {
  const v = o[key];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new ReportSchemaError(FORMAT, `${path}.${key}`, "expected an array");
  return v.filter(isObj);
}

function parseResult(r: Obj, path: string, scope: Scope, ctx: ParseContext, c: Collector): void {
  const cls = str(r.Class)?.toLowerCase();
  const target = str(r.Target);
  const vulns = arrayAt(r, "Vulnerabilities", path);
  const misconfs = arrayAt(r, "Misconfigurations", path);
  const secrets = arrayAt(r, "Secrets", path);
  const licenses = arrayAt(r, "Licenses", path);

  const pt = trivyPurlType(r.Type);
  const isOs = cls === "os-pkgs" || (!cls && (pt?.type === "apk" || pt?.type === "deb" || pt?.type === "rpm"));
  if (isOs || cls === "lang-pkgs" || (!cls && (vulns.length > 0 || "Packages" in r))) c.sawPackages = true;
  if (isOs || cls === "lang-pkgs") c.imagesScanned = true;
  if ("MisconfSummary" in r || "Misconfigurations" in r || cls === "config") c.sawMisconf = true;
  if (cls === "secret" || "Secrets" in r) c.sawSecrets = true;
  if (cls === "license" || cls === "license-file" || licenses.length > 0) c.sawLicenses = true;

  // OS package targets read "image (distro x.y)" and cluster-report config targets name a k8s object
  // ("Deployment/coredns"): neither is a file. Language-package targets are lockfiles or paths in the image.
  const file = isOs || (scope.resource && cls === "config") ? undefined : normalizePath(target);

  vulns.forEach((v, i) => {
    const f = vulnFinding(v, r, scope, file);
    if (f) c.findings.push(f);
    else c.warnings.push(`${path}.Vulnerabilities[${i}] has no VulnerabilityID; skipped.`);
  });
  for (const m of misconfs) {
    const status = str(m.Status)?.toUpperCase();
    if (status === "PASS") continue; // passed checks are not findings
    c.findings.push(misconfFinding(m, file, scope, ctx, status === "EXCEPTION"));
  }
  for (const s of secrets) c.findings.push(secretFinding(s, file, scope, ctx));
  for (const l of licenses) c.findings.push(licenseFinding(l, scope));
}

type Cvss = { score?: number; vector?: string; version?: string };

/** CVSS from CVSS.nvd, else the first vendor with a V3 score, else any V2 score. */
export function trivyCvss(cvss: unknown): Cvss | undefined {
  if (!isObj(cvss)) return undefined;
  const vendors = Object.entries(cvss).filter((e): e is [string, Obj] => isObj(e[1]));
  vendors.sort(([a], [b]) => (a === "nvd" ? -1 : b === "nvd" ? 1 : 0));
  const v40 = vendors.find(([, v]) => num(v.V40Score) !== undefined);
  const v3 = vendors.find(([, v]) => num(v.V3Score) !== undefined);
  if (v3) {
    const [, v] = v3;
    const vector = str(v.V3Vector);
    return { score: num(v.V3Score), vector, version: /^CVSS:3\.0/.test(vector ?? "") ? "3.0" : "3.1" };
  }
  if (v40) return { score: num(v40[1].V40Score), vector: str(v40[1].V40Vector), version: "4.0" };
  const v2 = vendors.find(([, v]) => num(v.V2Score) !== undefined);
  if (v2) return { score: num(v2[1].V2Score), vector: str(v2[1].V2Vector), version: "2.0" };
  return undefined;
}

function vulnFinding(v: Obj, r: Obj, scope: Scope, file: string | undefined): RawFinding | undefined {
  const id = str(v.VulnerabilityID);
  if (!id) return undefined;
  const name = str(v.PkgName) ?? str(v.PkgID) ?? "unknown";
  const version = str(v.InstalledVersion);
  const pt = trivyPurlType(r.Type);
  const purl =
    str(isObj(v.PkgIdentifier) ? v.PkgIdentifier.PURL : undefined) ??
    (pt
      ? buildPurl(
          pt.type,
          `${pt.namespace ? `${pt.namespace}/` : ""}${pt.type === "maven" ? name.replace(":", "/") : name}`,
          version,
        )
      : undefined);
  const cvss = trivyCvss(v.CVSS);
  const fixed = str(v.FixedVersion);
  const status = str(v.Status);
  const ids = pickVulnIds([id, ...asArray(v.VendorIDs)]);
  const location: Location = { file: normalizePath(v.PkgPath) ?? file, image: scope.image, resource: scope.resource };
  return {
    kind: "dependency",
    ruleId: id,
    title: str(v.Title) ?? `${id} in ${name}`,
    description: plainText(v.Description, 1000),
    ...severityOrScore(v.Severity, cvss?.score),
    ...ids,
    cwes: parseCwes(v.CweIDs),
    cvss,
    package: {
      purl,
      ecosystem: parsePurl(purl)?.type ?? pt?.type,
      name,
      version,
      fixedVersions: splitVersions(fixed),
    },
    location: compact(location),
    toolFingerprint: str(v.Fingerprint),
    remediation: fixed ? `Upgrade ${name} to ${fixed}.` : undefined,
    references: references(v.PrimaryURL, v.References),
    // VEX / vendor status "not_affected": the tool reports it but says it does not apply.
    suppressed: status === "not_affected" ? true : undefined,
    properties: status ? { status } : undefined,
  };
}

function misconfFinding(m: Obj, file: string | undefined, scope: Scope, ctx: ParseContext, exception: boolean): RawFinding {
  const cause = isObj(m.CauseMetadata) ? m.CauseMetadata : {};
  const code = isObj(cause.Code) ? asArray(cause.Code.Lines).filter(isObj) : [];
  const causeLines = code.filter((l) => l.IsCause === true).map((l) => (typeof l.Content === "string" ? l.Content : ""));
  const snippet = causeLines.join("\n").trim();
  const ruleId = str(m.ID) ?? str(m.AVDID) ?? "unknown";
  const location: Location = {
    file,
    startLine: line(cause.StartLine),
    endLine: line(cause.EndLine),
    snippetHash: snippet ? ctx.hash(snippet) : undefined,
    resource: str(cause.Resource) ?? scope.resource,
    image: scope.image,
  };
  return {
    kind: "iac",
    ruleId,
    title: str(m.Title) ?? ruleId,
    description: plainText(m.Message, 1000) ?? plainText(m.Description, 1000),
    ...severityOrScore(m.Severity, undefined),
    aliases: [],
    cwes: [],
    location: compact(location),
    remediation: str(m.Resolution),
    references: references(m.PrimaryURL, m.References),
    suppressed: exception ? true : undefined,
    properties: compactProps({
      avdId: str(m.AVDID),
      type: str(m.Type),
      provider: str(cause.Provider),
      service: str(cause.Service),
    }),
  };
}

// Trivy masks the secret inside Match ("AWS_KEY=****"); the whole Match line is the best secret material it gives,
// so it is what we redact (hash + preview). Match and Code (which can hold neighbouring secrets) are never emitted.
function secretFinding(s: Obj, file: string | undefined, scope: Scope, ctx: ParseContext): RawFinding {
  const ruleId = str(s.RuleID) ?? "secret";
  const match = typeof s.Match === "string" && s.Match.trim() !== "" ? s.Match : undefined;
  return {
    kind: "secret",
    ruleId,
    title: str(s.Title) ?? ruleId,
    ...severityOrScore(s.Severity, undefined),
    aliases: [],
    cwes: [798],
    location: compact({
      file,
      startLine: line(s.StartLine),
      endLine: line(s.EndLine),
      image: scope.image,
      resource: scope.resource,
    }),
    secret: match ? ctx.redact(match) : undefined,
    properties: compactProps({ category: str(s.Category) }),
  };
}

function licenseFinding(l: Obj, scope: Scope): RawFinding {
  const name = str(l.Name) ?? "unknown";
  const pkg = str(l.PkgName);
  const file = normalizePath(l.FilePath);
  return {
    kind: "license",
    ruleId: name,
    title: `License ${name}${pkg ? ` in ${pkg}` : file ? ` in ${file}` : ""}`,
    ...severityOrScore(l.Severity, undefined),
    aliases: [],
    cwes: [],
    package: pkg ? { name: pkg, fixedVersions: [] } : undefined,
    location: compact({ file, image: scope.image, resource: scope.resource }),
    references: references(l.Link, []),
    properties: compactProps({ category: str(l.Category), confidence: num(l.Confidence) }),
  };
}

export function references(primary: unknown, more: unknown, max = 5): string[] | undefined {
  const out: string[] = [];
  for (const u of [primary, ...asArray(more)]) {
    const s = str(typeof u === "object" && isObj(u) ? u.url : u);
    if (s && /^https?:\/\//i.test(s) && !out.includes(s)) out.push(s);
    if (out.length >= max) break;
  }
  return out.length ? out : undefined;
}

/** Drops undefined fields; undefined when nothing is left. */
export function compact<T extends object>(o: T): T | undefined {
  const entries = Object.entries(o).filter(([, v]) => v !== undefined);
  return entries.length ? (Object.fromEntries(entries) as T) : undefined;
}

export function compactProps(
  o: Record<string, string | number | boolean | undefined>,
): Record<string, string | number | boolean> | undefined {
  return compact(o) as Record<string, string | number | boolean> | undefined;
}

function workload(o: Obj): string | undefined {
  const kind = str(o.Kind);
  const name = str(o.Name);
  if (!kind && !name) return undefined;
  return [kind, str(o.Namespace), name].filter(Boolean).join("/");
}

function parse(doc: Document, ctx: ParseContext): ParsedReport {
  const v = doc.type === "json" ? doc.value : undefined;
  const c: Collector = {
    findings: [],
    warnings: [],
    sawPackages: false,
    sawMisconf: false,
    sawSecrets: false,
    sawLicenses: false,
    imagesScanned: false,
  };
  let version: string | undefined;
  let scannerDbBuiltAt: string | undefined;
  let metadata: ReportMetadata = {};
  let container = false;
  let hasResults = false;

  if (v === null || v === undefined) {
    // Legacy Trivy writes `null` when nothing was found.
  } else if (Array.isArray(v)) {
    hasResults = v.length > 0;
    parseResults(v, "$", {}, ctx, c);
  } else if (isObj(v)) {
    version = toolVersion(isObj(v.Trivy) ? v.Trivy.Version : undefined);
    if ("ClusterName" in v && !("Results" in v)) {
      // k8s cluster report: new `Resources[]`, or old resource-grouped `Vulnerabilities[]`/`Misconfigurations[]`.
      for (const key of ["Resources", "Vulnerabilities", "Misconfigurations"]) {
        const list = v[key];
        if (list === undefined || list === null) continue;
        if (!Array.isArray(list)) throw new ReportSchemaError(FORMAT, key, "expected an array of resources");
        list.forEach((res, i) => {
          if (!isObj(res)) throw new ReportSchemaError(FORMAT, `${key}[${i}]`, "expected a resource object");
          const resource = workload(res);
          const err = str(res.Error);
          if (err) c.warnings.push(`${resource ?? `${key}[${i}]`}: ${titleLine(err)}`);
          if (Array.isArray(res.Results) && res.Results.length) hasResults = true;
          // The workload's image is named by its OS-package result ("docker.io/redis:6.0.5 (debian 10.4)").
          const osTarget = asArray(res.Results).find((r) => isObj(r) && str(r.Class) === "os-pkgs");
          const image = isObj(osTarget) ? str(osTarget.Target)?.replace(/\s+\([^)]*\)$/, "") : undefined;
          parseResults(res.Results, `${key}[${i}].Results`, { resource, image }, ctx, c);
        });
      }
      container = c.imagesScanned;
      // The cluster is what a k8s report scanned ("minikube", an EKS ARN).
      metadata = reportMetadata({ generatedAt: parseTimestamp(v.CreatedAt), target: str(v.ClusterName) });
    } else {
      if (v.SchemaVersion !== undefined && typeof v.SchemaVersion !== "number" && typeof v.SchemaVersion !== "string") {
        throw new ReportSchemaError(FORMAT, "SchemaVersion", "expected a number");
      }
      const meta = isObj(v.Metadata) ? v.Metadata : {};
      container = str(v.ArtifactType) === "container_image";
      const image = container ? str(v.ArtifactName) : undefined;
      hasResults = Array.isArray(v.Results) && v.Results.length > 0;
      parseResults(v.Results, "Results", { image }, ctx, c);
      const db = isObj(meta.DB) ? meta.DB : undefined;
      scannerDbBuiltAt = parseTimestamp(db?.UpdatedAt);
      metadata = reportMetadata({
        generatedAt: parseTimestamp(v.CreatedAt),
        // Registry digests ("repo@sha256:…") name the pushed manifest; ImageID is the local config digest.
        digests: [...asArray(meta.RepoDigests).map(normalizeDigest), normalizeDigest(meta.ImageID)],
        target: container ? imageTarget(image) : targetPath(v.ArtifactName),
      });
    }
  } else {
    throw new ReportSchemaError(FORMAT, "$", "expected a Trivy report object or a legacy array of results");
  }

  const evidence: EvidenceKind[] = [];
  // Results holding only misconfigurations, secrets or licences (`trivy config`, `--scanners secret`) are no
  // vulnerability-scan evidence; a package scan that found nothing (or an empty report) is.
  const nonPackageOnly = hasResults && !c.sawPackages && (c.sawMisconf || c.sawSecrets || c.sawLicenses);
  if (!nonPackageOnly) {
    evidence.push("sca");
    if (container) evidence.push("container");
  }
  if (c.sawMisconf) evidence.push("iac");
  if (c.sawSecrets) evidence.push("secrets");

  const tool = { name: "Trivy", ...(version ? { version } : {}) };
  return {
    format: FORMAT,
    tool,
    parts: [{ tool, succeeded: true, findings: c.findings }],
    evidence,
    ...(scannerDbBuiltAt ? { scannerDbBuiltAt } : {}),
    ...metadata,
    warnings: c.warnings,
  };
}

function titleLine(s: string): string {
  const first = s.split(/\r?\n/)[0] ?? s;
  return first.length > 300 ? `${first.slice(0, 299)}…` : first;
}

export const trivyJsonFormat: FormatModule<"trivy-json"> = { id: FORMAT, name: "Trivy JSON", aliases: ["trivy"], detect, parse };
