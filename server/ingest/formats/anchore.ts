// Anchore: anchore-engine / anchore-cli `image vuln` (imageDigest or image_digest), anchorectl vulnerabilities
// (old camelCase array, new `securityEvaluation`), and policy evaluations (Anchore Enterprise policy check,
// anchorectl policy old list and new `evaluations`) whose failing gates become "config" findings.
import type { Document, EvidenceKind, FormatModule, ParseContext, ParsedReport, RawFinding, ToolInfo } from "../types";
import { ReportSchemaError } from "../types";
import {
  asArray,
  buildPurl,
  digestFromHex,
  findVulnId,
  imageRepository,
  isObj,
  latestTimestamp,
  normalizeDigest,
  normalizePath,
  num,
  parseTimestamp,
  plainText,
  reportMetadata,
  severityFromWord,
  splitVersions,
  str,
  type Obj,
} from "../util";
import { compact, compactProps, pickVulnIds, references, severityOrScore } from "./trivy-json";

const FORMAT = "anchore" as const;

type Shape =
  "engine" | "security-evaluation" | "anchorectl-vulns" | "enterprise-policy" | "anchorectl-policy" | "anchorectl-policy-list";

function shapeOf(v: unknown): Shape | undefined {
  if (isObj(v)) {
    if ((v.imageDigest !== undefined || v.image_digest !== undefined) && "vulnerabilities" in v && "vulnerability_type" in v)
      return "engine";
    if (isObj(v.metadata) && Array.isArray(v.securityEvaluation)) return "security-evaluation";
    if ("evaluatedTag" in v && "policyId" in v && Array.isArray(v.evaluations)) return "anchorectl-policy";
    return undefined;
  }
  if (!Array.isArray(v) || !isObj(v[0])) return undefined;
  const first = v[0];
  if ("feed" in first && "feedGroup" in first && ("packageName" in first || "package" in first)) return "anchorectl-vulns";
  if ("detail" in first && "digest" in first && "finalAction" in first && "policyId" in first) return "anchorectl-policy-list";
  const keys = Object.keys(first);
  if (keys.length > 0 && keys.every((k) => /^sha256:[0-9a-f]{64}$/.test(k))) return "enterprise-policy";
  return undefined;
}

function detect(doc: Document): boolean {
  return doc.type === "json" && shapeOf(doc.value) !== undefined;
}

// ---- vulnerabilities -----------------------------------------------------------

const none = (v: unknown): string | undefined => {
  const s = str(v);
  return s && !/^(none|n\/a|null)$/i.test(s) ? s : undefined;
};

// Anchore package types → purl types (java needs a group id we do not have, so no purl is built for it).
const PURL_TYPE: Record<string, string> = {
  dpkg: "deb",
  deb: "deb",
  rpm: "rpm",
  apk: "apk",
  npm: "npm",
  gem: "gem",
  python: "pypi",
  go: "golang",
  nuget: "nuget",
};
const ECOSYSTEM: Record<string, string> = { ...PURL_TYPE, java: "maven", "java-archive": "maven" };

/** "name-1.2.3-4.el8" → name + version, for anchorectl's `package` field that joins them. */
export function splitNameVersion(pkg: string): { name: string; version?: string } {
  const segs = pkg.split("-");
  let i = segs.length;
  // Version (+ release) segments start with a digit or an epoch ("2:4.6"); at most two of them.
  while (i > 1 && segs.length - i < 2 && /^\d/.test(segs[i - 1]!)) i--;
  if (i === segs.length) return { name: pkg };
  return { name: segs.slice(0, i).join("-"), version: segs.slice(i).join("-") };
}

function distroNamespace(feedGroup: string | undefined): string | undefined {
  const d = feedGroup?.split(":")[0]?.toLowerCase();
  return d && /^(debian|ubuntu|alpine|rhel|centos|amzn|ol|sles|photon|wolfi)$/.test(d) ? d : undefined;
}

