// OSV-Scanner JSON (--format json): results[].packages[] with full OSV records.
// groups[] says which records are aliases of one another: one finding per group per package.
import type { FormatModule, PackageRef, ParsedReport, RawFinding, Severity } from "../types";
import { ReportSchemaError } from "../types";
import {
  type Obj,
  asArray,
  buildPurl,
  isObj,
  jsonValue,
  normalizePath,
  num,
  objects,
  parseCwes,
  plainText,
  severityFromScore,
  severityFromWord,
  str,
  uniqueIds,
} from "../util";
import { cvss3BaseScore } from "./cvss";

const SEVERITY_RANK: Record<Severity, number> = { critical: 5, high: 4, medium: 3, low: 2, info: 1 };

/** OSV ecosystems to purl types (the part before ":" decides: "Debian:11", "openSUSE:Leap 15.5"). */
const PURL_TYPE: Record<string, string> = {
  npm: "npm",
  pypi: "pypi",
  maven: "maven",
  go: "golang",
  "crates.io": "cargo",
  packagist: "composer",
  rubygems: "gem",
  nuget: "nuget",
  pub: "pub",
  hex: "hex",
  hackage: "hackage",
  cran: "cran",
  swifturl: "swift",
  conancenter: "conan",
  debian: "deb",
  ubuntu: "deb",
  alpine: "apk",
  wolfi: "apk",
  chainguard: "apk",
  opensuse: "rpm",
  suse: "rpm",
  "red hat": "rpm",
  redhat: "rpm",
  rocky: "rpm",
  almalinux: "rpm",
  mageia: "rpm",
};

function ecosystemOf(eco: string | undefined): { type?: string; distro?: string } {
  if (!eco) return {};
  const base = eco.split(":")[0]!.trim().toLowerCase();
  const type = PURL_TYPE[base];
  return { type, distro: type === "deb" || type === "rpm" || type === "apk" ? base.split(" ")[0] : undefined };
}

/** PyPI and friends treat "-", "_" and "." alike and ignore case. */
const normName = (s: string) => s.toLowerCase().replace(/[-_.]+/g, "-");

function recordSeverity(v: Obj): Severity | undefined {
  const db = isObj(v.database_specific) ? v.database_specific : {};
  const word = severityFromWord(db.severity);
  if (word) return word;
  let best: Severity | undefined;
  for (const s of objects(v.severity)) {
    const type = str(s.type)?.toUpperCase() ?? "";
    const sev = type.startsWith("CVSS_V3")
      ? (() => {
          const r = cvss3BaseScore(s.score);
          return r ? severityFromScore(r.score) : undefined;
        })()
      : type.startsWith("CVSS")
        ? undefined
        : severityFromWord(s.score); // e.g. {type: "Ubuntu", score: "medium"}
    if (sev && (!best || SEVERITY_RANK[sev] > SEVERITY_RANK[best])) best = sev;
  }
  return best;
}

function recordCvss(v: Obj): RawFinding["cvss"] {
  const list = objects(v.severity);
  const v3 = list.find((s) => str(s.type)?.toUpperCase().startsWith("CVSS_V3"));
  const r = v3 ? cvss3BaseScore(v3.score) : undefined;
  if (r) return { score: r.score, vector: r.vector, version: r.version ?? "3.1" };
  const v4 = list.find((s) => str(s.type)?.toUpperCase() === "CVSS_V4");
  return v4 && str(v4.score) ? { vector: str(v4.score), version: "4.0" } : undefined;
}

/** affected[].ranges[].events[].fixed for the package that was found (GIT ranges only for commit-pinned sources). */
function fixedVersions(records: Obj[], name: string | undefined, eco: string | undefined): string[] {
  const out: string[] = [];
  const ecoBase = eco?.split(":")[0]!.toLowerCase();
  for (const v of records) {
    for (const a of objects(v.affected)) {
      const ap = isObj(a.package) ? a.package : undefined;
      if (name) {
        if (!ap || normName(str(ap.name) ?? "") !== normName(name)) continue;
        const aEco = str(ap.ecosystem)?.split(":")[0]!.toLowerCase();
        if (ecoBase && aEco && aEco !== ecoBase) continue;
      }
      for (const range of objects(a.ranges)) {
        const isGit = str(range.type)?.toUpperCase() === "GIT";
        if (name ? isGit : !isGit) continue;
        for (const e of objects(range.events)) {
          const fixed = str(e.fixed);
          if (fixed && !out.includes(fixed)) out.push(fixed);
        }
      }
    }
  }
  return out;
}

