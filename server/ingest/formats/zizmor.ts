// zizmor (GitHub Actions static analysis): `--format=json` / `json-v1` and `--format=sarif`. Area 2, posture evidence.
import {
  ReportSchemaError,
  type Document,
  type FormatModule,
  type ParseContext,
  type ParsedReport,
  type RawFinding,
  type Severity,
} from "../types";
import { isObj, jsonValue, line, normalizePath, objects, str, titleFrom, type Obj } from "../util";

const FORMAT = "zizmor" as const;

const SEVERITY: Record<string, Severity> = {
  informational: "info",
  unknown: "medium",
  low: "low",
  medium: "medium",
  high: "high",
};
const LEVEL: Record<string, Severity> = { error: "high", warning: "medium", note: "low", none: "info" };

const isSarifRun = (r: unknown) =>
  isObj(r) && isObj(r.tool) && isObj(r.tool.driver) && str(r.tool.driver.name)?.toLowerCase() === "zizmor";

function detect(doc: Document): boolean {
  const v = jsonValue(doc);
  if (Array.isArray(v)) {
    const f = v[0];
    return isObj(f) && typeof f.ident === "string" && isObj(f.determinations) && Array.isArray(f.locations);
  }
  return isObj(v) && Array.isArray(v.runs) && v.runs.length > 0 && v.runs.every(isSarifRun);
}

/** `jobs.build.steps[0].run` from zizmor's symbolic route. */
function routeText(route: unknown): string {
  const parts = objects(isObj(route) ? route.route : undefined);
  let out = "";
  for (const p of parts) {
    if (typeof p.Key === "string") out += out === "" ? p.Key : `.${p.Key}`;
    else if (typeof p.Index === "number") out += `[${p.Index}]`;
  }
  return out;
}

function fragmentOf(symbolic: Obj): string {
  const fk = symbolic.feature_kind;
  if (isObj(fk) && isObj(fk.Subfeature) && isObj(fk.Subfeature.fragment)) return str(fk.Subfeature.fragment.Raw) ?? "";
  return "";
}

function keyPath(key: unknown): { file?: string; repo?: string } {
  if (!isObj(key)) return {};
  if (isObj(key.Local)) return { file: normalizePath(key.Local.verbatim_path ?? key.Local.given_path ?? key.Local.path) };
  if (isObj(key.Remote)) {
    const slug = isObj(key.Remote.slug) ? key.Remote.slug : {};
    return {
      file: normalizePath(key.Remote.path),
      repo: [str(slug.owner), str(slug.repo)].filter(Boolean).join("/") || undefined,
    };
  }
  return {};
}

function jsonFinding(f: Obj, i: number, ctx: ParseContext): RawFinding {
  const ident = str(f.ident);
  if (!ident) throw new ReportSchemaError(FORMAT, `[${i}].ident`, "expected the audit's name");
  const det = isObj(f.determinations) ? f.determinations : {};
  const locs = objects(f.locations);
  const primary = locs.find((l) => isObj(l.symbolic) && l.symbolic.kind === "Primary") ?? locs[0];
  const symbolic = isObj(primary?.symbolic) ? primary.symbolic : {};
  const concrete = isObj(primary?.concrete) && isObj(primary.concrete.location) ? primary.concrete.location : {};
  const start = isObj(concrete.start_point) ? concrete.start_point : {};
  const row = typeof start.row === "number" ? start.row + 1 : undefined;
  const { file, repo } = keyPath(symbolic.key);
  const route = routeText(symbolic.route);
  const severityWord = str(det.severity)?.toLowerCase() ?? "";
  const severity = SEVERITY[severityWord];
  const annotation = str(symbolic.annotation);
  const out: RawFinding = {
    kind: "posture",
    ruleId: `zizmor/${ident}`,
    title: titleFrom(str(f.desc) ?? ident)!,
    description: [str(f.desc), annotation].filter(Boolean).join(": "),
    severity: severity ?? "medium",
    aliases: [],
    cwes: [],
    location: {
      ...(file ? { file } : {}),
      ...(line(row) ? { startLine: row } : {}),
      // zizmor's own identity of the place (a YAML route, not a line): survives edits elsewhere in the file.
      snippetHash: ctx.hash(
        [
          route,
          fragmentOf(symbolic),
          // Two findings at one place differ by what their locations say (annotations and routes, never lines).
          ...locs.map((l) => (isObj(l.symbolic) ? `${str(l.symbolic.annotation) ?? ""}@${routeText(l.symbolic.route)}` : "")),
        ].join("\u0000"),
      ),
    },
    properties: {
      ...(str(det.confidence) ? { confidence: str(det.confidence)! } : {}),
      ...(str(det.persona) ? { persona: str(det.persona)! } : {}),
      ...(route ? { route } : {}),
      ...(repo ? { repo } : {}),
    },
    ...(str(f.url) ? { references: [str(f.url)!] } : {}),
  };
  if (!severity) out.severityDefaulted = true;
  if (f.ignored === true) out.suppressed = true;
  return out;
}