function vulnFinding(o: {
  id: string;
  cves?: unknown[];
  severity: unknown;
  score?: number;
  vector?: string;
  cvssVersion?: string;
  name: string;
  version?: string;
  type?: string;
  feedGroup?: string;
  fix?: string;
  path?: string;
  url?: string;
  description?: string;
  image?: string;
  inheritedFromBase?: boolean;
}): RawFinding {
  const type = o.type?.toLowerCase();
  const purlType = type ? PURL_TYPE[type] : undefined;
  const ns = purlType === "deb" || purlType === "rpm" || purlType === "apk" ? distroNamespace(o.feedGroup) : undefined;
  const purl =
    purlType && (ns || !["deb", "rpm", "apk"].includes(purlType))
      ? buildPurl(purlType, ns ? `${ns}/${o.name}` : o.name, o.version)
      : undefined;
  const fixedVersions = splitVersions(none(o.fix));
  return {
    kind: "dependency",
    ruleId: o.id,
    title: `${o.id} in ${o.name}${o.version ? ` ${o.version}` : ""}`,
    description: plainText(o.description, 1000),
    // Anchore's scale (Negligible → low); "Unknown" falls back to the NVD score.
    ...severityOrScore(o.severity, o.score),
    ...pickVulnIds([o.id, ...asArray(o.cves)]),
    cwes: [],
    cvss: o.score !== undefined ? compact({ score: o.score, vector: o.vector, version: o.cvssVersion }) : undefined,
    package: {
      purl,
      ecosystem: purlType ?? (type ? (ECOSYSTEM[type] ?? type) : undefined),
      name: o.name,
      version: o.version,
      fixedVersions,
    },
    location: compact({ file: normalizePath(none(o.path) === "pkgdb" ? undefined : none(o.path)), image: o.image }),
    remediation: fixedVersions.length ? `Upgrade ${o.name} to ${fixedVersions.join(" or ")}.` : undefined,
    references: references(o.url, []),
    properties: compactProps({ feedGroup: o.feedGroup, inheritedFromBase: o.inheritedFromBase }),
  };
}

/** The NVD base score (v3 preferred) of anchore-engine's nvd_data[]; -1 means "none". */
function nvdScore(v: Obj): { score?: number; vector?: string; cvssVersion?: string } {
  const extra = isObj(v.extra) ? v.extra : {};
  for (const src of [asArray(extra.nvd_data), asArray(v.nvd_data)]) {
    const d = src.find(isObj);
    if (!d) continue;
    for (const key of ["cvss_v3", "cvss_v2"] as const) {
      const c = isObj(d[key]) ? d[key] : undefined;
      const bm = isObj(c?.base_metrics) ? c.base_metrics : c;
      const score = num(bm?.base_score);
      if (score !== undefined && score >= 0) {
        return { score, vector: str(c?.vector_string), cvssVersion: str(c?.version) ?? (key === "cvss_v3" ? "3.x" : "2.0") };
      }
    }
  }
  return {};
}

function listAt(o: Obj, key: string): Obj[] {
  const v = o[key];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new ReportSchemaError(FORMAT, key, "expected an array");
  return v.map((x, i) => {
    if (!isObj(x)) throw new ReportSchemaError(FORMAT, `${key}[${i}]`, "expected an object");
    return x;
  });
}

function engineFindings(v: Obj): RawFinding[] {
  const image = str(v.imageFullTag);
  return listAt(v, "vulnerabilities").map((x) => {
    const extra = isObj(x.extra) ? x.extra : {};
    return vulnFinding({
      id: str(x.vuln) ?? "unknown",
      severity: x.severity,
      ...nvdScore(x),
      name: str(x.package_name) ?? str(x.packageName) ?? splitNameVersion(str(x.package) ?? "unknown").name,
      version: str(x.package_version) ?? str(x.packageVersion),
      type: str(x.package_type) ?? str(x.packageType),
      feedGroup: str(x.feed_group) ?? str(x.feedGroup),
      fix: str(x.fix),
      path: str(x.package_path) ?? str(x.packagePath),
      url: str(x.url),
      description: str(extra.description),
      image,
      inheritedFromBase: typeof x.inherited_from_base === "boolean" ? x.inherited_from_base : undefined,
    });
  });
}

function anchorectlVulnFindings(list: unknown[]): RawFinding[] {
  return list.map((x, i) => {
    if (!isObj(x)) throw new ReportSchemaError(FORMAT, `[${i}]`, "expected an object");
    return vulnFinding({
      id: str(x.vuln) ?? "unknown",
      severity: x.severity,
      ...nvdScore(x),
      name: str(x.packageName) ?? splitNameVersion(str(x.package) ?? "unknown").name,
      version: str(x.packageVersion),
      type: str(x.packageType),
      feedGroup: str(x.feedGroup),
      fix: str(x.fix),
      path: str(x.packagePath),
      url: str(x.url),
    });
  });
}