function packageOf(p: Obj, records: Obj[], sourcePath: string | undefined): PackageRef {
  const pkg = isObj(p.package) ? p.package : {};
  const name = str(pkg.name);
  const eco = str(pkg.ecosystem);
  const { type, distro } = ecosystemOf(eco);
  const version = str(pkg.version) ?? str(pkg.commit);
  if (!name) {
    // A git source: the repository the advisories name, pinned at a commit.
    const repo = records
      .flatMap((v) => objects(v.affected))
      .flatMap((a) => objects(a.ranges))
      .map((r) => str(r.repo))
      .find(Boolean);
    return { name: repo ?? sourcePath ?? "unknown", version, fixedVersions: [] };
  }
  const purlName = type === "maven" ? name.replace(":", "/") : distro ? `${distro}/${name}` : name;
  return {
    purl: str(pkg.purl) ?? (type ? buildPurl(type, purlName, str(pkg.version)) : undefined),
    ecosystem: type ?? eco?.toLowerCase(),
    name,
    version,
    fixedVersions: [],
  };
}

/** The package found, with what is needed to pick fixed versions out of each group's records. */
type Found = { pkg: PackageRef; name?: string; ecosystem?: string; file?: string };

function groupFinding(ids: string[], groupAliases: string[], records: Obj[], found: Found, maxSeverity: unknown): RawFinding {
  const { file } = found;
  const pkg: PackageRef = { ...found.pkg, fixedVersions: fixedVersions(records, found.name, found.ecosystem) };
  const allIds = uniqueIds([...ids, ...groupAliases, ...records.flatMap((v) => [v.id, ...asArray(v.aliases)])]);
  const vulnerabilityId = allIds.find((i) => /^CVE-/.test(i)) ?? allIds.find((i) => /^GHSA-/.test(i)) ?? allIds[0]!;
  const ruleId = ids[0] ?? vulnerabilityId;
  const sevs = records.map(recordSeverity).filter((s): s is Severity => s !== undefined);
  const groupScore = num(maxSeverity);
  let severity: Severity | undefined = sevs.sort((a, b) => SEVERITY_RANK[b] - SEVERITY_RANK[a])[0];
  if (!severity && groupScore !== undefined) severity = severityFromScore(groupScore);
  const summary = records.map((v) => str(v.summary)).find(Boolean);
  const details = records.map((v) => str(v.details)).find(Boolean);
  const refs = records.flatMap((v) => objects(v.references));
  const ordered = [...refs.filter((r) => str(r.type) === "ADVISORY"), ...refs.filter((r) => str(r.type) !== "ADVISORY")];
  const f: RawFinding = {
    kind: "dependency",
    ruleId,
    title: `${summary ?? ruleId} in ${pkg.name}${pkg.version ? `@${pkg.version}` : ""}`,
    description: plainText(details ?? summary, 1000),
    // No database severity and no CVSS (many PYSEC/GO records): medium, so the match stays visible.
    severity: severity ?? "medium",
    vulnerabilityId,
    aliases: allIds.filter((i) => i !== vulnerabilityId),
    cwes: parseCwes(records.flatMap((v) => asArray(isObj(v.database_specific) ? v.database_specific.cwe_ids : undefined))),
    cvss: records.map(recordCvss).find((c) => c !== undefined),
    package: pkg,
    references: [...new Set(ordered.map((r) => str(r.url)).filter((u): u is string => !!u))].slice(0, 5),
  };
  if (!severity) f.severityDefaulted = true;
  if (file) f.location = { file };
  if (pkg.fixedVersions.length) f.remediation = `Upgrade ${pkg.name} to ${pkg.fixedVersions.join(" or ")}`;
  return f;
}

