// Trivy Operator CRDs (aquasecurity.github.io): VulnerabilityReport, ConfigAuditReport (and its RBAC / infra /
// cluster variants), ExposedSecretReport and ClusterComplianceReport, as single objects, `{"items":[…]}` lists,
// bare arrays or `kubectl get … -o json` dicts of lists.
import type {
  Document,
  EvidenceKind,
  FormatModule,
  ParseContext,
  ParsedReport,
  RawFinding,
  ReportPart,
  ToolInfo,
} from "../types";
import { ReportSchemaError } from "../types";
import {
  asArray,
  buildPurl,
  imageRepository,
  isObj,
  latestTimestamp,
  normalizeDigest,
  num,
  parsePurl,
  parseTimestamp,
  plainText,
  reportMetadata,
  splitVersions,
  str,
  type Obj,
} from "../util";
import { compact, compactProps, pickVulnIds, references, severityOrScore, toolVersion, trivyPurlType } from "./trivy-json";

const FORMAT = "trivy-operator" as const;

const CHECK_KINDS = new Set([
  "ConfigAuditReport",
  "ClusterConfigAuditReport",
  "RbacAssessmentReport",
  "ClusterRbacAssessmentReport",
  "InfraAssessmentReport",
  "ClusterInfraAssessmentReport",
]);
const KINDS = new Set([
  ...CHECK_KINDS,
  "VulnerabilityReport",
  "ExposedSecretReport",
  "ClusterComplianceReport",
  "SbomReport",
  "ClusterSbomReport",
]);

const isCrd = (v: unknown): boolean =>
  isObj(v) &&
  typeof v.apiVersion === "string" &&
  v.apiVersion.startsWith("aquasecurity.github.io/") &&
  typeof v.kind === "string" &&
  KINDS.has(v.kind);

function detect(doc: Document): boolean {
  if (doc.type !== "json") return false;
  const v = doc.value;
  if (Array.isArray(v)) return isCrd(v[0]);
  if (!isObj(v)) return false;
  if (isCrd(v)) return true;
  if (Array.isArray(v.items)) return isCrd(v.items[0]);
  // `kubectl get vulnerabilityreports,configauditreports… -o json` saved per resource type.
  const keys = Object.keys(v);
  return keys.length > 0 && keys.every((k) => k.endsWith(".aquasecurity.github.io") && Array.isArray(v[k]));
}

/** All CRD objects of the document, whatever the container shape. */
function collect(v: unknown, path: string, out: { crd: Obj; path: string }[]): void {
  if (Array.isArray(v)) {
    v.forEach((item, i) => collect(item, `${path}[${i}]`, out));
  } else if (isObj(v) && isCrd(v)) {
    out.push({ crd: v, path });
  } else if (isObj(v)) {
    if ("items" in v) {
      if (!Array.isArray(v.items) && v.items !== null) throw new ReportSchemaError(FORMAT, `${path}.items`, "expected an array");
      collect(v.items ?? [], `${path}.items`, out);
    } else if (!("kind" in v)) {
      for (const [k, list] of Object.entries(v)) if (Array.isArray(list)) collect(list, `${path}.${k}`, out);
    }
  }
}

function labels(crd: Obj): Record<string, unknown> {
  const meta = isObj(crd.metadata) ? crd.metadata : {};
  return isObj(meta.labels) ? meta.labels : {};
}

/** Kind/Namespace/Name of the scanned workload, from the operator's labels or the owner reference. */
function workload(crd: Obj): string | undefined {
  const l = labels(crd);
  const meta = isObj(crd.metadata) ? crd.metadata : {};
  const owner = asArray(meta.ownerReferences).find(isObj);
  const kind = str(l["trivy-operator.resource.kind"]) ?? str(owner?.kind);
  const name = str(l["trivy-operator.resource.name"]) ?? str(owner?.name);
  const ns = str(l["trivy-operator.resource.namespace"]) ?? str(meta.namespace);
  if (!kind && !name) return undefined;
  return [kind, ns, name].filter(Boolean).join("/");
}

function imageRef(report: Obj): string | undefined {
  const art = isObj(report.artifact) ? report.artifact : {};
  const repo = str(art.repository);
  if (!repo) return undefined;
  const server = str(isObj(report.registry) ? report.registry.server : undefined);
  const base = server ? `${server}/${repo}` : repo;
  const tag = str(art.tag);
  const digest = str(art.digest);
  return digest ? `${base}${tag ? `:${tag}` : ""}@${digest}` : tag ? `${base}:${tag}` : base;
}

