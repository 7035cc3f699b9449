// Semgrep CLI JSON (`semgrep --json`): {version, results[], errors[], paths, …}; code, secrets and supply-chain rules.
import {
  ReportSchemaError,
  type EvidenceKind,
  type FormatModule,
  type ParseContext,
  type RawFinding,
  type RedactedSecret,
  type Severity,
  type ToolInfo,
} from "../types";
import { maskSecretIn } from "../redact";
import {
  asArray,
  buildPurl,
  canonicalVulnId,
  findVulnId,
  isObj,
  line,
  normalizePath,
  objects,
  parseCwes,
  plainText,
  severityFromWord,
  str,
  uniqueIds,
  type Obj,
} from "../util";

export const semgrepJsonFormat: FormatModule<"semgrep-json"> = {
  id: "semgrep-json",
  name: "Semgrep JSON",
  aliases: ["semgrep"],
  detect(doc) {
    if (doc.type !== "json" || !isObj(doc.value)) return false;
    const v = doc.value;
    // Bandit also has results + errors, but with metrics and generated_at.
    if (!Array.isArray(v.results) || !Array.isArray(v.errors) || "metrics" in v || "generated_at" in v) return false;
    const first: unknown = v.results[0];
    return v.results.length === 0 || (isObj(first) && "check_id" in first);
  },
  parse(doc, ctx) {
    const v = doc.type === "json" ? doc.value : undefined;
    const empty = v === null || (Array.isArray(v) && v.length === 0);
    if (!empty && !isObj(v)) throw new ReportSchemaError("semgrep-json", "$", "expected a JSON object with results[]");
    const root: Obj = isObj(v) ? v : {};
    if (root.results !== undefined && root.results !== null && !Array.isArray(root.results))
      throw new ReportSchemaError("semgrep-json", "results", "expected an array");
    if (root.errors !== undefined && root.errors !== null && !Array.isArray(root.errors))
      throw new ReportSchemaError("semgrep-json", "errors", "expected an array");

    // Semgrep versions are always x.y.z; its own snapshot tests mask them as "0.42".
    const version = str(root.version);
    const tool: ToolInfo = version && /^\d+\.\d+\.\d+/.test(version) ? { name: "Semgrep", version } : { name: "Semgrep" };
    const fingerprints = new Map<string, number>();
    const findings = asArray(root.results).map((r, i) => {
      if (!isObj(r)) throw new ReportSchemaError("semgrep-json", `results[${i}]`, "expected an object");
      return result(r, i, ctx, fingerprints);
    });

    const errors = asArray(root.errors).length;
    const warnings = errors ? [`Semgrep reported ${errors} error(s) (files or rules it could not process).`] : [];
    const evidence: EvidenceKind[] = ["sast"];
    if (findings.some((f) => f.kind === "secret")) evidence.push("secrets");
    if (findings.some((f) => f.kind === "dependency")) evidence.push("sca");
    return {
      format: "semgrep-json",
      tool,
      parts: [{ tool, succeeded: true, findings }],
      evidence,
      warnings,
    };
  },
};

/** Semgrep's scale: ERROR/WARNING/INFO (High/Medium/Low in Semgrep's own UI), or LOW…CRITICAL in newer rules. */
export function semgrepSeverity(word: unknown): Severity | undefined {
  const w = str(word)?.toUpperCase();
  if (w === "INFO") return "low";
  if (w === "EXPERIMENT" || w === "INVENTORY") return "info";
  return severityFromWord(w);
}

/** Semgrep fingerprints are hex hashes (…_<index>); "requires login" and test masks ("0x42") are not. */
export function semgrepFingerprint(v: unknown): string | undefined {
  const s = str(v);
  return s && /^[0-9a-f]{16,}(?:_\d+)?$/i.test(s) ? s : undefined;
}

const SEMGREP_ECOSYSTEMS: Record<string, string> = {
  gomod: "golang",
  go: "golang",
  gem: "gem",
  rubygems: "gem",
  swiftpm: "swift",
};
/** Semgrep ecosystem names to purl types. */
export const semgrepEcosystem = (e: unknown): string | undefined => {
  const s = str(e)?.toLowerCase();
  return s ? (SEMGREP_ECOSYSTEMS[s] ?? s) : undefined;
};

export function semgrepPurl(ecosystem: string | undefined, name: string, version: string | undefined): string | undefined {
  if (!ecosystem) return undefined;
  // Maven coordinates come as group:artifact
  return buildPurl(ecosystem, ecosystem === "maven" ? name.replace(":", "/") : name, version);
}

/** The first sentence of a message, as a title. */
export function firstSentence(text: string, max = 200): string {
  const first = text.split(/\r?\n/)[0]!.trim();
  const m = /^(.+?[.!?])(?:\s|$)/.exec(first);
  const t = m?.[1] ?? first;
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}

const snippetText = (s: string) =>
  s
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean)
    .join("\n");

function isSecretRule(ruleId: string, meta: Obj): boolean {
  if (ruleId.toLowerCase().includes("secrets") || str(meta.secret_type)) return true;
  const tags = [...asArray(meta.subcategory), ...asArray(meta.technology)].map((t) => str(t)?.toLowerCase());
  return str(meta.category)?.toLowerCase() === "security" && tags.includes("secrets");
}

