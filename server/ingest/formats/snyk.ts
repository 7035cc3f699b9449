// Snyk CLI JSON: Open Source and Container test results (an object, or an array with --all-projects),
// IaC results (infrastructureAsCodeIssues) and unmanaged C/C++ results (issues + issuesData).
import type { EvidenceKind, FormatModule, PackageRef, ParsedReport, RawFinding, ReportPart, Severity } from "../types";
import { ReportSchemaError } from "../types";
import {
  type Obj,
  asArray,
  buildPurl,
  imageTarget,
  isObj,
  jsonValue,
  line,
  normalizePath,
  num,
  objects,
  parseCwes,
  reportMetadata,
  severityFromScore,
  severityFromWord,
  str,
  titleFrom,
  uniqueIds,
} from "../util";
import { cvssVersionOf } from "./cvss";

type Product = "Snyk Open Source" | "Snyk Container" | "Snyk IaC";

/** Snyk package managers (and "debian:11"-style distro prefixes) to purl types. */
const ECOSYSTEM: Record<string, string> = {
  npm: "npm",
  yarn: "npm",
  pnpm: "npm",
  maven: "maven",
  gradle: "maven",
  sbt: "maven",
  pip: "pypi",
  poetry: "pypi",
  pipenv: "pypi",
  nuget: "nuget",
  paket: "nuget",
  rubygems: "gem",
  gomodules: "golang",
  golangdep: "golang",
  govendor: "golang",
  golang: "golang",
  composer: "composer",
  cocoapods: "cocoapods",
  hex: "hex",
  swift: "swift",
  cargo: "cargo",
  deb: "deb",
  debian: "deb",
  ubuntu: "deb",
  rpm: "rpm",
  rhel: "rpm",
  centos: "rpm",
  sles: "rpm",
  amzn: "rpm",
  oracle: "rpm",
  rocky: "rpm",
  alma: "rpm",
  apk: "apk",
  alpine: "apk",
};

const isIacItem = (o: Obj) => Array.isArray(o.infrastructureAsCodeIssues);
const isUnmanagedItem = (o: Obj) => Array.isArray(o.issues) && isObj(o.issuesData);
const isScaItem = (o: Obj) =>
  Array.isArray(o.vulnerabilities) && ("dependencyCount" in o || ("ok" in o && "packageManager" in o));
const isSnykItem = (o: unknown): o is Obj => isObj(o) && (isIacItem(o) || isUnmanagedItem(o) || isScaItem(o));

function productOf(o: Obj): Product {
  if (isIacItem(o)) return "Snyk IaC";
  if (isObj(o.docker) || str(o.projectName)?.startsWith("docker-image|") || typeof o.platform === "string")
    return "Snyk Container";
  return "Snyk Open Source";
}

function packageOf(v: Obj, itemManager: string | undefined): PackageRef {
  const manager = str(v.packageManager) ?? itemManager ?? "";
  const [kind, distro] = manager.toLowerCase().split(":");
  const type = kind?.startsWith("unmanaged") ? "generic" : ECOSYSTEM[kind ?? ""];
  // Unmanaged C/C++ names look like "https://ftp.gnu.org|cpio@2.12" and carry no version field.
  const nameField = str(v.name) ?? "";
  const version = str(v.version) ?? (nameField.includes("|") ? nameField.slice(nameField.lastIndexOf("@") + 1) : undefined);
  const name =
    str(v.packageName) ??
    (nameField
      .split("|")
      .pop()
      ?.replace(/@[^@]*$/, "") ||
      "unknown");
  let purl: string | undefined;
  if (type) {
    const purlName =
      type === "maven" ? name.replace(":", "/") : ["deb", "rpm", "apk"].includes(type) && distro ? `${kind}/${name}` : name;
    purl = buildPurl(type, purlName, version);
  }
  const fixed = [...asArray(v.fixedIn), v.nearestFixedInVersion].map((x) => str(x)).filter((x): x is string => !!x);
  return { purl, ecosystem: type, name, version, fixedVersions: [...new Set(fixed)] };
}