function securityEvaluationFindings(v: Obj): RawFinding[] {
  const meta = isObj(v.metadata) ? v.metadata : {};
  const repo = str(meta.repository);
  const image = repo
    ? `${str(meta.registry) ? `${str(meta.registry)}/` : ""}${repo}${str(meta.tag) ? `:${str(meta.tag)}` : ""}`
    : undefined;
  return listAt(v, "securityEvaluation").map((x) => {
    const pkg = splitNameVersion(str(x.package) ?? "unknown");
    return vulnFinding({
      id: str(x.vulnerabilityId) ?? "unknown",
      cves: String(x.cves ?? "").split(/[\s,]+/),
      severity: x.severity,
      score: num(x.nvdCvssBaseScore),
      name: pkg.name,
      version: pkg.version,
      type: str(x.packageType),
      fix: str(x.fixAvailable),
      path: str(x.path),
      url: str(x.link),
      image,
    });
  });
}

// ---- policy evaluations ----------------------------------------------------------

const LEADING_SEVERITY = /^(CRITICAL|HIGH|MEDIUM|LOW|NEGLIGIBLE|UNKNOWN)\s+/;

type Trigger = {
  gate?: string;
  trigger?: string;
  triggerId?: string;
  output?: string;
  action?: string;
  policyId?: string;
  whitelisted?: boolean;
};

function policyFinding(t: Trigger, image: string | undefined): RawFinding | undefined {
  const action = t.action?.toLowerCase();
  if (action !== "stop" && action !== "warn") return undefined; // "go" triggers passed the policy
  const output = t.output ?? "";
  const lead = LEADING_SEVERITY.exec(output)?.[1];
  // The tool's own severity when the trigger output starts with one; else the gate action: stop → high, warn → medium.
  const severity = (lead && lead !== "UNKNOWN" ? severityFromWord(lead) : undefined) ?? (action === "stop" ? "high" : "medium");
  const ruleId = [t.gate, t.trigger].filter(Boolean).join(":") || "policy";
  const text = output.replace(LEADING_SEVERITY, "");
  return {
    kind: "config",
    ruleId,
    title: plainText(text, 200) ?? ruleId,
    description: plainText(text, 1000),
    severity,
    aliases: [],
    cwes: [],
    location: compact({ image }),
    toolFingerprint: t.triggerId,
    suppressed: t.whitelisted ? true : undefined,
    properties: compactProps({
      gate: t.gate,
      trigger: t.trigger,
      action,
      policyId: t.policyId,
      vulnerability: findVulnId(text) ?? findVulnId(t.triggerId),
    }),
  };
}

function detailTriggers(details: unknown): Trigger[] {
  return asArray(details)
    .filter(isObj)
    .map((d) => ({
      gate: str(d.gate),
      trigger: str(d.triggerName) ?? str(d.trigger),
      triggerId: str(d.triggerId),
      output: str(d.description) ?? str(d.checkOutput),
      action: str(d.status) ?? str(d.action),
      policyId: str(d.policyId),
    }));
}

/** Anchore Enterprise: [{ "sha256:…": { "<tag>": [ { detail: { result: { result: { "<imageId>": { result: { header, rows } } } } } } ] } }] */
function enterpriseTriggers(list: unknown[]): {
  triggers: Trigger[];
  image?: string;
  digest?: string;
  imageId?: string;
  times: (string | undefined)[];
} {
  const triggers: Trigger[] = [];
  let image: string | undefined;
  let digest: string | undefined;
  let imageId: string | undefined;
  const times: (string | undefined)[] = [];
  list.forEach((entry, i) => {
    if (!isObj(entry)) throw new ReportSchemaError(FORMAT, `[${i}]`, "expected an object keyed by image digest");
    for (const [dg, byTag] of Object.entries(entry)) {
      digest ??= normalizeDigest(dg);
      if (!isObj(byTag)) throw new ReportSchemaError(FORMAT, `[${i}]["${dg}"]`, "expected an object keyed by tag");
      for (const [tag, evals] of Object.entries(byTag)) {
        image ??= tag;
        asArray(evals).forEach((ev, j) => {
          const base = `[${i}]["${dg}"]["${tag}"][${j}].detail.result`;
          const res = isObj(ev) && isObj(ev.detail) && isObj(ev.detail.result) ? ev.detail.result : undefined;
          if (!res) throw new ReportSchemaError(FORMAT, base, "expected the evaluation result");
          if (!isObj(res.result)) throw new ReportSchemaError(FORMAT, `${base}.result`, "expected an object keyed by image id");
          if (isObj(ev)) times.push(parseTimestamp(ev.last_evaluation));
          imageId ??= digestFromHex(res.image_id);
          for (const [key, perImage] of Object.entries(res.result)) {
            if (!/^[0-9a-f]{64}$/.test(key)) continue; // policy_name, whitelist_data, …
            const table = isObj(perImage) && isObj(perImage.result) ? perImage.result : undefined;
            const header = asArray(table?.header).map((h) => String(h));
            if (!table || !header.length)
              throw new ReportSchemaError(FORMAT, `${base}.result["${key}"].result`, "expected a header and rows");
            const col = (row: unknown[], name: string) => row[header.indexOf(name)];
            for (const row of asArray(table.rows)) {
              if (!Array.isArray(row)) continue;
              triggers.push({
                gate: str(col(row, "Gate")),
                trigger: str(col(row, "Trigger")),
                triggerId: str(col(row, "Trigger_Id")),
                output: str(col(row, "Check_Output")),
                action: str(col(row, "Gate_Action")),
                policyId: str(col(row, "Policy_Id")),
                whitelisted: col(row, "Whitelisted") === true,
              });
            }
          }
        });
      }
    }
  });
  return { triggers, image, digest, imageId, times };
}

