// Small pure helpers shared by the format parsers.
import type { Document, Severity, XmlElement } from "./types";

export type Obj = Record<string, unknown>;

export const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
export const asArray = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined || v === null ? [] : [v]);
export const objects = (v: unknown): Obj[] => asArray(v).filter(isObj);

/** A trimmed non-empty string, or undefined. Numbers are stringified. */
export function str(v: unknown): string | undefined {
  if (typeof v === "string") {
    const t = v.trim();
    return t === "" ? undefined : t;
  }
  if (typeof v === "number" && Number.isFinite(v)) return String(v);
  return undefined;
}

/** A finite number from a number or a numeric string, or undefined. */
export function num(v: unknown): number | undefined {
  if (typeof v === "number") return Number.isFinite(v) ? v : undefined;
  if (typeof v === "string" && v.trim() !== "") {
    const n = Number(v.trim());
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

/** A positive integer line number, or undefined (tools use 0 and -1 for "unknown"). */
export function line(v: unknown): number | undefined {
  const n = num(v);
  return n !== undefined && Number.isInteger(n) && n > 0 ? n : undefined;
}

export const jsonValue = (doc: Document): unknown => (doc.type === "json" ? doc.value : undefined);

/** CVSS base score to severity (CVSS v3 qualitative scale). */
export function severityFromScore(score: number): Severity {
  if (score >= 9) return "critical";
  if (score >= 7) return "high";
  if (score >= 4) return "medium";
  if (score > 0) return "low";
  return "info";
}

const WORDS: Record<string, Severity> = {
  critical: "critical",
  crit: "critical",
  blocker: "critical",
  fatal: "critical",
  urgent: "critical",
  high: "high",
  error: "high",
  severe: "high",
  important: "high",
  major: "high",
  medium: "medium",
  moderate: "medium",
  warning: "medium",
  warn: "medium",
  med: "medium",
  low: "low",
  note: "low",
  minor: "low",
  negligible: "low",
  info: "info",
  informational: "info",
  information: "info",
  none: "info",
  style: "info",
  trivial: "info",
  recommendation: "low",
  unknown: "info",
  unkown: "info",
  undefined: "info",
};

/**
 * A tool's severity word (any case) to our scale, or undefined when unrecognized.
 * The documented mapping: error→high, warning→medium, note→low, moderate→medium,
 * negligible→low, unknown/none→info.
 */
export function severityFromWord(word: unknown): Severity | undefined {
  const w = str(word)?.toLowerCase();
  if (!w) return undefined;
  return WORDS[w];
}

/** CWE numbers from any of the notations tools use ("CWE-79", "external/cwe/cwe-079", 79, "CWE-1357: text"). */
export function parseCwes(values: unknown): number[] {
  const out = new Set<number>();
  for (const v of asArray(values)) {
    if (typeof v === "number" && Number.isInteger(v) && v > 0) out.add(v);
    else if (typeof v === "string") {
      const m = /cwe[-_/: ]*0*(\d+)/i.exec(v) ?? (/^\s*0*(\d+)\s*$/.exec(v) as RegExpExecArray | null);
      if (m?.[1]) {
        const n = Number(m[1]);
        if (n > 0) out.add(n);
      }
    } else if (isObj(v)) {
      for (const n of parseCwes(v.id ?? v.cweId ?? v.cwe_id ?? v.value)) out.add(n);
    }
  }
  return [...out].sort((a, b) => a - b);
}

/** Repository-style path: forward slashes, no scheme, no leading "./". */
export function normalizePath(p: unknown): string | undefined {
  let s = str(p);
  if (!s) return undefined;
  s = s.replace(/\\/g, "/");
  s = s.replace(/^file:\/*/i, "/");
  try {
    if (/%[0-9a-f]{2}/i.test(s)) s = decodeURIComponent(s);
  } catch {
    /* keep as is */
  }
  s = s.replace(/\/{2,}/g, "/");
  while (s.startsWith("./")) s = s.slice(2);
  return s === "" ? undefined : s;
}

export type Purl = { type: string; namespace?: string; name: string; version?: string };

/** Parses pkg:type/namespace/name@version?qualifiers#subpath (enough for fingerprints). */
export function parsePurl(purl: unknown): Purl | undefined {
  const s = str(purl);
  if (!s || !s.startsWith("pkg:")) return undefined;
  let rest = s.slice(4).replace(/^\/+/, "");
  rest = rest.split("#")[0]!.split("?")[0]!;
  const at = rest.lastIndexOf("@");
  let version: string | undefined;
  if (at > rest.indexOf("/")) {
    version = safeDecode(rest.slice(at + 1));
    rest = rest.slice(0, at);
  }
  const parts = rest.split("/").map(safeDecode);
  const type = parts.shift()?.toLowerCase();
  const name = parts.pop();
  if (!type || !name) return undefined;
  const namespace = parts.length ? parts.join("/") : undefined;
  return { type, namespace, name, version: version || undefined };
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Builds a purl from parts (used when a tool gives ecosystem + name + version only). */
export function buildPurl(type: string, name: string, version?: string): string {
  const enc = (x: string) => encodeURIComponent(x).replace(/%2F/g, "/").replace(/%40/g, "%40");
  const n = name.startsWith("@") ? `%40${enc(name.slice(1))}` : enc(name);
  return `pkg:${type.toLowerCase()}/${n}${version ? `@${encodeURIComponent(version)}` : ""}`;
}

const VULN_ID =
  /\b(CVE-\d{4}-\d{4,}|GHSA(?:-[23456789cfghjmpqrvwx]{4}){3}|GO-\d{4}-\d+|PYSEC-\d{4}-\d+|RUSTSEC-\d{4}-\d+|OSV-\d{4}-\d+)\b/i;

/** Finds a well-known vulnerability id inside a string (rule ids such as "CVE-2008-0732-geronimo"). */
export function findVulnId(s: unknown): string | undefined {
  const v = str(s);
  if (!v) return undefined;
  const m = VULN_ID.exec(v);
  return m?.[1] ? canonicalVulnId(m[1]) : undefined;
}

/** CVE and GHSA ids in their canonical case. */
export function canonicalVulnId(id: string): string {
  const t = id.trim();
  if (/^cve-/i.test(t)) return t.toUpperCase();
  if (/^ghsa-/i.test(t)) return "GHSA" + t.slice(4).toLowerCase();
  return t;
}

/** Unique, canonical, in first-seen order. */
export function uniqueIds(ids: Iterable<unknown>): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const raw of ids) {
    const s = str(raw);
    if (!s) continue;
    const id = canonicalVulnId(s);
    if (!seen.has(id)) {
      seen.add(id);
      out.push(id);
    }
  }
  return out;
}

/** "1.2.3, 1.3.0 || >=2" → ["1.2.3", "1.3.0", ">=2"] */
export function splitVersions(v: unknown): string[] {
  const out: string[] = [];
  for (const item of asArray(v)) {
    const s = str(item);
    if (!s) continue;
    for (const part of s.split(/\s*(?:,|\|\|)\s*/)) {
      const t = part.trim();
      if (t && !/^none$/i.test(t) && !out.includes(t)) out.push(t);
    }
  }
  return out;
}

/** Text with HTML tags removed and whitespace collapsed (descriptions from DAST tools carry <p>). */
export function plainText(v: unknown, max = 4000): string | undefined {
  const s = str(v);
  if (!s) return undefined;
  const t = s
    .replace(/<[^>]*>/g, " ")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, "&")
    .replace(/\s+/g, " ")
    .trim();
  if (!t) return undefined;
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}

/** First line of a text, shortened: a title when the tool has none. */
export function titleFrom(v: unknown, max = 200): string | undefined {
  const s = str(v);
  if (!s) return undefined;
  const first = s.split(/\r?\n/)[0]!.trim();
  return first.length > max ? `${first.slice(0, max - 1)}…` : first;
}

// ---- XML helpers -------------------------------------------------------------

export const xmlChildren = (el: XmlElement | undefined, name: string): XmlElement[] =>
  el ? el.children.filter((c) => c.name === name) : [];
export const xmlChild = (el: XmlElement | undefined, name: string): XmlElement | undefined =>
  el?.children.find((c) => c.name === name);
/** Text of a direct child element, trimmed, or undefined. */
export const xmlText = (el: XmlElement | undefined, name: string): string | undefined => str(xmlChild(el, name)?.text);
/** All descendants with this local name, depth first. */
export function xmlFind(el: XmlElement, name: string, out: XmlElement[] = []): XmlElement[] {
  for (const c of el.children) {
    if (c.name === name) out.push(c);
    xmlFind(c, name, out);
  }
  return out;
}
