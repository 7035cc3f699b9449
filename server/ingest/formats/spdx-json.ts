// SPDX 2.2/2.3 JSON and SPDX 3.0 JSON-LD: SBOM evidence. SPDX 2.x has no vulnerability model;
// SECURITY external references naming a CVE/GHSA (DefectDojo's *_vuln.json) become dependency findings.
import type { FormatModule, PackageRef, ParsedReport, RawFinding, ToolInfo } from "../types";
import { ReportSchemaError } from "../types";
import {
  type Obj,
  asArray,
  canonicalVulnId,
  digestFromHex,
  imageTarget,
  isObj,
  jsonValue,
  latestTimestamp,
  objects,
  parsePurl,
  parseTimestamp,
  reportMetadata,
  str,
  targetPath,
} from "../util";
import { cleanToolVersion } from "./cyclonedx-json";

const VULN_IDS = /\b(CVE-\d{4}-\d{4,}|GHSA(?:-[23456789cfghjmpqrvwx]{4}){3})\b/gi;

/** "syft-1.50.0" → {syft, 1.50.0}; "trivy-dev" → {trivy, dev}; "spdx-maven-plugin" → no version. */
export function toolFromSpdxCreator(text: string): ToolInfo | undefined {
  const s = text.trim();
  if (!s || s === "-") return undefined;
  const m = /^(.+?)-(v?\d\S*|dev|latest|\[not provided\])$/i.exec(s);
  if (!m?.[1]) return { name: s };
  const version = cleanToolVersion(m[2]);
  return version ? { name: m[1], version } : { name: m[1] };
}

const isSpdx3 = (v: Obj): boolean => {
  const ctx = v["@context"];
  const texts = Array.isArray(ctx) ? ctx : [ctx];
  return texts.some((c) => typeof c === "string" && /spdx\.org\/rdf\/3\./i.test(c)) && Array.isArray(v["@graph"]);
};

function parseSpdx2(v: Obj): ParsedReport {
  const info = v.creationInfo;
  if (info !== undefined && !isObj(info)) throw new ReportSchemaError("spdx-json", "creationInfo", "expected an object");
  const creators = info?.creators;
  if (creators !== undefined && !Array.isArray(creators))
    throw new ReportSchemaError("spdx-json", "creationInfo.creators", "expected an array of strings");
  let tool: ToolInfo | undefined;
  (creators ?? []).forEach((c, i) => {
    if (typeof c !== "string") {
      throw new ReportSchemaError("spdx-json", `creationInfo.creators[${i}]`, 'expected a string such as "Tool: name-version"');
    }
    const m = /^\s*Tool:\s*(.*)$/i.exec(c);
    if (m && !tool) tool = toolFromSpdxCreator(m[1] ?? "");
  });
  const packages = v.packages;
  if (packages !== undefined && packages !== null && !Array.isArray(packages)) {
    throw new ReportSchemaError("spdx-json", "packages", "expected an array of packages");
  }
  const findings = objects(packages).flatMap(packageFindings);
  const main = tool ?? { name: "SPDX" };
  const version = str(v.spdxVersion)?.replace(/^SPDX-/i, "");
  return {
    format: "spdx-json",
    tool: main,
    parts: [{ tool: main, succeeded: true, findings }],
    evidence: ["sbom"],
    sbom: { format: "spdx", specVersion: version, components: objects(packages).length },
    ...reportMetadata({ generatedAt: parseTimestamp(info?.created), ...subjectOf(v, objects(packages)) }),
    warnings: [],
  };
}

/**
 * The one package the document describes (documentDescribes, or DESCRIBES from the document): its name is the
 * target, and when it is a container image its digests name the artifact. Several described packages: neither.
 */