function packageFindings(p: Obj, file: string | undefined, sourcePath: string | undefined, warnings: Set<string>): RawFinding[] {
  const vulns = asArray(p.vulnerabilities);
  const records = objects(vulns);
  const pkg = packageOf(p, records, sourcePath);
  const raw = isObj(p.package) ? p.package : {};
  const found: Found = { pkg, name: str(raw.name), ecosystem: str(raw.ecosystem), file };
  const out: RawFinding[] = [];
  // Snapshot-style output lists bare ids (and a group count): one finding per id.
  for (const id of vulns.filter((x): x is string => typeof x === "string")) {
    warnings.add(
      "Some vulnerabilities are listed by id only (no OSV record, no alias groups): one finding per id, severity defaulted.",
    );
    out.push(groupFinding([id], [], [], found, undefined));
  }
  const byId = new Map(records.map((v) => [str(v.id) ?? "", v]));
  const covered = new Set<string>();
  for (const g of objects(p.groups)) {
    const ids = asArray(g.ids)
      .map((i) => str(i))
      .filter((i): i is string => !!i);
    if (!ids.length) continue;
    // A record belongs to the group by its id or, when the group names an alias, by its aliases.
    const members = records.filter((v) => [v.id, ...asArray(v.aliases)].some((x) => ids.includes(str(x) ?? "")));
    members.forEach((v) => covered.add(str(v.id) ?? ""));
    out.push(groupFinding(ids, asArray(g.aliases).map(String), members, found, g.max_severity));
  }
  // Records no group mentions (older versions wrote no groups) stand alone.
  for (const [id, v] of byId) if (id && !covered.has(id)) out.push(groupFinding([id], [], [v], found, undefined));
  // Licence policy violations (--licenses=allowlist).
  for (const lic of asArray(p.license_violations)
    .map((l) => str(l))
    .filter((l): l is string => !!l)) {
    const f: RawFinding = {
      kind: "license",
      ruleId: `license:${lic}`,
      title: `${lic} licence of ${pkg.name}${pkg.version ? `@${pkg.version}` : ""} is not allowed`,
      // The licence policy has no severity: medium, like any other policy violation the tool fails on.
      severity: "medium",
      severityDefaulted: true,
      aliases: [],
      cwes: [],
      package: { ...pkg, fixedVersions: [] },
      properties: { license: lic },
    };
    if (file) f.location = { file };
    out.push(f);
  }
  return out;
}

export const osvScannerFormat: FormatModule<"osv-scanner"> = {
  id: "osv-scanner",
  name: "OSV-Scanner JSON",
  aliases: ["osv"],
  detect: (doc) => {
    const v = jsonValue(doc);
    if (!isObj(v) || !Array.isArray(v.results)) return false;
    const first = v.results[0];
    if (first === undefined) return "experimental_config" in v || "license_summary" in v;
    return isObj(first) && isObj(first.source) && "packages" in first;
  },
  parse: (doc) => {
    const v = jsonValue(doc);
    const root = isObj(v) ? v : v === null || (Array.isArray(v) && v.length === 0) ? {} : undefined;
    if (!root) throw new ReportSchemaError("osv-scanner", "$", "expected an OSV-Scanner result object");
    const results = root.results;
    if (results !== undefined && results !== null && !Array.isArray(results)) {
      throw new ReportSchemaError("osv-scanner", "results", "expected an array");
    }
    const warnings = new Set<string>();
    const findings: RawFinding[] = [];
    asArray(results).forEach((r, i) => {
      if (!isObj(r)) throw new ReportSchemaError("osv-scanner", `results[${i}]`, "expected an object");
      if (r.packages !== undefined && r.packages !== null && !Array.isArray(r.packages)) {
        throw new ReportSchemaError("osv-scanner", `results[${i}].packages`, "expected an array");
      }
      const sourcePath = str(isObj(r.source) ? r.source.path : undefined);
      const file = normalizePath(sourcePath);
      for (const p of objects(r.packages)) findings.push(...packageFindings(p, file, sourcePath, warnings));
    });
    const tool = { name: "OSV-Scanner" };
    const report: ParsedReport = {
      format: "osv-scanner",
      tool,
      parts: [{ tool, succeeded: true, findings }],
      evidence: isObj(root.image_metadata) ? ["sca", "container"] : ["sca"],
      warnings: [...warnings],
    };
    return report;
  },
};