// ---- parse ---------------------------------------------------------------------

function parse(doc: Document, _ctx: ParseContext): ParsedReport {
  const v = doc.type === "json" ? doc.value : undefined;
  const shape = shapeOf(v);
  let findings: RawFinding[] = [];
  let tool: ToolInfo = { name: "Anchore" };
  let evidence: EvidenceKind[] = ["sca", "container"];
  // The image scanned (digest, then image id), its reference, and when it was analysed or evaluated.
  const digests: unknown[] = [];
  let image: string | undefined;
  const times: (string | undefined)[] = [];
  const warnings: string[] = [];

  if (Array.isArray(v) && v.length === 0) {
    // `[]`: anchorectl with nothing to report.
  } else if (v === null) {
    // nothing
  } else if (shape === "engine" && isObj(v)) {
    tool = { name: "Anchore Engine" };
    findings = engineFindings(v);
    digests.push(v.imageDigest ?? v.image_digest); // base_digest is the base image's, not the one scanned
    image = str(v.imageFullTag);
  } else if (shape === "security-evaluation" && isObj(v)) {
    tool = { name: "anchorectl" };
    findings = securityEvaluationFindings(v);
    const meta = isObj(v.metadata) ? v.metadata : {};
    digests.push(meta.imageDigest);
    const repository = str(meta.repository);
    image = repository && [str(meta.registry), repository].filter(Boolean).join("/");
    times.push(parseTimestamp(meta.timestamp));
  } else if (shape === "anchorectl-vulns" && Array.isArray(v)) {
    tool = { name: "anchorectl" };
    findings = anchorectlVulnFindings(v);
  } else if (shape === "enterprise-policy" && Array.isArray(v)) {
    tool = { name: "Anchore Enterprise" };
    evidence = ["config", "container"];
    const evaluated = enterpriseTriggers(v);
    image = evaluated.image;
    findings = evaluated.triggers.map((t) => policyFinding(t, image)).filter((f): f is RawFinding => f !== undefined);
    digests.push(evaluated.digest, evaluated.imageId);
    times.push(...evaluated.times);
  } else if (shape === "anchorectl-policy" && isObj(v)) {
    tool = { name: "anchorectl" };
    evidence = ["config", "container"];
    image = str(v.evaluatedTag);
    for (const ev of listAt(v, "evaluations")) {
      times.push(parseTimestamp(ev.evaluationTime));
      for (const t of detailTriggers(ev.details)) {
        const f = policyFinding(t, image);
        if (f) findings.push(f);
      }
    }
    digests.push(v.imageDigest);
  } else if (shape === "anchorectl-policy-list" && Array.isArray(v)) {
    tool = { name: "anchorectl" };
    evidence = ["config", "container"];
    v.forEach((ev, i) => {
      if (!isObj(ev)) throw new ReportSchemaError(FORMAT, `[${i}]`, "expected an evaluation object");
      for (const t of detailTriggers(ev.detail)) {
        const f = policyFinding(t, str(ev.tag));
        if (f) findings.push(f);
      }
      // The evaluations of one image (as anchorectl writes them): its first digest and tag name it.
      if (!digests.some((d) => normalizeDigest(d))) digests.push(ev.digest);
      image ??= str(ev.tag);
      times.push(parseTimestamp(ev.lastEvaluation));
    });
  } else {
    throw new ReportSchemaError(FORMAT, "$", "expected an Anchore vulnerability report or policy evaluation");
  }

  return {
    format: FORMAT,
    tool,
    parts: [{ tool, succeeded: true, findings }],
    evidence,
    ...reportMetadata({
      generatedAt: latestTimestamp(times),
      digests,
      target: imageRepository(image),
    }),
    warnings,
  };
}

export const anchoreFormat: FormatModule<"anchore"> = { id: FORMAT, name: "Anchore", detect, parse };
