// SARIF 1.0.0 (Roslyn), 2.0.0 (BinSkim, Pylint), 2.1.0 and 2.2 drafts: one ReportPart per run.
import { maskSecretIn } from "../redact";
import {
  ReportSchemaError,
  type Document,
  type EvidenceKind,
  type FindingKind,
  type FormatModule,
  type Location,
  type PackageRef,
  type ParseContext,
  type ParsedReport,
  type RawFinding,
  type ReportPart,
  type Severity,
  type ToolInfo,
} from "../types";
import {
  asArray,
  buildPurl,
  canonicalVulnId,
  isObj,
  jsonValue,
  latestTimestamp,
  line,
  normalizePath,
  num,
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
  titleFrom,
  type Obj,
} from "../util";
import { classifyTool, EVIDENCE_OF_KIND, type ToolClass } from "./tool-kinds";

const FORMAT = "sarif" as const;

// ---- what a tool finds (the shared table in tool-kinds.ts) ----------------------------

const TRIVY_MISCONFIG_ID = /^(AVD-|DS\d|KSV\d|KCV\d|AWS-\d|AZU-\d|GCP-\d|GIT-\d|NIT-\d|DIG-\d|OCI-\d|OPNSTK-\d|CLDSTK-\d)/i;

/** Kind of one result: the tool's kind, refined per rule where a tool mixes kinds (Trivy) or is unknown. */
function ruleKind(tool: ToolClass | undefined, toolName: string, ruleId: string, rule: Obj | undefined): FindingKind {
  const tags = tagsOf(rule).map((t) => t.toLowerCase());
  if (toolName.toLowerCase().includes("trivy")) {
    if (tags.includes("misconfiguration") || TRIVY_MISCONFIG_ID.test(ruleId)) return "iac";
    if (tags.includes("secret")) return "secret";
    if (tags.includes("license")) return "license";
    return "dependency";
  }
  // Semgrep Supply Chain rules ("ssc-…") ride in the same Semgrep SARIF as code rules.
  if (tool?.kind === "code" && toolName.toLowerCase().includes("semgrep") && /^ssc-/i.test(ruleId)) return "dependency";
  if (tool) return tool.kind;
  if (/^CKV2?_/.test(ruleId)) return "iac";
  if (vulnIdsIn(ruleId).length > 0 || /\bBDSA-\d{4}-\d+/.test(ruleId)) return "dependency";
  return "code";
}

// ---- small readers ---------------------------------------------------------------

/** SARIF text: a string (1.0, 2.0 messageStrings) or a message object {text, markdown}. */
function textOf(v: unknown): string | undefined {
  if (typeof v === "string") return str(v);
  if (isObj(v)) return str(v.text) ?? str(v.markdown);
  return undefined;
}

function tagsOf(rule: Obj | undefined): string[] {
  const props = isObj(rule?.properties) ? rule.properties : undefined;
  return asArray(props?.tags).filter((t): t is string => typeof t === "string");
}

const propsOf = (o: Obj | undefined): Obj => (o && isObj(o.properties) ? o.properties : {});

/** Fills {0}, {1}… placeholders from message arguments. */
function formatMessage(template: string, args: unknown[]): string {
  return template.replace(/\{(\d+)\}/g, (m, i: string) => str(args[Number(i)]) ?? m);
}

/** Result message text: literal text (1.0 string, 2.x text) or a messageStrings entry by id (2.1 message.id, 2.0 ruleMessageId). */
function messageOf(result: Obj, rule: Obj | undefined, driver: Obj | undefined): string | undefined {
  const msg = result.message;
  if (typeof msg === "string") return str(msg);
  const m = isObj(msg) ? msg : {};
  const args = asArray(m.arguments);
  const literal = str(m.text);
  if (literal) return args.length ? formatMessage(literal, args) : literal;
  const id = str(m.id) ?? str(result.ruleMessageId);
  if (id) {
    const fromRule = isObj(rule?.messageStrings) ? textOf(rule.messageStrings[id]) : undefined;
    const fromTool = isObj(driver?.globalMessageStrings) ? textOf(driver.globalMessageStrings[id]) : undefined;
    const template = fromRule ?? fromTool;
    if (template) return formatMessage(template, args);
  }
  const md = str(m.markdown);
  return md && args.length ? formatMessage(md, args) : md;
}

// ---- vulnerability ids ------------------------------------------------------------

const VULN_IDS =
  /\b(CVE-\d{4}-\d{4,}|GHSA(?:-[23456789cfghjmpqrvwx]{4}){3}|GO-\d{4}-\d+|PYSEC-\d{4}-\d+|RUSTSEC-\d{4}-\d+|OSV-\d{4}-\d+)\b/gi;
const VENDOR_IDS = /\b(SNYK-[A-Z0-9]+(?:-[A-Z0-9]+)*-\d+|BDSA-\d{4}-\d+)\b/g;