function subjectOf(v: Obj, packages: Obj[]): { digests?: unknown[]; target?: string } {
  const described = new Set(asArray(v.documentDescribes).map(str));
  for (const r of objects(v.relationships)) {
    if (str(r.relationshipType) === "DESCRIBES" && str(r.spdxElementId) === "SPDXRef-DOCUMENT")
      described.add(str(r.relatedSpdxElement));
  }
  described.delete(undefined);
  if (described.size !== 1) return {};
  const id = [...described][0];
  const p = packages.find((x) => str(x.SPDXID) === id);
  if (!p) return {};
  const purls = objects(p.externalRefs)
    .filter((r) => str(r.referenceType) === "purl")
    .map((r) => str(r.referenceLocator));
  const oci = purls.find((u) => u?.startsWith("pkg:oci/"));
  // Source, file and application SBOMs: checksums of files, not of an artifact a pipeline deploys.
  if (str(p.primaryPackagePurpose) !== "CONTAINER" && !oci) return { target: targetPath(p.name) };
  const sha256 = objects(p.checksums)
    .filter((c) => /^sha-?256$/i.test(str(c.algorithm) ?? ""))
    .map((c) => digestFromHex(c.checksumValue));
  return { digests: [oci, p.versionInfo, ...sha256], target: imageTarget(p.name) };
}

/** One finding per vulnerability id named by the package's SECURITY references (CPEs are identity, not weakness). */
function packageFindings(p: Obj): RawFinding[] {
  const refs = objects(p.externalRefs);
  const purl = refs
    .filter((r) => /^PACKAGE[-_]MANAGER$/i.test(str(r.referenceCategory) ?? "") && str(r.referenceType) === "purl")
    .map((r) => str(r.referenceLocator))
    .find(Boolean);
  const byId = new Map<string, string[]>();
  for (const r of refs) {
    if (str(r.referenceCategory)?.toUpperCase() !== "SECURITY") continue;
    if (/^cpe\d*Type$/i.test(str(r.referenceType) ?? "")) continue;
    const locator = str(r.referenceLocator) ?? "";
    for (const m of locator.matchAll(VULN_IDS)) {
      const id = canonicalVulnId(m[1]!);
      const urls = byId.get(id) ?? [];
      if (/^https?:\/\//i.test(locator)) urls.push(locator);
      byId.set(id, urls);
    }
  }
  if (!byId.size) return [];
  const name = str(p.name) ?? str(p.SPDXID) ?? "unknown";
  const version = str(p.versionInfo);
  const parsed = parsePurl(purl);
  const pkg: PackageRef = { purl, ecosystem: parsed?.type, name, version, fixedVersions: [] };
  return [...byId].map(([id, urls]) => ({
    kind: "dependency" as const,
    ruleId: id,
    title: `${id} in ${name}${version ? `@${version}` : ""}`,
    // SPDX carries no severity for an advisory reference: medium, so a named vulnerability stays visible.
    severity: "medium" as const,
    severityDefaulted: true,
    vulnerabilityId: id,
    aliases: [],
    cwes: [],
    package: { ...pkg },
    references: urls.slice(0, 5),
  }));
}

function parseSpdx3(v: Obj): ParsedReport {
  const graph = objects(v["@graph"]);
  const typeOf = (e: Obj) => str(e.type) ?? str(e["@type"]);
  const tools = graph.filter((e) => typeOf(e) === "Tool").map((e) => toolFromSpdxCreator(str(e.name) ?? ""));
  const tool = tools.find((t): t is ToolInfo => t !== undefined) ?? { name: "SPDX" };
  const creation = graph.filter((e) => typeOf(e) === "CreationInfo");
  const specVersion = creation.map((e) => str(e.specVersion)).find(Boolean);
  return {
    format: "spdx-json",
    tool,
    parts: [{ tool, succeeded: true, findings: [] }],
    evidence: ["sbom"],
    sbom: {
      format: "spdx",
      specVersion: specVersion ?? "3.0",
      components: graph.filter((e) => typeOf(e) === "software_Package").length,
    },
    ...reportMetadata({ generatedAt: latestTimestamp(creation.map((e) => parseTimestamp(e.created))) }),
    warnings: [],
  };
}

export const spdxJsonFormat: FormatModule<"spdx-json"> = {
  id: "spdx-json",
  name: "SPDX JSON",
  aliases: ["spdx"],
  detect: (doc) => {
    const v = jsonValue(doc);
    if (!isObj(v)) return false;
    return (typeof v.spdxVersion === "string" && /^SPDX-/i.test(v.spdxVersion)) || isSpdx3(v);
  },
  parse: (doc) => {
    const v = jsonValue(doc);
    if (v === null || (Array.isArray(v) && v.length === 0)) return parseSpdx2({});
    if (!isObj(v)) throw new ReportSchemaError("spdx-json", "$", "expected an SPDX document object");
    return isSpdx3(v) ? parseSpdx3(v) : parseSpdx2(v);
  },
};