/** The first section ("## Overview", "## NVD Description") of Snyk's markdown description. */
function overview(md: unknown): string | undefined {
  const s = str(md);
  if (!s) return undefined;
  const body = s.replace(/^\s*#+[^\n]*\n/, "").split(/\n#+\s/)[0] ?? "";
  const t = body.replace(/\s+/g, " ").trim();
  return t ? (t.length > 1000 ? `${t.slice(0, 999)}…` : t) : undefined;
}

function vulnFinding(v: Obj, item: Obj, location: RawFinding["location"], suppressed: boolean): RawFinding {
  const pkg = packageOf(v, str(item.packageManager));
  const id = str(v.id) ?? "unknown";
  const isLicense = str(v.type) === "license";
  const idents = isObj(v.identifiers) ? v.identifiers : {};
  const cves = uniqueIds(asArray(idents.CVE));
  const ghsas = uniqueIds(asArray(idents.GHSA));
  const vulnerabilityId = isLicense ? undefined : (cves[0] ?? ghsas[0] ?? id);
  const others = Object.entries(idents)
    .filter(([k]) => k !== "CWE")
    .flatMap(([, vals]) => asArray(vals));
  const aliases = isLicense
    ? []
    : uniqueIds([...cves, ...ghsas, ...others, ...asArray(v.alternativeIds), id]).filter((a) => a !== vulnerabilityId);
  const score = num(v.cvssScore);
  const vector = str(v.CVSSv3);
  const word = severityFromWord(v.severity);
  const severity: Severity = word ?? (score !== undefined ? severityFromScore(score) : "medium");
  const upgrade = asArray(v.upgradePath)
    .filter((x): x is string => typeof x === "string")
    .pop();
  const f: RawFinding = {
    kind: isLicense ? "license" : "dependency",
    ruleId: id,
    title: `${str(v.title) ?? id} in ${pkg.name}${pkg.version ? `@${pkg.version}` : ""}`,
    description: isLicense ? titleFrom(v.title) : overview(v.description),
    severity,
    vulnerabilityId,
    aliases,
    cwes: parseCwes(idents.CWE),
    package: pkg,
    references: objects(v.references)
      .map((r) => str(r.url))
      .filter((u): u is string => !!u)
      .slice(0, 5),
  };
  // Snyk always rates an issue; an unrated one is kept at medium so it stays visible.
  if (!word && score === undefined) f.severityDefaulted = true;
  if (score !== undefined || vector) f.cvss = { score, vector, version: cvssVersionOf(undefined, vector) };
  if (upgrade) f.remediation = `Upgrade to ${upgrade}`;
  else if (pkg.fixedVersions.length) f.remediation = `Upgrade ${pkg.name} to ${pkg.fixedVersions.join(", ")}`;
  if (location) f.location = { ...location };
  if (suppressed || v.isIgnored === true) f.suppressed = true;
  const props: Record<string, string | boolean> = {};
  const exploit = str(v.exploit);
  if (exploit && exploit !== "Not Defined") props.exploitMaturity = exploit;
  if (isLicense && str(v.license)) props.license = str(v.license)!;
  if (Object.keys(props).length) f.properties = props;
  return f;
}

/** Unmanaged results may come as issues[] + issuesData{} only: rebuild vulnerability objects. */
function vulnerabilitiesOf(item: Obj): Obj[] {
  if (Array.isArray(item.vulnerabilities)) return objects(item.vulnerabilities);
  const data = isObj(item.issuesData) ? item.issuesData : {};
  return objects(item.issues).flatMap((i) => {
    const d = data[str(i.issueId) ?? ""];
    if (!isObj(d)) return [];
    const fix = isObj(i.fixInfo) ? i.fixInfo : {};
    return [{ ...d, packageName: i.pkgName, version: i.pkgVersion, nearestFixedInVersion: fix.nearestFixedInVersion }];
  });
}

/** One finding per (package, version, issue id): Snyk repeats an issue once per dependency path. */
function scaFindings(item: Obj, location: RawFinding["location"]): RawFinding[] {
  const seen = new Set<string>();
  const out: RawFinding[] = [];
  const filtered = isObj(item.filtered) ? objects(item.filtered.ignore) : [];
  const all = [...vulnerabilitiesOf(item).map((v) => ({ v, ign: false })), ...filtered.map((v) => ({ v, ign: true }))];
  for (const { v, ign } of all) {
    const nameField = str(v.packageName) ?? str(v.name);
    const key = [str(v.type) ?? "vuln", nameField, str(v.version) ?? str(v.name), str(v.id)].join("\u0000");
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(vulnFinding(v, item, location, ign));
  }
  return out;
}

function iacFindings(item: Obj): RawFinding[] {
  const file = normalizePath(str(item.targetFile) ?? str(item.displayTargetFile));
  return objects(item.infrastructureAsCodeIssues).map((i) => {
    const d = isObj(i.iacDescription) ? i.iacDescription : {};
    const id = str(i.id) ?? str(i.publicId) ?? "unknown";
    const word = severityFromWord(i.severity);
    const path = asArray(i.path)
      .map((p) => str(p))
      .filter(Boolean);
    const f: RawFinding = {
      kind: "iac",
      ruleId: id,
      title: str(i.title) ?? id,
      description: [str(d.issue) ?? str(i.issue), str(d.impact) ?? str(i.impact)].filter(Boolean).join(" ") || undefined,
      // Snyk IaC always rates an issue; an unrated one is kept at medium so it stays visible.
      severity: word ?? "medium",
      aliases: [],
      cwes: [],
      location: { file, startLine: line(i.lineNumber), resource: str(i.msg) ?? (path.length ? path.join(".") : undefined) },
      remediation: str(d.resolve) ?? str(i.resolve),
      references: [...asArray(i.references), i.documentation]
        .map((r) => str(r))
        .filter((u): u is string => !!u && /^https?:\/\//i.test(u))
        .slice(0, 5),
    };
    if (!word) f.severityDefaulted = true;
    if (i.isIgnored === true) f.suppressed = true;
    return f;
  });
}

function itemFindings(item: Obj, product: Product): RawFinding[] {
  if (product === "Snyk IaC") return iacFindings(item);
  const targetFile = normalizePath(str(item.displayTargetFile) ?? str(item.targetFile));
  if (product === "Snyk Container") {
    const image = str(item.projectName)?.replace(/^docker-image\|/, "") ?? str(item.path);
    const base = scaFindings(item, { image, file: targetFile });
    // Application dependencies found inside the image (jars, node_modules, Go binaries).
    const apps = objects(item.applications).flatMap((app) =>
      scaFindings(app, { image, file: normalizePath(str(app.displayTargetFile) ?? str(app.targetFile)) }),
    );
    return [...base, ...apps];
  }
  return scaFindings(item, targetFile ? { file: targetFile } : undefined);
}

/** The project an item tested (its image's repository for Snyk Container), as Snyk names it. */
function itemTarget(item: Obj, product: Product): string | undefined {
  const name = str(item.projectName);
  if (product === "Snyk Container") return imageTarget(name?.replace(/^docker-image\|/, "") ?? str(item.path));
  return name;
}

const EVIDENCE: Record<Product, EvidenceKind[]> = {
  "Snyk Open Source": ["sca"],
  "Snyk Container": ["sca", "container"],
  "Snyk IaC": ["iac"],
};

export const snykFormat: FormatModule<"snyk"> = {
  id: "snyk",
  name: "Snyk JSON",
  detect: (doc) => {
    const v = jsonValue(doc);
    return Array.isArray(v) ? isSnykItem(v[0]) : isSnykItem(v);
  },
  parse: (doc) => {
    const v = jsonValue(doc);
    if (v !== null && v !== undefined && !isObj(v) && !Array.isArray(v)) {
      throw new ReportSchemaError("snyk", "$", "expected a Snyk result object or an array of them");
    }
    const items = Array.isArray(v) ? v : v === null || v === undefined ? [] : [v];
    const parts = new Map<Product, ReportPart>();
    const targets = new Set<string | undefined>();
    items.forEach((item, i) => {
      const path = Array.isArray(v) ? `[${i}]` : "$";
      if (!isObj(item)) throw new ReportSchemaError("snyk", path, "expected a Snyk result object");
      if ("vulnerabilities" in item && !Array.isArray(item.vulnerabilities)) {
        throw new ReportSchemaError("snyk", `${path}.vulnerabilities`, "expected an array");
      }
      if ("infrastructureAsCodeIssues" in item && !Array.isArray(item.infrastructureAsCodeIssues)) {
        throw new ReportSchemaError("snyk", `${path}.infrastructureAsCodeIssues`, "expected an array");
      }
      const product = productOf(item);
      let part = parts.get(product);
      if (!part) {
        part = { tool: { name: product }, succeeded: true, findings: [] };
        parts.set(product, part);
      }
      part.findings.push(...itemFindings(item, product));
      targets.add(itemTarget(item, product));
    });
    const list = [...parts.values()];
    if (!list.length) list.push({ tool: { name: "Snyk Open Source" }, succeeded: true, findings: [] });
    const evidence = [...new Set([...parts.keys()].flatMap((p) => EVIDENCE[p]))];
    const report: ParsedReport = {
      format: "snyk",
      tool: list[0]!.tool,
      parts: list,
      evidence: evidence.length ? evidence : ["sca"],
      // Snyk writes no report time or image digest. `--all-projects` tests several projects: one target only
      // when they share a name.
      ...reportMetadata({ target: targets.size === 1 ? [...targets][0] : undefined }),
      warnings: [],
    };
    return report;
  },
};
