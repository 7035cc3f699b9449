// OWASP ZAP JSON: the traditional-json report ({"@version", site[]}) and the legacy export-report JSON
// (Report.Sites.Alerts.AlertItem). Also holds the alert → finding logic shared with zap-xml.
import { ReportSchemaError, type Document, type FormatModule, type ParsedReport, type RawFinding, type Severity } from "../types";
import {
  asArray,
  isObj,
  num,
  objects,
  parseCwes,
  isZoneless,
  parseTimestamp,
  plainText,
  reportMetadata,
  severityFromWord,
  str,
  type Obj,
} from "../util";

const FORMAT = "zap-json" as const;

/** One ZAP alert, normalized from any of the JSON and XML shapes. */
export type ZapAlert = {
  pluginId?: string;
  alertRef?: string;
  name?: string;
  riskcode?: number;
  riskdesc?: string;
  /** 0 false positive, 1 low, 2 medium, 3 high, 4 user confirmed */
  confidence?: number;
  desc?: string;
  solution?: string;
  reference?: string;
  cweid?: unknown;
  wascid?: string;
  instances: ZapInstance[];
};
/** `confidence` is per instance only in the legacy export JSON; otherwise the alert's applies. */
export type ZapInstance = { uri?: string; method?: string; param?: string; confidence?: number };
export type ZapSite = { name?: string; alerts: ZapAlert[] };

const RISK: readonly Severity[] = ["info", "low", "medium", "high"];
const CONFIDENCE_WORDS: Record<string, number> = {
  "false positive": 0,
  falsepositive: 0,
  low: 1,
  medium: 2,
  high: 3,
  confirmed: 4,
};

export function zapConfidence(v: unknown): number | undefined {
  const n = num(v);
  if (n !== undefined) return n;
  const w = str(v)?.toLowerCase();
  return w !== undefined ? CONFIDENCE_WORDS[w] : undefined;
}