function arrayAt(o: Obj, key: string, path: string): Obj[] {
  const v = o[key];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new ReportSchemaError(FORMAT, `${path}.${key}`, "expected an array");
  return v.filter(isObj);
}

function vulnFindings(report: Obj, path: string, resource: string | undefined, image: string | undefined): RawFinding[] {
  return arrayAt(report, "vulnerabilities", path).map((v) => {
    const id = str(v.vulnerabilityID) ?? "unknown";
    const name = str(v.resource) ?? "unknown";
    const version = str(v.installedVersion);
    const fixed = str(v.fixedVersion);
    const pt = trivyPurlType(v.packageType);
    const purl =
      str(v.purl) ?? (pt ? buildPurl(pt.type, `${pt.namespace ? `${pt.namespace}/` : ""}${name}`, version) : undefined);
    const score = num(v.score);
    const target = str(v.target);
    // OS-package targets read "ubuntu:20.04 (ubuntu 20.04)"; language-package targets are paths in the image.
    const file = target && str(v.class) !== "os-pkgs" && !/\s\(.*\)$/.test(target) ? target : undefined;
    return {
      kind: "dependency",
      ruleId: id,
      title: str(v.title) ?? `${id} in ${name}`,
      description: plainText(v.description, 1000),
      ...severityOrScore(v.severity, score),
      ...pickVulnIds([id]),
      cwes: [],
      cvss: score !== undefined ? { score } : undefined,
      package: { purl, ecosystem: parsePurl(purl)?.type ?? pt?.type, name, version, fixedVersions: splitVersions(fixed) },
      location: compact({ file, image, resource }),
      remediation: fixed ? `Upgrade ${name} to ${fixed}.` : undefined,
      references: references(v.primaryLink, v.links),
    } satisfies RawFinding;
  });
}

function checkFindings(report: Obj, path: string, resource: string | undefined): RawFinding[] {
  return arrayAt(report, "checks", path)
    .filter((c) => c.success !== true) // passed checks are not findings
    .map((c) => {
      const title = str(c.title) ?? str(c.checkID) ?? "Failed check";
      const messages = asArray(c.messages).map(str).filter(Boolean).join("; ");
      return {
        kind: "iac", // a k8s workload's configuration is infrastructure as code
        ruleId: str(c.checkID) ?? str(c.id) ?? title,
        title,
        description: plainText(messages || c.description, 1000),
        ...severityOrScore(c.severity, undefined),
        aliases: [],
        cwes: [],
        location: compact({ resource }),
        remediation: str(c.remediation),
        properties: compactProps({ category: str(c.category) }),
      } satisfies RawFinding;
    });
}

// The operator masks the secret inside `match` ("KEY=\"****\""): the whole match line is the best secret material
// it gives, so it is what we redact; the line itself is never emitted.
function secretFindings(
  report: Obj,
  path: string,
  resource: string | undefined,
  image: string | undefined,
  ctx: ParseContext,
): RawFinding[] {
  return arrayAt(report, "secrets", path).map((s) => {
    const ruleId = str(s.ruleID) ?? "secret";
    const match = typeof s.match === "string" && s.match.trim() !== "" ? s.match : undefined;
    return {
      kind: "secret",
      ruleId,
      title: str(s.title) ?? ruleId,
      ...severityOrScore(s.severity, undefined),
      aliases: [],
      cwes: [798],
      location: compact({ file: str(s.target), image, resource }),
      secret: match ? ctx.redact(match) : undefined,
      properties: compactProps({ category: str(s.category) }),
    } satisfies RawFinding;
  });
}