function vulnIdsIn(v: unknown): string[] {
  const s = str(v);
  if (!s) return [];
  return [...s.matchAll(VULN_IDS)].map((m) => canonicalVulnId(m[1]!));
}

/** CVE first (the id most tools key on), then GHSA, then the rest, in first-seen order. */
function pickVulnIds(ids: string[]): { primary?: string; aliases: string[] } {
  const unique = [...new Set(ids)];
  const primary = unique.find((i) => i.startsWith("CVE-")) ?? unique.find((i) => i.startsWith("GHSA-")) ?? unique[0];
  return { primary, aliases: unique.filter((i) => i !== primary) };
}

// ---- severity -----------------------------------------------------------------------

const LEVELS: Record<string, Severity> = {
  error: "high",
  warning: "medium",
  note: "low",
  none: "info",
};

/** "Severity: HIGH" lines (Trivy, Grype and Anchore messages and rule help). */
function severityLine(text: string | undefined): Severity | undefined {
  const m = text ? /(?:^|\n)\s*\**Severity\**:?\**\s*([A-Za-z]+)/.exec(text) : null;
  return m ? severityFromWord(m[1]) : undefined;
}

/** Fortify's 1.0–5.0 severity: 5 critical, 4 high, 3 medium, 2 low, 1 info. */
function fortifySeverity(v: unknown): Severity | undefined {
  const n = num(v);
  if (n === undefined) return undefined;
  if (n >= 4.5) return "critical";
  if (n >= 3.5) return "high";
  if (n >= 2.5) return "medium";
  if (n >= 1.5) return "low";
  return "info";
}

function scoreOrWord(v: unknown): Severity | undefined {
  const n = num(v);
  return n !== undefined ? severityFromScore(n) : severityFromWord(v);
}

/**
 * The tool's own severity word beats the SARIF level, which is a lossy 3-step projection of it
 * (Trivy writes "error" for CRITICAL and HIGH, Dependency-Check "error" for a "low"); then
 * security-severity, result.level, the rule's default level, other tool-specific scales.
 */
function severityOf(result: Obj, rule: Obj | undefined, message: string | undefined): { severity: Severity; defaulted?: true } {
  const rp = propsOf(result);
  const up = propsOf(rule);
  const explicit =
    severityFromWord(rp.severity) ??
    severityFromWord(rp.issue_severity) ?? // ShiftLeft scan
    severityFromWord(rp.securityRisk) ?? // Black Duck
    severityFromWord(rp.DevSkimSeverity) ??
    severityLine(message) ??
    severityLine(textOf(rule?.help)) ??
    snykSeverity(textOf(rule?.shortDescription)) ??
    trivyTagSeverity(tagsOf(rule));
  if (explicit) return { severity: explicit };
  const secSev = scoreOrWord(rp["security-severity"]) ?? scoreOrWord(up["security-severity"]);
  if (secSev) return { severity: secSev };
  const level = str(result.level)?.toLowerCase();
  if (level && LEVELS[level]) return { severity: LEVELS[level] };
  // SARIF: a result whose kind is not "fail" has level "none".
  const kind = str(result.kind)?.toLowerCase();
  if (!level && kind && kind !== "fail") return { severity: "info" };
  const dc = isObj(rule?.defaultConfiguration) ? rule.defaultConfiguration : undefined;
  const defLevel = (str(dc?.level) ?? str(rule?.defaultLevel))?.toLowerCase(); // defaultLevel: SARIF 1.0
  if (defLevel && LEVELS[defLevel]) return { severity: LEVELS[defLevel] };
  const tool =
    fortifySeverity(rp.InstanceSeverity) ??
    fortifySeverity(propsOf(dc).DefaultSeverity) ??
    severityFromWord(up["problem.severity"]); // CodeQL: recommendation/warning/error
  if (tool) return { severity: tool };
  // Nothing given: SARIF's default level is "warning", i.e. medium.
  return { severity: "medium", defaulted: true };
}

function snykSeverity(short: string | undefined): Severity | undefined {
  const m = short ? /^(critical|high|medium|low) severity\b/i.exec(short) : null;
  return m ? severityFromWord(m[1]) : undefined;
}

function trivyTagSeverity(tags: string[]): Severity | undefined {
  const t = tags.find((x) => /^(CRITICAL|HIGH|MEDIUM|LOW)$/.test(x));
  return t ? severityFromWord(t) : undefined;
}

// ---- locations ------------------------------------------------------------------------

type RunCtx = {
  driver: Obj | undefined;
  rulesById: Map<string, Obj>;
  rulesByIndex: Obj[];
  extensions: Obj[];
  bases: Obj;
  roots: string[];
  artifacts: Obj[];
  cweComponents: Set<string>;
};

const hasScheme = (u: string) => /^[a-z][a-z0-9+.-]*:/i.test(u) && !/^[a-z]:[\\/]/i.test(u);