/** riskcode 0..3 → info/low/medium/high; otherwise the first word of riskdesc ("High (Medium)"). */
function alertSeverity(a: ZapAlert): Severity | undefined {
  if (a.riskcode !== undefined && Number.isInteger(a.riskcode)) {
    const s = RISK[a.riskcode];
    if (s) return s;
  }
  return severityFromWord(a.riskdesc?.split(/[\s(]/)[0]);
}

/** The URL without fragment and without query-string values (they hold attack payloads or credentials). */
export function zapUrl(uri: string): string {
  const noFragment = uri.split("#")[0]!;
  const q = noFragment.indexOf("?");
  if (q < 0) return noFragment;
  const names = noFragment
    .slice(q + 1)
    .split("&")
    .filter((p) => p !== "")
    .map((p) => {
      const eq = p.indexOf("=");
      return eq < 0 ? p : `${p.slice(0, eq)}=`;
    });
  return `${noFragment.slice(0, q)}?${names.join("&")}`;
}

/** Drops sentence punctuation after a URL, and a ")" only when it closes nothing inside the URL. */
export function trimUrl(raw: string): string {
  let u = raw.replace(/[.,;:]+$/, "");
  while (u.endsWith(")") && u.split("(").length < u.split(")").length) u = u.slice(0, -1).replace(/[.,;:]+$/, "");
  return u;
}

function urls(text: string | undefined): string[] {
  if (!text) return [];
  const out: string[] = [];
  for (const m of text.matchAll(/https?:\/\/[^\s<>"']+/g)) {
    const u = trimUrl(m[0]);
    if (!out.includes(u)) out.push(u);
  }
  return out.slice(0, 5);
}

/**
 * One finding per (alertRef or pluginid, alert name, site, URL without query values, method, param):
 * ZAP lists the same URL once per evidence string, which we do not keep, so those collapse.
 * The alert name is part of the key because some plugins raise several alerts under one id
 * (100000 "Client Error" vs "Server Error" response codes).
 */
export function zapFindings(sites: ZapSite[]): RawFinding[] {
  const byKey = new Map<string, RawFinding>();
  for (const site of sites) {
    for (const a of site.alerts) {
      const ruleId = a.alertRef ?? a.pluginId ?? a.name ?? "unknown";
      const sev = alertSeverity(a);
      const instances = a.instances.length > 0 ? a.instances : [{}];
      for (const inst of instances) {
        const rawUri = inst.uri ?? site.name;
        const url = rawUri ? zapUrl(rawUri) : undefined;
        const method = inst.method?.toUpperCase();
        const param = inst.param;
        const key = JSON.stringify([ruleId, a.name ?? "", site.name ?? "", url ?? "", method ?? "", param ?? ""]);
        const existing = byKey.get(key);
        const confidence = inst.confidence ?? a.confidence;
        const suppressed = confidence === 0;
        if (existing) {
          // Duplicates keep the highest risk; they stay suppressed only if every copy is a false positive.
          if (sev && SEVERITY_RANK[sev] < SEVERITY_RANK[existing.severity]) existing.severity = sev;
          if (!suppressed) delete existing.suppressed;
          const known = existing.properties?.confidence;
          if (confidence !== undefined && (typeof known !== "number" || confidence > known)) {
            existing.properties = { ...existing.properties, confidence };
          }
          continue;
        }
        byKey.set(key, toFinding(a, ruleId, sev, { url, method, param }, confidence));
      }
    }
  }
  return [...byKey.values()];
}

const SEVERITY_RANK: Record<Severity, number> = { critical: 0, high: 1, medium: 2, low: 3, info: 4 };

function toFinding(
  a: ZapAlert,
  ruleId: string,
  sev: Severity | undefined,
  where: { url?: string; method?: string; param?: string },
  confidence: number | undefined,
): RawFinding {
  const { url, method, param } = where;
  const f: RawFinding = {
    kind: "dast",
    ruleId,
    title: a.name ?? `ZAP alert ${ruleId}`,
    // ZAP always writes a risk; an alert without one gets medium.
    severity: sev ?? "medium",
    aliases: [],
    cwes: parseCwes(a.cweid),
  };
  if (!sev) f.severityDefaulted = true;
  const description = plainText(a.desc, 2000);
  if (description) f.description = description;
  const remediation = plainText(a.solution, 2000);
  if (remediation) f.remediation = remediation;
  const refs = urls(a.reference);
  if (refs.length > 0) f.references = refs;
  f.location = {
    ...(url ? { url } : {}),
    ...(method ? { method } : {}),
    ...(param ? { param } : {}),
  };
  if (confidence === 0) f.suppressed = true;
  const props: Record<string, string | number | boolean> = {};
  if (a.pluginId && a.pluginId !== ruleId) props.pluginId = a.pluginId;
  if (confidence !== undefined) props.confidence = confidence;
  const wasc = num(a.wascid);
  if (wasc !== undefined && wasc > 0) props.wascId = wasc;
  if (Object.keys(props).length > 0) f.properties = props;
  return f;
}

// ---- JSON shapes -------------------------------------------------------------------

const isTraditional = (v: Obj) => "site" in v && ("@version" in v || "@programName" in v || "@generated" in v);
const isLegacy = (v: Obj) => isObj(v.Report) && "Sites" in v.Report;

function detect(doc: Document): boolean {
  if (doc.type !== "json" || !isObj(doc.value)) return false;
  const v = doc.value;
  // GitLab DAST reports embed the ZAP report next to their own `vulnerabilities`: those are GitLab's.
  if ("vulnerabilities" in v) return false;
  return (isTraditional(v) && (Array.isArray(v.site) || isObj(v.site))) || isLegacy(v);
}

function parse(doc: Document): ParsedReport {
  if (doc.type !== "json" || !isObj(doc.value)) throw new ReportSchemaError(FORMAT, "$", "expected a ZAP JSON report object");
  const v = doc.value;
  let sites: ZapSite[];
  let version: string | undefined;
  let generatedAt: ReturnType<typeof zapReportTime> = {};
  if (isLegacy(v)) {
    sites = legacySites(v.Report as Obj);
  } else {
    version = str(v["@version"]);
    generatedAt = zapReportTime(v.created, v["@generated"]);
    const s = v.site;
    if (s !== undefined && s !== null && !Array.isArray(s) && !isObj(s))
      throw new ReportSchemaError(FORMAT, "site", "expected an array");
    sites = asArray(s).map((site, i) => {
      if (!isObj(site)) throw new ReportSchemaError(FORMAT, `site[${i}]`, "expected an object");
      const alerts = site.alerts ?? [];
      if (!Array.isArray(alerts)) throw new ReportSchemaError(FORMAT, `site[${i}].alerts`, "expected an array");
      return { name: str(site["@name"]), alerts: objects(alerts).map(traditionalAlert) };
    });
  }
  const findings = zapFindings(sites);
  const tool = { name: "ZAP", ...(version ? { version } : {}) };
  // No target: a ZAP report lists every site the spider reached, which varies from run to run.
  return {
    format: FORMAT,
    tool,
    parts: [{ tool, succeeded: true, findings }],
    evidence: ["dast"],
    ...reportMetadata(generatedAt),
    warnings: [],
  };
}

/**
 * When ZAP wrote the report. `created` (ZAP 2.16+) is ISO 8601 in UTC. The older `generated` is the ZAP host's
 * local time without a zone ("Thu, 27 Jun 2024 13:25:44", localised on some hosts), read as UTC: the report cannot
 * say which zone it meant, so such a time may be off by the host's offset.
 */
export function zapReportTime(created: unknown, generated: unknown): { generatedAt?: string; generatedAtZoneless?: boolean } {
  const exact = parseTimestamp(created);
  if (exact) return { generatedAt: exact };
  // Older ZAP writes `generated` in the host's local time without a zone: read as UTC, it may be hours off.
  const local = parseTimestamp(generated);
  return local ? { generatedAt: local, generatedAtZoneless: isZoneless(generated) } : {};
}

/** Traditional JSON: every scalar is a string ("riskcode":"3"). */
function traditionalAlert(a: Obj): ZapAlert {
  const instances = Array.isArray(a.instances)
    ? objects(a.instances).map((i) => instance(i.uri, i.method, i.param))
    : str(a.uri)
      ? [instance(a.uri, a.method, a.param)]
      : [];
  return {
    pluginId: str(a.pluginid),
    alertRef: str(a.alertRef),
    name: str(a.name) ?? str(a.alert),
    riskcode: num(a.riskcode),
    riskdesc: str(a.riskdesc),
    confidence: zapConfidence(a.confidence),
    desc: str(a.desc),
    solution: str(a.solution),
    reference: str(a.reference),
    cweid: str(a.cweid),
    wascid: str(a.wascid),
    instances,
  };
}

function instance(uri: unknown, method: unknown, param: unknown): ZapInstance {
  return { uri: str(uri), method: str(method), param: str(param) };
}

/** Legacy export-report JSON: Sites and AlertItem and Item are each an object or an array. */
function legacySites(report: Obj): ZapSite[] {
  return objects(report.Sites).map((site) => {
    const host = str(site.Host);
    const port = str(site.Port);
    const name = str(site.Name) ?? (host ? `${host}${port ? `:${port}` : ""}` : undefined);
    const items = isObj(site.Alerts) ? objects(site.Alerts.AlertItem) : [];
    return { name, alerts: items.map(legacyAlert) };
  });
}

function legacyAlert(a: Obj): ZapAlert {
  const items = objects(a.Item);
  return {
    pluginId: str(a.PluginID),
    name: str(a.Alert),
    riskcode: num(a.RiskCode),
    riskdesc: str(a.RiskDesc),
    desc: str(a.Desc),
    solution: str(a.Solution),
    reference: str(a.Reference),
    cweid: str(a.CWEID),
    wascid: str(a.WASCID),
    instances: items.map((i) => {
      // URI is "POST : http://host/path".
      const u = str(i.URI);
      const m = u ? /^([A-Za-z]+)\s*:\s*(\S.*)$/.exec(u) : null;
      const inst = m && !/^https?$/i.test(m[1]!) ? instance(m[2], m[1], i.Param) : instance(u, undefined, i.Param);
      // Confidence is per Item here ("Medium", "False Positive").
      return { ...inst, confidence: zapConfidence(i.Confidence) };
    }),
  };
}

export const zapJsonFormat: FormatModule<"zap-json"> = { id: FORMAT, name: "OWASP ZAP JSON", aliases: ["zap"], detect, parse };