function sarifFinding(r: Obj, rules: Map<string, Obj>, ctx: ParseContext): RawFinding {
  const ruleId = str(r.ruleId) ?? "zizmor/unknown";
  const rule = rules.get(ruleId);
  const props = isObj(r.properties) ? r.properties : {};
  const loc = objects(r.locations)[0] ?? {};
  const phys = isObj(loc.physicalLocation) ? loc.physicalLocation : {};
  const art = isObj(phys.artifactLocation) ? phys.artifactLocation : {};
  const region = isObj(phys.region) ? phys.region : {};
  const logical = objects(loc.logicalLocations)[0];
  const symbolic = logical && isObj(logical.properties) && isObj(logical.properties.symbolic) ? logical.properties.symbolic : {};
  const route = routeText(symbolic.route);
  const fromProps = SEVERITY[str(props["zizmor/severity"])?.toLowerCase() ?? ""];
  const severity = fromProps ?? LEVEL[str(r.level)?.toLowerCase() ?? ""];
  const message = isObj(r.message) ? str(r.message.text) : undefined;
  const help = rule && isObj(rule.help) ? str(rule.help.text) : undefined;
  const start = line(region.startLine);
  const out: RawFinding = {
    kind: "posture",
    ruleId,
    title: titleFrom(help ?? message ?? ruleId)!,
    ...(message ? { description: message.slice(0, 1000) } : {}),
    severity: severity ?? "medium",
    aliases: [],
    cwes: [],
    location: {
      ...(normalizePath(art.uri) ? { file: normalizePath(art.uri) } : {}),
      ...(start ? { startLine: start } : {}),
      snippetHash: ctx.hash([route || `line:${start ?? 0}`, fragmentOf(symbolic)].join("\u0000")),
    },
    properties: {
      ...(str(props["zizmor/confidence"]) ? { confidence: str(props["zizmor/confidence"])! } : {}),
      ...(route ? { route } : {}),
    },
    ...(rule && str(rule.helpUri) ? { references: [str(rule.helpUri)!] } : {}),
  };
  if (!severity) out.severityDefaulted = true;
  if (objects(r.suppressions).length > 0) out.suppressed = true;
  return out;
}

function parse(doc: Document, ctx: ParseContext): ParsedReport {
  const v = jsonValue(doc);
  if (Array.isArray(v)) {
    const findings = v.map((f, i) => {
      if (!isObj(f)) throw new ReportSchemaError(FORMAT, `[${i}]`, "expected a finding object");
      return jsonFinding(f, i, ctx);
    });
    const tool = { name: "zizmor" };
    return { format: FORMAT, tool, parts: [{ tool, succeeded: true, findings }], evidence: ["posture"], warnings: [] };
  }
  if (!isObj(v) || !Array.isArray(v.runs)) throw new ReportSchemaError(FORMAT, "$", "expected zizmor JSON or SARIF");
  const parts = v.runs.map((run, i) => {
    if (!isSarifRun(run)) throw new ReportSchemaError(FORMAT, `runs[${i}].tool.driver.name`, "expected zizmor");
    const r = run as Obj;
    const driver = (r.tool as Obj).driver as Obj;
    const rules = new Map(objects(driver.rules).map((x) => [str(x.id) ?? "", x]));
    const version = str(driver.semanticVersion) ?? str(driver.version);
    const tool = { name: "zizmor", ...(version && !version.includes("@@") ? { version } : {}) };
    const failed = objects(r.invocations).some((inv) => inv.executionSuccessful === false);
    return {
      tool,
      succeeded: !failed,
      ...(failed ? { failureReason: "zizmor reported an unsuccessful run" } : {}),
      findings: objects(r.results).map((res) => sarifFinding(res, rules, ctx)),
    };
  });
  return { format: FORMAT, tool: parts[0]?.tool ?? { name: "zizmor" }, parts, evidence: ["posture"], warnings: [] };
}

export const zizmorFormat: FormatModule<"zizmor"> = { id: FORMAT, name: "zizmor JSON or SARIF", detect, parse };