/** Resolves uriBaseId chains: relative bases are prefixed, absolute ones (file:///…) are not (the path stays repo-relative). */
function resolveUri(uri: string, baseId: string | undefined, rc: RunCtx, depth = 0): string {
  if (!baseId || depth > 5 || hasScheme(uri) || uri.startsWith("/")) return uri;
  const base = rc.bases[baseId];
  const baseUri = typeof base === "string" ? str(base) : isObj(base) ? str(base.uri) : undefined;
  if (!baseUri || hasScheme(baseUri) || baseUri.startsWith("/")) return uri;
  const joined = baseUri.endsWith("/") ? baseUri + uri : `${baseUri}/${uri}`;
  return resolveUri(joined, isObj(base) ? str(base.uriBaseId) : undefined, rc, depth + 1);
}

/** Absolute roots (absolute originalUriBaseIds, working directories) stripped from absolute paths to make them relative. */
function absoluteRoots(run: Obj, bases: Obj): string[] {
  const out: string[] = [];
  const add = (u: unknown) => {
    const p = cleanPath(str(u));
    if (p && p.startsWith("/") && p.length > 1) out.push(p.endsWith("/") ? p : `${p}/`);
  };
  for (const b of Object.values(bases)) add(typeof b === "string" ? b : isObj(b) ? b.uri : undefined);
  for (const inv of objects(run.invocations)) add(isObj(inv.workingDirectory) ? inv.workingDirectory.uri : inv.workingDirectory);
  return out.sort((a, b) => b.length - a.length);
}

function cleanPath(p: string | undefined): string | undefined {
  const n = normalizePath(p);
  // file:///C:/x → "/C:/x" after normalizePath: drop the slash before a drive letter.
  return n && /^\/[A-Za-z]:\//.test(n) ? n.slice(1) : n;
}

function filePath(uri: string | undefined, baseId: string | undefined, rc: RunCtx): string | undefined {
  const raw = str(uri);
  if (!raw) return undefined;
  let p = cleanPath(resolveUri(raw, baseId, rc));
  if (!p) return undefined;
  const root = rc.roots.find((r) => p!.startsWith(r));
  if (root && p.length > root.length) p = p.slice(root.length);
  return p;
}

// Mayhem and Scorecard name no file this way.
const PLACEHOLDER_FILE = /^(unknown[-_]file|no file associated with this alert)$/i;

type Located = { location?: Location; snippet?: string; logicalName?: string };

function locationOf(result: Obj, rc: RunCtx, ctx: ParseContext, keepSnippetHash: boolean): Located {
  const locs = objects(result.locations);
  const loc = locs.find((l) => isObj(l.physicalLocation) || isObj(l.resultFile)) ?? locs[0];
  const phys = isObj(loc?.physicalLocation) ? loc.physicalLocation : isObj(loc?.resultFile) ? loc.resultFile : undefined; // resultFile: SARIF 1.0
  const art = isObj(phys?.artifactLocation) ? phys.artifactLocation : isObj(phys?.fileLocation) ? phys.fileLocation : phys; // fileLocation: 2.0
  let uri = str(art?.uri);
  let baseId = str(art?.uriBaseId);
  const index = num(art?.index);
  if (!uri && index !== undefined && index >= 0) {
    const a = rc.artifacts[index];
    const al = isObj(a?.location) ? a.location : undefined;
    uri = str(al?.uri);
    baseId = baseId ?? str(al?.uriBaseId);
  }
  if (!uri && isObj(result.analysisTarget)) {
    uri = str(result.analysisTarget.uri);
    baseId = str(result.analysisTarget.uriBaseId);
  }
  const region = isObj(phys?.region) ? phys.region : undefined;
  const context = isObj(phys?.contextRegion) ? phys.contextRegion : undefined;
  const snippet = textOf(region?.snippet) ?? textOf(context?.snippet);
  const logical = objects(loc?.logicalLocations)[0] ?? objects(loc?.logicalLocation)[0];
  const logicalName = str(logical?.fullyQualifiedName) ?? str(logical?.name) ?? str(loc?.fullyQualifiedLogicalName);
  const file = uri && !PLACEHOLDER_FILE.test(uri) ? filePath(uri, baseId, rc) : undefined;
  const location: Location = {};
  if (file) location.file = file;
  const start = line(region?.startLine);
  if (file && start !== undefined) {
    location.startLine = start;
    const end = line(region?.endLine);
    if (end !== undefined && end >= start) location.endLine = end;
  }
  if (snippet && keepSnippetHash) location.snippetHash = ctx.hash(snippet.replace(/\s+/g, " ").trim());
  return {
    location: Object.keys(location).length ? location : undefined,
    snippet,
    logicalName,
  };
}

// ---- fingerprints, suppression, CWEs ---------------------------------------------------