// CIS-style cluster compliance: failing checks of the detail report, else failing controls of the summary.
function complianceFindings(crd: Obj, path: string): RawFinding[] {
  const status = isObj(crd.status) ? crd.status : {};
  const out: RawFinding[] = [];
  const detail = isObj(status.detailReport) ? status.detailReport : undefined;
  if (detail) {
    arrayAt(detail, "results", `${path}.status.detailReport`).forEach((control, i) => {
      const controlId = str(control.id) ?? `control-${i}`;
      for (const c of arrayAt(control, "checks", `${path}.status.detailReport.results[${i}]`)) {
        if (c.success === true) continue;
        const title = str(c.title) ?? str(control.name) ?? controlId;
        const messages = asArray(c.messages).map(str).filter(Boolean).join("; ");
        out.push({
          kind: "config",
          ruleId: str(c.checkID) ?? controlId,
          title: `[${controlId}] ${title}`,
          description: plainText(messages || c.description, 1000),
          // A check without its own severity inherits the control's.
          ...severityOrScore(str(c.severity) ?? control.severity, undefined),
          aliases: [],
          cwes: [],
          location: compact({ resource: str(c.target) }),
          remediation: str(c.remediation),
          properties: compactProps({ control: controlId, category: str(c.category) }),
        });
      }
    });
    return out;
  }
  const summary = isObj(status.summaryReport) ? status.summaryReport : {};
  for (const control of arrayAt(summary, "controlCheck", `${path}.status.summaryReport`)) {
    const fails = num(control.totalFail) ?? 0;
    if (fails <= 0) continue;
    const id = str(control.id) ?? "control";
    out.push({
      kind: "config",
      ruleId: id,
      title: str(control.name) ?? id,
      ...severityOrScore(control.severity, undefined),
      aliases: [],
      cwes: [],
      properties: { totalFail: fails },
    });
  }
  return out;
}

function parse(doc: Document, ctx: ParseContext): ParsedReport {
  const v = doc.type === "json" ? doc.value : undefined;
  if (v !== null && !isObj(v) && !Array.isArray(v))
    throw new ReportSchemaError(FORMAT, "$", "expected Trivy Operator report objects");
  const crds: { crd: Obj; path: string }[] = [];
  collect(v, "$", crds);
  const parts: ReportPart[] = [];
  const evidence = new Set<EvidenceKind>();
  const warnings: string[] = [];
  const digests = new Set<string>();
  const targets = new Set<string | undefined>();
  const times: (string | undefined)[] = [];

  for (const { crd, path } of crds) {
    const kind = crd.kind as string;
    const meta = isObj(crd.metadata) ? crd.metadata : {};
    const report = crd.report;
    if (kind !== "ClusterComplianceReport" && report !== undefined && !isObj(report)) {
      throw new ReportSchemaError(FORMAT, `${path}.report`, "expected an object");
    }
    const r = isObj(report) ? report : {};
    const scanner = isObj(r.scanner) ? r.scanner : undefined;
    const version =
      toolVersion(scanner?.version) ?? (scanner ? undefined : toolVersion(labels(crd)["app.kubernetes.io/version"]));
    // The scanning tool is Trivy (report.scanner); compliance reports only name the operator.
    const tool: ToolInfo = { name: str(scanner?.name) ?? "Trivy Operator", ...(version ? { version } : {}) };
    const resource = workload(crd);
    const image = imageRef(r);
    times.push(parseTimestamp(r.updateTimestamp) ?? parseTimestamp(meta.creationTimestamp));
    let findings: RawFinding[];
    if (kind === "VulnerabilityReport") {
      findings = vulnFindings(r, `${path}.report`, resource, image);
      evidence.add("sca").add("container");
    } else if (kind === "ExposedSecretReport") {
      findings = secretFindings(r, `${path}.report`, resource, image, ctx);
      evidence.add("secrets");
    } else if (CHECK_KINDS.has(kind)) {
      findings = checkFindings(r, `${path}.report`, resource);
      evidence.add("iac");
    } else if (kind === "ClusterComplianceReport") {
      findings = complianceFindings(crd, path);
      evidence.add("config");
    } else {
      warnings.push(`${path}: ${kind} holds no findings; skipped.`);
      continue;
    }
    const d = normalizeDigest(isObj(r.artifact) ? r.artifact.digest : undefined);
    if (d) digests.add(d);
    targets.add(imageRepository(image));
    // Each CRD is the latest scan of one object: its part closes only that object's findings.
    parts.push({
      tool,
      category: [kind, str(meta.namespace), str(meta.name)].filter(Boolean).join("/"),
      succeeded: true,
      findings,
    });
  }

  const tool = parts[0]?.tool ?? { name: "Trivy Operator" };
  return {
    format: FORMAT,
    tool,
    parts,
    evidence: [...evidence],
    // One image for the whole document, or none: reports of several images (or of workloads) name no one artifact.
    ...reportMetadata({
      generatedAt: latestTimestamp(times),
      digests: digests.size === 1 ? digests : [],
      target: targets.size === 1 ? [...targets][0] : undefined,
    }),
    warnings,
  };
}

export const trivyOperatorFormat: FormatModule<"trivy-operator"> = {
  id: FORMAT,
  name: "Trivy Operator",
  aliases: ["trivy"],
  detect,
  parse,
};
