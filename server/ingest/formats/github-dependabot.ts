// GitHub Dependabot alerts: REST list, webhook payloads (current `alert.security_advisory` and the old
// repository_vulnerability_alert shape) and GraphQL `vulnerabilityAlerts` query output at any depth.
import type { Document, FormatModule, ParseContext, ParsedReport, RawFinding } from "../types";
import { ReportSchemaError } from "../types";
import { asArray, buildPurl, isObj, normalizePath, num, parseCwes, plainText, splitVersions, str, type Obj } from "../util";
import { compact, compactProps, pickVulnIds, references, severityOrScore } from "./trivy-json";

const FORMAT = "github-dependabot" as const;

// ---- helpers shared with the code-scanning and secret-scanning parsers ----

/** The alert of a GitHub webhook envelope ({action, alert, repository, …}), or undefined. */
export function webhookAlert(v: unknown): Obj | undefined {
  return isObj(v) && typeof v.action === "string" && isObj(v.alert) && isObj(v.repository) ? v.alert : undefined;
}

/** A GitHub field, treating DefectDojo's "None" placeholder as absent. */
export const gh = (v: unknown): string | undefined => {
  const s = str(v);
  return s && s !== "None" ? s : undefined;
};

/**
 * A webhook reports one alert: its part is scoped to that alert (category "alert/<number>"), so a "fixed" event
 * (no finding) closes exactly that alert and a new alert closes nothing else.
 */
export function webhookCategory(v: unknown): { category?: string } {
  const n = str(webhookAlert(v)?.number);
  return n ? { category: `alert/${n}` } : {};
}

/** The alert list of a REST response or a webhook's single alert; throws on anything else. */
export function restOrWebhookAlerts(v: unknown, format: ParsedReport["format"], what: string): Obj[] {
  const alert = webhookAlert(v);
  if (alert) return [alert];
  if (!Array.isArray(v)) throw new ReportSchemaError(format, "$", `expected a list of ${what} alerts or a webhook payload`);
  return v.map((a, i) => {
    if (!isObj(a)) throw new ReportSchemaError(format, `[${i}]`, "expected an alert object");
    return a;
  });
}

// ---- detection --------------------------------------------------------------------

const isRestAlert = (a: unknown) =>
  isObj(a) && isObj(a.security_advisory) && ("dependency" in a || "security_vulnerability" in a);
const isOldWebhookAlert = (a: Obj) => "affected_package_name" in a && ("external_identifier" in a || "ghsa_id" in a);

/** Every `vulnerabilityAlerts` connection in a GraphQL response, wherever the query put it. */
function graphqlConnections(v: unknown, out: Obj[] = [], depth = 0): Obj[] {
  if (depth > 8) return out;
  if (Array.isArray(v)) for (const x of v) graphqlConnections(x, out, depth + 1);
  else if (isObj(v)) {
    for (const [k, x] of Object.entries(v)) {
      if (k === "vulnerabilityAlerts" && isObj(x)) out.push(x);
      else if (isObj(x) || Array.isArray(x)) graphqlConnections(x, out, depth + 1);
    }
  }
  return out;
}

function detect(doc: Document): boolean {
  if (doc.type !== "json") return false;
  const v = doc.value;
  if (Array.isArray(v)) return isRestAlert(v[0]);
  const alert = webhookAlert(v);
  if (alert) return isObj(alert.security_advisory) || isOldWebhookAlert(alert);
  return isObj(v) && isObj(v.data) && graphqlConnections(v.data).length > 0;
}

// ---- mapping ----------------------------------------------------------------------

// GitHub advisory ecosystems → purl types.
const PURL_TYPES: Record<string, string> = {
  npm: "npm",
  pip: "pypi",
  maven: "maven",
  rubygems: "gem",
  nuget: "nuget",
  composer: "composer",
  go: "golang",
  rust: "cargo",
  pub: "pub",
  erlang: "hex",
  swift: "swift",
  actions: "githubactions",
};

function pkgRef(
  ecosystem: unknown,
  name: string,
  version: string | undefined,
  fixed: string[],
): NonNullable<RawFinding["package"]> {
  const eco = str(ecosystem)?.toLowerCase();
  const type = eco ? PURL_TYPES[eco] : undefined;
  const purl =
    type && type !== "githubactions" ? buildPurl(type, type === "maven" ? name.replace(":", "/") : name, version) : undefined;
  return { purl, ecosystem: type ?? eco, name, version, fixedVersions: fixed };
}

type Outcome = { finding?: RawFinding; fixed?: boolean };