// Keys that carry line/column numbers or commit metadata (gitleaks puts author, email, date there), not identity.
const NOT_A_FINGERPRINT = /(column|startline|endline|linenumber|^line$|email|author|^date$|commitmessage)/i;

function fingerprintOf(result: Obj): string | undefined {
  for (const source of [result.partialFingerprints, result.fingerprints]) {
    if (!isObj(source)) continue;
    const parts: string[] = [];
    for (const [k, v] of Object.entries(source)) {
      const value = str(v) ?? (isObj(v) ? str(v.value) : undefined);
      if (value && !NOT_A_FINGERPRINT.test(k)) parts.push(`${k}:${value}`);
    }
    if (parts.length) return parts.sort().join("|");
  }
  return undefined;
}

function isSuppressed(result: Obj): boolean {
  // SARIF 2.x: a suppression with no status, or status "accepted"; "underReview"/"rejected" do not count.
  const sup = objects(result.suppressions).some((s) => {
    const status = (str(s.status) ?? str(s.state))?.toLowerCase();
    return status === undefined || status === "accepted";
  });
  // SARIF 1.0: suppressionStates ["suppressedInSource", …]
  return sup || asArray(result.suppressionStates).some((s) => typeof s === "string" && /suppressed/i.test(s));
}

function cwesOf(result: Obj, rule: Obj | undefined, rc: RunCtx): number[] {
  const raw: unknown[] = [];
  const rp = propsOf(result);
  const up = propsOf(rule);
  raw.push(...tagsOf(rule).filter((t) => /cwe/i.test(t)));
  raw.push(...asArray(up.cwe), ...asArray(rp.cwe), ...asArray(rp.cwes), ...asArray(up.cwes));
  const isCwe = (tc: unknown) => {
    if (!isObj(tc)) return false;
    const name = str(tc.name);
    if (name && /cwe/i.test(name)) return true;
    const guid = str(tc.guid)?.toLowerCase();
    const index = num(tc.index);
    return (guid !== undefined && rc.cweComponents.has(guid)) || (index !== undefined && rc.cweComponents.has(`#${index}`));
  };
  for (const rel of objects(rule?.relationships)) {
    const t = isObj(rel.target) ? rel.target : undefined;
    if (t && (isCwe(t.toolComponent) || /cwe/i.test(str(t.id) ?? ""))) raw.push(str(t.id));
  }
  for (const taxon of objects(result.taxa)) if (isCwe(taxon.toolComponent)) raw.push(str(taxon.id));
  return parseCwes(raw.filter((x) => x !== undefined));
}

// ---- packages (SCA results) --------------------------------------------------------------

// Grype/Anchore "Type:" → purl type (only language ecosystems get a built purl: OS packages need a distro namespace).
const PKG_TYPES: Record<string, string> = {
  npm: "npm",
  python: "pypi",
  gem: "gem",
  "go-module": "golang",
  "rust-crate": "cargo",
  dotnet: "nuget",
  "java-archive": "maven",
  "jenkins-plugin": "maven",
  deb: "deb",
  dpkg: "deb",
  rpm: "rpm",
  apk: "apk",
  php: "composer",
  "php-composer": "composer",
};
const BUILDABLE = new Set(["npm", "pypi", "gem", "golang", "cargo", "nuget"]);

function field(text: string | undefined, names: string[]): string | undefined {
  if (!text) return undefined;
  for (const n of names) {
    const m = new RegExp(`(?:^|\\n)\\s*${n}:[ \\t]*([^\\n]*)`, "i").exec(text);
    if (m) return str(m[1]) ?? "";
  }
  return undefined;
}