function result(r: Obj, i: number, ctx: ParseContext, fingerprints: Map<string, number>): RawFinding {
  const ruleId = str(r.check_id);
  if (!ruleId) throw new ReportSchemaError("semgrep-json", `results[${i}].check_id`, "expected the rule id");
  const extra = isObj(r.extra) ? r.extra : {};
  const meta = isObj(extra.metadata) ? extra.metadata : {};
  const sca = isObj(extra.sca_info) ? extra.sca_info : undefined;
  const kind = sca ? "dependency" : isSecretRule(ruleId, meta) ? "secret" : "code";
  // Logged-out runs of Pro rules replace the matched text with "requires login".
  const lines = str(extra.lines) === "requires login" ? undefined : str(extra.lines);
  const start = isObj(r.start) ? r.start : {};
  const end = isObj(r.end) ? r.end : {};
  const startLine = line(start.line);
  const endLine = line(end.line);

  let message = str(extra.message) ?? ruleId;
  let secret: RedactedSecret | undefined;
  if (kind === "secret" && lines) {
    // Semgrep gives the matched lines, not the bare secret: the whole match is what gets hashed.
    secret = ctx.redact(lines);
    // Messages interpolate metavariables, which for secret rules are the secret itself.
    const bound = Object.values(isObj(extra.metavars) ? extra.metavars : {}).map((m) =>
      isObj(m) ? str(m.abstract_content) : undefined,
    );
    for (const s of [lines, ...bound]) if (s) message = maskSecretIn(message, s);
  }

  const severity = (sca ? severityFromWord(meta["sca-severity"]) : undefined) ?? semgrepSeverity(extra.severity);
  const f: RawFinding = {
    kind,
    ruleId,
    title: firstSentence(message),
    description: plainText(message),
    // every Semgrep rule has a severity; a result without one is treated as medium
    severity: severity ?? "medium",
    aliases: [],
    cwes: parseCwes(meta.cwe),
  };
  if (!severity) f.severityDefaulted = true;
  const file = normalizePath(r.path);
  if (file || startLine) {
    f.location = {
      ...(file ? { file } : {}),
      ...(startLine ? { startLine } : {}),
      ...(endLine && endLine !== startLine ? { endLine } : {}),
    };
    // A secret rule's matched lines are the credential: not even an unsalted hash of them is kept.
    if (lines && kind !== "secret") f.location.snippetHash = ctx.hash(snippetText(lines));
  }
  if (secret) f.secret = secret;

  // match_based_id hashes the bound metavariables, i.e. the secret for secret rules: not kept for them.
  const fp = kind === "secret" ? undefined : semgrepFingerprint(extra.fingerprint);
  if (fp) {
    // Pre-1.x fingerprints lack the _<index> suffix and repeat for identical matches in one file.
    const seen = fingerprints.get(fp) ?? 0;
    fingerprints.set(fp, seen + 1);
    f.toolFingerprint = seen ? `${fp}:${seen}` : fp;
  }
  const refs = [...asArray(meta.references), meta.source].map(str).filter((u): u is string => !!u && /^https?:\/\//i.test(u));
  if (refs.length) f.references = [...new Set(refs)].slice(0, 5);
  if (extra.is_ignored === true) f.suppressed = true;

  const props: Record<string, string | number | boolean> = {};
  for (const [key, value] of [
    ["confidence", meta.confidence],
    ["likelihood", meta.likelihood],
    ["impact", meta.impact],
    ["category", meta.category],
    ["engineKind", extra.engine_kind],
    // Semgrep Secrets says whether the credential was confirmed live
    ["validationState", kind === "secret" ? extra.validation_state : undefined],
  ] as const) {
    const s = str(value);
    if (s) props[key] = s;
  }
  if (sca) dependency(f, props, sca, meta, ruleId);
  if (Object.keys(props).length) f.properties = props;
  return f;
}

/** Supply-chain result: the found dependency, its advisory ids and the fix versions for that package. */
function dependency(f: RawFinding, props: Record<string, string | number | boolean>, sca: Obj, meta: Obj, ruleId: string): void {
  const match = isObj(sca.dependency_match) ? sca.dependency_match : {};
  const found = isObj(match.found_dependency) ? match.found_dependency : {};
  const pattern = isObj(match.dependency_pattern) ? match.dependency_pattern : {};
  const name = str(found.package) ?? str(pattern.package);
  // Converted exports write "N/A" for missing ids.
  const ids = uniqueIds(
    [meta["sca-vuln-database-identifier"], meta.cve, meta.ghsa, findVulnId(ruleId)]
      .map(str)
      .filter((x): x is string => !!x && /^[a-z]+-[\w-]+$/i.test(x)),
  );
  if (ids[0]) {
    f.vulnerabilityId = canonicalVulnId(ids[0]);
    f.aliases = ids.slice(1);
  }
  if (name) {
    const version = str(found.version);
    const ecosystem = semgrepEcosystem(found.ecosystem ?? pattern.ecosystem);
    const fixes = objects(meta["sca-fix-versions"]).flatMap((o) =>
      Object.entries(o)
        .filter(([pkg]) => pkg === name)
        .map(([, v]) => str(v))
        .filter((x): x is string => !!x),
    );
    const purl = semgrepPurl(ecosystem, name, version);
    f.package = {
      ...(purl ? { purl } : {}),
      ...(ecosystem ? { ecosystem } : {}),
      name,
      ...(version ? { version } : {}),
      fixedVersions: [...new Set(fixes)],
    };
  }
  if (typeof sca.reachable === "boolean") props.reachable = sca.reachable;
  const transitivity = str(found.transitivity);
  if (transitivity) props.transitivity = transitivity;
}