function restFinding(a: Obj): Outcome {
  const state = gh(a.state)?.toLowerCase();
  if (state === "fixed") return { fixed: true };
  const sa = isObj(a.security_advisory) ? a.security_advisory : {};
  const sv = isObj(a.security_vulnerability) ? a.security_vulnerability : {};
  const dep = isObj(a.dependency) ? a.dependency : {};
  const pkg = isObj(sv.package) ? sv.package : isObj(dep.package) ? dep.package : {};
  const ids = pickVulnIds([
    sa.cve_id,
    sa.ghsa_id,
    ...asArray(sa.identifiers)
      .filter(isObj)
      .map((i) => i.value),
  ]);
  const cvss = isObj(sa.cvss) ? sa.cvss : {};
  const sevs = isObj(sa.cvss_severities) ? sa.cvss_severities : {};
  const v3 = isObj(sevs.cvss_v3) ? sevs.cvss_v3 : {};
  const v4 = isObj(sevs.cvss_v4) ? sevs.cvss_v4 : {};
  const [score, vector] = [cvss, v3, v4]
    .map((c) => [num(c.score), str(c.vector_string)] as const)
    .find(([s, vec]) => (s !== undefined && s > 0) || vec !== undefined) ?? [undefined, undefined];
  const name = str(pkg.name) ?? "unknown";
  const fixed = splitVersions(isObj(sv.first_patched_version) ? sv.first_patched_version.identifier : undefined);
  const ruleId = str(sa.ghsa_id) ?? ids.vulnerabilityId ?? `dependabot-${str(a.number) ?? "alert"}`;
  return {
    finding: {
      kind: "dependency",
      ruleId,
      title: str(sa.summary) ?? `${ruleId} in ${name}`,
      description: plainText(sa.description, 1000),
      ...severityOrScore(sv.severity ?? sa.severity, score),
      ...ids,
      cwes: parseCwes(
        asArray(sa.cwes)
          .filter(isObj)
          .map((c) => c.cwe_id),
      ),
      cvss:
        score !== undefined || vector
          ? compact({ score: score && score > 0 ? score : undefined, vector, version: cvssVersion(vector) })
          : undefined,
      // The REST alert names the vulnerable range, not the installed version.
      package: pkgRef(pkg.ecosystem, name, undefined, fixed),
      location: compact({ file: normalizePath(dep.manifest_path) }),
      toolFingerprint: str(a.number) ? `dependabot-alert-${str(a.number)}` : undefined,
      remediation: fixed.length ? `Upgrade ${name} to ${fixed.join(" or ")}.` : undefined,
      references: references(gh(a.html_url), asArray(sa.references)),
      suppressed: state === "dismissed" || state === "auto_dismissed" ? true : undefined,
      properties: compactProps({
        state,
        dismissedReason: gh(a.dismissed_reason),
        scope: str(dep.scope),
        vulnerableRange: str(sv.vulnerable_version_range),
      }),
    },
  };
}

/** The repository_vulnerability_alert webhook's alert (affected_package_name, external_identifier, fixed_in). */
function oldWebhookFinding(a: Obj): Outcome {
  const state = gh(a.state)?.toLowerCase();
  if (state === "fixed" || state === "resolved") return { fixed: true };
  const ids = pickVulnIds([a.external_identifier, a.ghsa_id]);
  const name = str(a.affected_package_name) ?? "unknown";
  const fixed = splitVersions(a.fixed_in);
  const ruleId = str(a.ghsa_id) ?? ids.vulnerabilityId ?? "dependabot-alert";
  return {
    finding: {
      kind: "dependency",
      ruleId,
      title: `${ids.vulnerabilityId ?? ruleId} in ${name}`,
      ...severityOrScore(a.severity, undefined),
      ...ids,
      cwes: [],
      package: { name, fixedVersions: fixed },
      toolFingerprint: str(a.number) ? `dependabot-alert-${str(a.number)}` : undefined,
      remediation: fixed.length ? `Upgrade ${name} to ${fixed.join(" or ")}.` : undefined,
      references: references(a.external_reference, []),
      suppressed: state === "dismissed" ? true : undefined,
      properties: compactProps({ state, affectedRange: str(a.affected_range), dismissedReason: str(a.dismiss_reason) }),
    },
  };
}