function packageOf(
  result: Obj,
  rule: Obj | undefined,
  message: string | undefined,
  logicalName: string | undefined,
): PackageRef | undefined {
  const rp = propsOf(result);
  const help = textOf(rule?.help);
  const fullDesc = textOf(rule?.fullDescription);
  let name: string | undefined;
  let version: string | undefined;
  let fixed: string | undefined;
  let type: string | undefined;
  let purl: string | undefined;
  // Trivy (result message) and Grype/Anchore (rule help): "Package: x\nInstalled Version: y\n…Fixed Version: z"
  for (const text of [message, help]) {
    const n = field(text, ["Package"]);
    if (!n) continue;
    name = n;
    version = field(text, ["Installed Version", "Version"]) || undefined;
    fixed = field(text, ["Fixed Version", "Fix Version"]);
    type = field(text, ["Type"])?.toLowerCase();
    break;
  }
  // osv-scanner: "Package 'ansi-html@0.0.1' is vulnerable to …"
  const osv = message ? /Package '([^']+)@([^'@]+)'/.exec(message) : null;
  if (!name && osv) [name, version] = [osv[1], osv[2]];
  // Black Duck / Dependency-Track result properties
  if (!name) {
    const c = str(rp.component) ?? str(rp.name);
    if (c && (str(rp.componentVersion) ?? str(rp.version))) {
      const group = str(rp.group);
      name = group ? `${group}:${c}` : c;
      version = str(rp.componentVersion) ?? str(rp.version);
      type = str(rp.componentOrigin)?.toLowerCase();
    }
  }
  // Dependency-Track names the component by purl in a logical location: it beats the display name.
  if (logicalName?.startsWith("pkg:")) purl = logicalName;
  const parsed = parsePurl(purl);
  if (parsed) {
    const sep = parsed.type === "maven" ? ":" : "/";
    name = parsed.namespace ? `${parsed.namespace}${sep}${parsed.name}` : parsed.name;
    version = parsed.version ?? version;
  }
  // Snyk: fullDescription "(CVE-2023-5363) openssl/libcrypto3@3.1.3-r0"
  const snyk = fullDesc ? /^(?:\([^)]*\)\s*)?(\S+)@(\S+)$/.exec(fullDesc) : null;
  if (!name && snyk) [name, version] = [snyk[1], snyk[2]];
  if (!name) return undefined;
  const fixedVersions = splitVersions(fixed);
  const markdown = isObj(rule?.help) ? str(rule.help.markdown) : undefined;
  if (!fixedVersions.length && markdown) {
    // Snyk help: "Upgrade `pkg` to version 0.1.0 or higher"
    const up = /Upgrade `[^`]+` to version ([^\s`]+) or higher/.exec(markdown);
    if (up?.[1]) fixedVersions.push(up[1]);
    // osv-scanner help: a "Fixed Versions" table of "| id | package | version |" rows
    const table = markdown.split(/###\s*Fixed Versions/i)[1];
    for (const row of table?.split("\n") ?? []) {
      const cells = row.split("|").map((c) => c.trim());
      if (cells.length >= 5 && cells[2] === name && cells[3] && !/^-+$|^Fixed Version$/i.test(cells[3]))
        fixedVersions.push(...splitVersions(cells[3]));
    }
  }
  const ecosystem = parsed?.type ?? (type ? (PKG_TYPES[type] ?? type) : undefined);
  if (!purl && ecosystem && BUILDABLE.has(ecosystem)) purl = buildPurl(ecosystem, name, version);
  const pkg: PackageRef = { name, fixedVersions: [...new Set(fixedVersions)] };
  if (purl) pkg.purl = purl;
  if (ecosystem) pkg.ecosystem = ecosystem;
  if (version) pkg.version = version;
  return pkg;
}

// ---- results ----------------------------------------------------------------------------------

function findRule(result: Obj, rc: RunCtx): Obj | undefined {
  const ref = isObj(result.rule) ? result.rule : undefined;
  const index = num(result.ruleIndex) ?? num(ref?.index);
  const tc = isObj(ref?.toolComponent) ? ref.toolComponent : undefined;
  const tcIndex = num(tc?.index);
  const component = tcIndex !== undefined ? rc.extensions[tcIndex] : undefined;
  const rules = component ? objects(component.rules) : rc.rulesByIndex;
  const id = str(result.ruleId) ?? str(ref?.id) ?? str(result.ruleKey);
  const byIndex = index !== undefined && index >= 0 ? rules[index] : undefined;
  // Some producers (Anchore, snyk-to-html fixtures) write ruleIndex 0 everywhere: the id wins when they disagree.
  if (byIndex && (!id || str(byIndex.id) === id || !rc.rulesById.has(id))) return byIndex;
  if (!id) return undefined;
  return rc.rulesById.get(id) ?? (id.includes("/") ? rc.rulesById.get(id.split("/")[0]!) : undefined);
}

const SKIPPED_KINDS = new Set(["pass", "notapplicable"]);

type RunStats = { passed: number; absent: number };

function parseResult(
  result: Obj,
  rc: RunCtx,
  tool: ToolClass | undefined,
  toolName: string,
  ctx: ParseContext,
  stats: RunStats,
): RawFinding | undefined {
  // pass / notApplicable: result.kind in 2.1, result.level in 2.0 and 1.0.
  const kindWord = str(result.kind)?.toLowerCase();
  const levelWord = str(result.level)?.toLowerCase();
  if ((kindWord && SKIPPED_KINDS.has(kindWord)) || (levelWord && SKIPPED_KINDS.has(levelWord))) {
    stats.passed++;
    return undefined;
  }
  // baselineState "absent": the result was in the baseline and is gone, i.e. fixed.
  if (str(result.baselineState) === "absent") {
    stats.absent++;
    return undefined;
  }
  const rule = findRule(result, rc);
  const message = messageOf(result, rule, rc.driver);
  const rp = propsOf(result);
  const ruleShort = textOf(rule?.shortDescription);
  const ruleName = textOf(rule?.name);
  let ruleId = str(result.ruleId) ?? (isObj(result.rule) ? str(result.rule.id) : undefined) ?? str(rule?.id);
  // Gitleaks 7 writes no ruleId: its message is "<rule name> secret detected".
  const gitleaks7 = !ruleId && message ? /^(.+?) secret detected$/.exec(message) : null;
  if (!ruleId && gitleaks7) ruleId = gitleaks7[1];
  const kind = ruleKind(tool, toolName, ruleId ?? "", rule);
  // A secret result's message may quote the secret, so it never becomes the rule id.
  ruleId = ruleId ?? ruleName ?? (kind === "secret" ? "secret" : titleFrom(message, 120)) ?? "sarif-result";

  const { location, snippet, logicalName } = locationOf(result, rc, ctx, kind !== "secret");
  const { severity, defaulted } = severityOf(result, rule, message);
  const finding: RawFinding = {
    kind,
    ruleId,
    title: ruleId,
    severity,
    aliases: [],
    cwes: cwesOf(result, rule, rc),
  };
  if (defaulted) finding.severityDefaulted = true;

  if (kind === "secret") {
    // The snippet (gitleaks 8) or the offender property (gitleaks 7) is the secret: redact it, never echo message or snippet.
    const secret = str(rp.offender) ?? str(rp.secret) ?? str(rp.match) ?? (snippet ? snippet.trim() : undefined);
    if (secret) finding.secret = ctx.redact(secret);
    finding.title = titleFrom(ruleShort) ?? ruleName ?? ruleId;
    const desc = plainText(textOf(rule?.fullDescription), 1000);
    if (desc) finding.description = secret ? maskSecretIn(desc, secret) : desc;
    const commit = str(rp.commit) ?? (isObj(result.partialFingerprints) ? str(result.partialFingerprints.commitSha) : undefined);
    if (commit) finding.properties = { commit };
  } else {
    // Fortify short descriptions are templates ("<Replace key=…/>"): the message is the filled-in text.
    const short = ruleShort && !/<\w+[^>]*\/?>/.test(ruleShort) ? ruleShort : undefined;
    finding.title = titleFrom(short) ?? titleFrom(message) ?? ruleName ?? ruleId;
    const desc = plainText(message, 2000) ?? plainText(textOf(rule?.fullDescription), 2000);
    if (desc) finding.description = desc;
    const props = propertiesOf(result, rule);
    if (props) finding.properties = props;
  }
  if (location) finding.location = location;
  if (logicalName && !location?.file && kind !== "dependency") finding.location = { ...finding.location, resource: logicalName };

  if (kind === "dependency" || kind === "license") {
    const ids = [
      ...vulnIdsIn(ruleId),
      ...tagsOf(rule).flatMap(vulnIdsIn),
      ...asArray(rule?.deprecatedIds).flatMap(vulnIdsIn),
      ...vulnIdsIn(textOf(rule?.fullDescription)),
      ...vulnIdsIn(ruleShort),
      ...vulnIdsIn(message),
    ];
    const { primary, aliases } = pickVulnIds(ids);
    if (primary) finding.vulnerabilityId = primary;
    const vendor = [...ruleId.matchAll(VENDOR_IDS)].map((m) => m[1]!);
    finding.aliases = [...new Set([...aliases, ...vendor])].filter((a) => a !== primary);
    const pkg = packageOf(result, rule, message, logicalName);
    if (pkg) finding.package = pkg;
    const score = num(propsOf(rule)["security-severity"]) ?? num(rp["security-severity"]) ?? num(rp.cvssV3BaseScore);
    if (score !== undefined && score > 0) finding.cvss = { score };
  }

  if (kind === "dast" && message) {
    // Mayhem for API names the operation in the message: "… in 'GET /info'."
    const op = /'(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) ([^'\s]+)'/.exec(message);
    if (op) finding.location = { ...finding.location, method: op[1], url: op[2] };
  }

  const fp = fingerprintOf(result);
  if (fp) finding.toolFingerprint = fp;
  if (isSuppressed(result)) finding.suppressed = true;

  const remediation = objects(result.fixes)
    .map((f) => textOf(f.description))
    .find(Boolean);
  if (remediation) finding.remediation = remediation;
  else if (finding.package?.fixedVersions.length)
    finding.remediation = `Upgrade ${finding.package.name} to ${finding.package.fixedVersions.join(" or ")}`;
  const refs = [str(rule?.helpUri), str(result.hostedViewerUri)].filter((u): u is string => !!u && /^https?:\/\//i.test(u));
  if (refs.length) finding.references = [...new Set(refs)];
  return finding;
}

// Tool-specific extras worth showing; secret-bearing and personal keys are never copied.
const PROPERTY_KEYS = [
  "precision",
  "issue_confidence",
  "DevSkimConfidence",
  "Confidence",
  "priorityScore",
  "source",
  "exploitAvailable",
  "reachable",
  "baselineState",
  "rank",
];