function graphqlFinding(n: Obj): Outcome {
  const state = str(n.state)?.toLowerCase();
  if (state === "fixed" || (!state && str(n.fixedAt))) return { fixed: true };
  const dismissed = state === "dismissed" || state === "auto_dismissed" || (!state && str(n.dismissedAt) !== undefined);
  const sv = isObj(n.securityVulnerability) ? n.securityVulnerability : {};
  const adv = isObj(sv.advisory) ? sv.advisory : {};
  const pkg = isObj(sv.package) ? sv.package : {};
  const cvss = isObj(adv.cvss) ? adv.cvss : {};
  const score = num(cvss.score);
  const vector = str(cvss.vectorString);
  const ids = pickVulnIds(
    asArray(adv.identifiers)
      .filter(isObj)
      .map((i) => i.value),
  );
  const ghsa = asArray(adv.identifiers)
    .filter(isObj)
    .find((i) => str(i.type)?.toUpperCase() === "GHSA");
  const name = str(pkg.name) ?? "unknown";
  // vulnerableRequirements is "= 5.3.29" for a pinned version; ranges are not a version.
  const version = /^=\s*([^\s,<>=]+)$/.exec(str(n.vulnerableRequirements) ?? "")?.[1];
  const fixed = splitVersions(isObj(sv.firstPatchedVersion) ? sv.firstPatchedVersion.identifier : undefined);
  const pr =
    isObj(n.dependabotUpdate) && isObj(n.dependabotUpdate.pullRequest)
      ? str(n.dependabotUpdate.pullRequest.permalink)
      : undefined;
  const cweNodes = isObj(adv.cwes) ? asArray(adv.cwes.nodes) : asArray(adv.cwes);
  const ruleId = str(ghsa?.value) ?? ids.vulnerabilityId ?? str(n.id) ?? "dependabot-alert";
  return {
    finding: {
      kind: "dependency",
      ruleId,
      title: str(adv.summary) ?? `${ruleId} in ${name}`,
      description: plainText(adv.description, 1000),
      ...severityOrScore(sv.severity, score),
      ...ids,
      cwes: parseCwes(cweNodes.filter(isObj).map((c) => c.cweId)),
      cvss:
        score !== undefined || vector
          ? compact({ score: score && score > 0 ? score : undefined, vector, version: cvssVersion(vector) })
          : undefined,
      package: pkgRef(pkg.ecosystem, name, version, fixed),
      location: compact({ file: normalizePath(n.vulnerableManifestPath) }),
      toolFingerprint: str(n.number) ? `dependabot-alert-${str(n.number)}` : undefined,
      remediation: pr
        ? `Merge the Dependabot pull request ${pr}.`
        : fixed.length
          ? `Upgrade ${name} to ${fixed.join(" or ")}.`
          : undefined,
      references: references(pr, asArray(adv.references)),
      suppressed: dismissed ? true : undefined,
      properties: compactProps({
        state,
        dismissReason: str(n.dismissReason),
        scope: str(n.dependencyScope),
        vulnerableRange: str(sv.vulnerableVersionRange),
      }),
    },
  };
}

function cvssVersion(vector: string | undefined): string | undefined {
  return /^CVSS:(\d\.\d)/.exec(vector ?? "")?.[1];
}

function parse(doc: Document, _ctx: ParseContext): ParsedReport {
  const v = doc.type === "json" ? doc.value : undefined;
  const outcomes: Outcome[] = [];
  if (isObj(v) && isObj(v.data)) {
    for (const conn of graphqlConnections(v.data)) {
      const nodes = "nodes" in conn ? conn.nodes : asArray(conn.edges).map((e) => (isObj(e) ? e.node : e));
      if (nodes !== null && nodes !== undefined && !Array.isArray(nodes)) {
        throw new ReportSchemaError(FORMAT, "data…vulnerabilityAlerts.nodes", "expected an array");
      }
      for (const n of asArray(nodes)) if (isObj(n)) outcomes.push(graphqlFinding(n));
    }
  } else {
    for (const a of restOrWebhookAlerts(v, FORMAT, "Dependabot"))
      outcomes.push(isOldWebhookAlert(a) && !isObj(a.security_advisory) ? oldWebhookFinding(a) : restFinding(a));
  }
  const findings = outcomes.flatMap((o) => (o.finding ? [o.finding] : []));
  const fixed = outcomes.filter((o) => o.fixed).length;
  const tool = { name: "GitHub Dependabot" };
  return {
    format: FORMAT,
    tool,
    parts: [{ tool, ...webhookCategory(v), succeeded: true, findings }],
    evidence: ["sca"],
    warnings: fixed ? [`${fixed} fixed alert${fixed === 1 ? "" : "s"} skipped.`] : [],
  };
}

export const githubDependabotFormat: FormatModule<"github-dependabot"> = {
  id: FORMAT,
  name: "GitHub Dependabot alerts",
  detect,
  parse,
};