function propertiesOf(result: Obj, rule: Obj | undefined): Record<string, string | number | boolean> | undefined {
  const out: Record<string, string | number | boolean> = {};
  const rp = propsOf(result);
  const up = propsOf(rule);
  for (const k of PROPERTY_KEYS) {
    const v = k === "baselineState" || k === "rank" ? result[k] : (rp[k] ?? up[k]);
    if (typeof v === "boolean") out[k] = v;
    else if (typeof v === "number" && Number.isFinite(v) && v >= 0) out[k] = Math.round(v * 1000) / 1000;
    else if (typeof v === "string" && v.trim() && v.length <= 100) out[k] = v.trim();
  }
  return Object.keys(out).length ? out : undefined;
}

// ---- runs -------------------------------------------------------------------------------------

const PLACEHOLDER_VERSION = /^(\{\{.*\}\}|placeholder|\[not provided\]|unknown)$/i;

function toolOf(run: Obj): { info: ToolInfo; driver: Obj | undefined } {
  const tool = isObj(run.tool) ? run.tool : undefined;
  const driver = isObj(tool?.driver) ? tool.driver : tool; // 2.0.0 and 1.0.0: the tool itself
  const name = str(driver?.name) ?? str(tool?.name) ?? str(driver?.fullName) ?? "unknown";
  const version = [driver?.version, driver?.semanticVersion, driver?.dottedQuadFileVersion, tool?.version]
    .map(str)
    .find((v) => v !== undefined && !PLACEHOLDER_VERSION.test(v));
  return { info: version ? { name, version } : { name }, driver };
}

function runContext(run: Obj, driver: Obj | undefined): RunCtx {
  const tool = isObj(run.tool) ? run.tool : undefined;
  const extensions = objects(tool?.extensions);
  const resources = isObj(run.resources) ? run.resources : undefined; // 2.0.0
  const rulesByIndex = objects(driver?.rules);
  const rulesById = new Map<string, Obj>();
  const addRules = (rules: unknown) => {
    if (Array.isArray(rules)) {
      for (const r of objects(rules)) {
        const id = str(r.id);
        if (id && !rulesById.has(id)) rulesById.set(id, r);
      }
    } else if (isObj(rules)) {
      // 2.0.0 resources.rules and 1.0.0 run.rules: an object keyed by rule id.
      for (const [id, r] of Object.entries(rules)) if (isObj(r) && !rulesById.has(id)) rulesById.set(id, r);
    }
  };
  addRules(driver?.rules);
  for (const e of extensions) addRules(e.rules);
  addRules(resources?.rules);
  addRules(run.rules);
  const bases = isObj(run.originalUriBaseIds) ? run.originalUriBaseIds : {};
  const cweComponents = new Set<string>();
  objects(run.taxonomies).forEach((t, i) => {
    if (/cwe/i.test(str(t.name) ?? "")) {
      cweComponents.add(`#${i}`);
      const g = str(t.guid)?.toLowerCase();
      if (g) cweComponents.add(g);
    }
  });
  for (const t of objects(driver?.supportedTaxonomies)) {
    const g = str(t.guid)?.toLowerCase();
    if (g && /cwe/i.test(str(t.name) ?? "")) cweComponents.add(g);
  }
  return {
    driver,
    rulesById,
    rulesByIndex,
    extensions,
    bases,
    roots: absoluteRoots(run, bases),
    artifacts: Array.isArray(run.artifacts) ? objects(run.artifacts) : [],
    cweComponents,
  };
}

/** SARIF automationDetails.id is "category/instance": the part before the last "/" is the category. */
function categoryOf(run: Obj): string | undefined {
  const explicit = str(propsOf(run).category);
  if (explicit) return explicit;
  const id = isObj(run.automationDetails) ? str(run.automationDetails.id) : str(run.automationId); // automationId: 2.0.0
  if (!id) return undefined;
  const slash = id.lastIndexOf("/");
  return slash > 0 ? id.slice(0, slash) : id;
}

function failureOf(run: Obj): { succeeded: boolean; failureReason?: string } {
  const invocations = objects(run.invocations);
  const failed = invocations.find((i) => i.executionSuccessful === false);
  if (!failed) return { succeeded: true };
  const notes = [
    ...objects(failed.toolExecutionNotifications),
    ...objects(failed.toolNotifications), // 2.0.0
    ...objects(failed.toolConfigurationNotifications),
    ...objects(failed.configurationNotifications), // 2.0.0
  ];
  const note = notes.find((n) => str(n.level) === "error") ?? notes[0];
  const reason =
    textOf(note?.message) ??
    str(failed.exitCodeDescription) ??
    str(failed.exitSignalName) ??
    (num(failed.exitCode) !== undefined ? `exit code ${num(failed.exitCode)}` : undefined);
  return reason ? { succeeded: false, failureReason: titleFrom(reason, 300) } : { succeeded: false };
}

/** What the runs of one log say about the report as a whole. */
type RunMeta = { digests: unknown[]; times: (string | undefined)[]; scannerDbBuiltAt?: string };

function parseRun(
  run: Obj,
  i: number,
  ctx: ParseContext,
  evidence: Set<EvidenceKind>,
  warnings: string[],
  meta: RunMeta,
): ReportPart {
  const { info, driver } = toolOf(run);
  const tool = classifyTool(info.name);
  const rc = runContext(run, driver);
  const results = run.results;
  if (results !== undefined && results !== null && !Array.isArray(results)) {
    throw new ReportSchemaError(FORMAT, `runs[${i}].results`, "expected an array of results");
  }
  const rp = propsOf(run);
  // Trivy image scans name the image in run.properties; its findings point at the image.
  const image = str(rp.imageName);
  // Trivy image scans: registry digests first, then the image (config) id.
  meta.digests.push(...asArray(rp.repoDigests), rp.imageID);
  // When the run ended, else when it started (SARIF 1.0.0 spells them without "Utc").
  for (const inv of objects(run.invocations)) {
    meta.times.push(
      parseTimestamp(inv.endTimeUtc) ??
        parseTimestamp(inv.endTime) ??
        parseTimestamp(inv.startTimeUtc) ??
        parseTimestamp(inv.startTime),
    );
  }
  meta.scannerDbBuiltAt ??= parseTimestamp(propsOf(driver).db_last_modified); // govulncheck

  const stats: RunStats = { passed: 0, absent: 0 };
  const findings: RawFinding[] = [];
  asArray(results).forEach((r, j) => {
    if (!isObj(r)) throw new ReportSchemaError(FORMAT, `runs[${i}].results[${j}]`, "expected a result object");
    const f = parseResult(r, rc, tool, info.name, ctx, stats);
    if (!f) return;
    if (image && f.kind === "dependency") f.location = { ...f.location, image };
    findings.push(f);
  });
  if (stats.passed) warnings.push(`runs[${i}] (${info.name}): skipped ${stats.passed} pass/notApplicable result(s)`);
  if (stats.absent)
    warnings.push(`runs[${i}] (${info.name}): skipped ${stats.absent} result(s) with baselineState "absent" (fixed)`);

  if (tool) tool.evidence.forEach((e) => evidence.add(e));
  else if (!findings.length) evidence.add("sast"); // an unknown SARIF producer is most likely a static analyzer
  for (const f of findings) evidence.add(EVIDENCE_OF_KIND[f.kind]);
  if (image) evidence.add("container");

  const part: ReportPart = { tool: info, succeeded: true, findings };
  const category = categoryOf(run);
  if (category) part.category = category;
  Object.assign(part, failureOf(run));
  return part;
}

function parse(doc: Document, ctx: ParseContext): ParsedReport {
  if (doc.type !== "json") throw new ReportSchemaError(FORMAT, "$", "expected a JSON SARIF log");
  const log = jsonValue(doc);
  const warnings: string[] = [];
  const empty: ParsedReport = {
    format: FORMAT,
    tool: { name: "unknown" },
    parts: [],
    evidence: [],
    warnings,
  };
  // Ambiguous empty documents are accepted when the caller names the format.
  if (log === null || (Array.isArray(log) && log.length === 0)) return empty;
  if (!isObj(log)) throw new ReportSchemaError(FORMAT, "$", "expected a SARIF log object");
  if (log.runs === undefined && Object.keys(log).length === 0) return empty;
  if (!Array.isArray(log.runs)) throw new ReportSchemaError(FORMAT, "runs", "expected an array of runs");
  const evidence = new Set<EvidenceKind>();
  const meta: RunMeta = { digests: [], times: [] };
  const parts = log.runs.map((run, i) => {
    if (!isObj(run)) throw new ReportSchemaError(FORMAT, `runs[${i}]`, "expected a run object");
    return parseRun(run, i, ctx, evidence, warnings, meta);
  });
  const report: ParsedReport = {
    format: FORMAT,
    tool: parts[0]?.tool ?? { name: "unknown" },
    parts,
    evidence: [...evidence],
    // No target: a SARIF run's category (automationDetails.id) already tells its scans apart.
    ...reportMetadata({ generatedAt: latestTimestamp(meta.times), digests: meta.digests }),
    warnings,
  };
  if (meta.scannerDbBuiltAt) report.scannerDbBuiltAt = meta.scannerDbBuiltAt;
  return report;
}

function detect(doc: Document): boolean {
  const v = jsonValue(doc);
  if (!isObj(v) || !Array.isArray(v.runs)) return false;
  return typeof v.version === "string" || /sarif/i.test(str(v.$schema) ?? "");
}

export const sarifFormat: FormatModule<"sarif"> = {
  id: FORMAT,
  name: "SARIF",
  aliases: ["semgrep"],
  detect,
  parse,
};
