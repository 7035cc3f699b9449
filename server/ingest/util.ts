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

/** Text with HTML tags removed, the common entities decoded and whitespace collapsed. */
export function markupToText(s: string): string {
  return s
    .replace(/<[^>]*>/g, " ")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, "&")
    .replace(/\s+/g, " ")
    .trim();
}

/** markupToText, shortened (descriptions from DAST tools carry <p>). */
export function plainText(v: unknown, max = 4000): string | undefined {
  const s = str(v);
  if (!s) return undefined;
  // Most descriptions (Trivy's, SARIF's) have no tag, no entity and no whitespace but single spaces: nothing to replace.
  const plain = !s.includes("<") && !s.includes("&") && !/\s\s|[^\S ]/.test(s);
  const t = plain ? s.trim() : markupToText(s);
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

// ---- Report metadata: when the report was made and what it scanned ------------------------------------

// Month names as scanners write them, English first; ZAP localises its `generated` date ("Fr., 30 Sep. 2022").
const MONTHS: Record<string, number> = {};
for (const names of [
  "jan feb mar apr may jun jul aug sep oct nov dec",
  "january february march april may june july august september october november december",
  "jän feb mär apr mai jun jul aug sep okt nov dez", // German
  "januar februar märz april mai juni juli august september oktober november dezember",
  "janv févr mars avr mai juin juil août sept oct nov déc", // French
  "ene feb mar abr may jun jul ago sep oct nov dic", // Spanish
  "gen feb mar apr mag giu lug ago set ott nov dic", // Italian
  "jan feb mrt apr mei jun jul aug sep okt nov dec", // Dutch
  "jan fev mar abr mai jun jul ago set out nov dez", // Portuguese
]) {
  names.split(" ").forEach((m, i) => (MONTHS[m] ??= i + 1));
}

const ISO_DATE =
  /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?\s*(Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?(?:\s+[A-Z]{2,5})?)?$/i;
// "Thu, 27 Jun 2024 13:25:44 [+0000|GMT]" (RFC 2822, ZAP), also localised ("Fr., 30 Sep. 2022 08:40:35").
const DAY_MONTH_YEAR =
  /^(?:[\p{L}]+\.?,?\s+)?(\d{1,2})\.?\s+([\p{L}]+)\.?,?\s+(\d{4}),?\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*(Z|UTC|GMT|[+-]\d{2}:?\d{2})?$/u;

function zoneOffsetMinutes(zone: string | undefined): number | undefined {
  if (!zone || /^(z|utc|gmt)$/i.test(zone)) return 0;
  const m = /^([+-])(\d{2}):?(\d{2})?(?:\s+[a-z]{2,5})?$/i.exec(zone);
  if (!m) return undefined;
  const minutes = Number(m[2]) * 60 + Number(m[3] ?? 0);
  return minutes > 14 * 60 ? undefined : (m[1] === "-" ? -1 : 1) * minutes;
}

function utcIso(parts: number[], fraction: string | undefined, zone: string | undefined): string | undefined {
  const [year, month, day, hour = 0, minute = 0, second = 0] = parts as [number, number, number, number?, number?, number?];
  const offset = zoneOffsetMinutes(zone);
  if (offset === undefined || month < 1 || month > 12 || hour > 23 || minute > 59 || second > 59) return undefined;
  const ms = fraction ? Number(fraction.slice(0, 3).padEnd(3, "0")) : 0;
  const local = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  // Date.UTC rolls 30 February over into March: a date that does not round-trip is not a date.
  const check = new Date(local);
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) return undefined;
  const t = local - offset * 60_000;
  // Before 1970 is a placeholder (Go's zero time 0001-01-01); after 9999 cannot be written in ISO form.
  if (t < 0 || t > Date.UTC(9999, 11, 31, 23, 59, 59, 999)) return undefined;
  return new Date(t).toISOString();
}

/**
 * A report timestamp as ISO 8601 in UTC ("2024-06-27T13:25:44.000Z"), or undefined when it is not a real date.
 * Reads ISO 8601 (any offset, "…Z", fractions to the nanosecond, Go's "2024-01-15 08:58:29 +0000 UTC") and
 * RFC 2822-style dates ("Thu, 27 Jun 2024 13:25:44", localised month names too). A time written without a
 * zone is read as UTC: the report does not say which zone it meant, and the host's own zone must not decide.
 */
export function parseTimestamp(v: unknown): string | undefined {
  const s = str(v);
  if (!s || s.length > 64) return undefined;
  const iso = ISO_DATE.exec(s);
  if (iso) {
    const nums = iso
      .slice(1, 7)
      .filter((x) => x !== undefined)
      .map(Number);
    return utcIso(nums, iso[7], iso[8]);
  }
  const dmy = DAY_MONTH_YEAR.exec(s);
  if (dmy) {
    const month = MONTHS[dmy[2]!.toLowerCase()];
    if (!month) return undefined;
    const nums = [Number(dmy[3]), month, Number(dmy[1]), Number(dmy[4]), Number(dmy[5]), Number(dmy[6] ?? 0)];
    return utcIso(nums, undefined, dmy[7]);
  }
  return undefined;
}

/** The latest of several ISO-UTC timestamps (as parseTimestamp returns them), or undefined. */
export function latestTimestamp(values: Iterable<string | undefined>): string | undefined {
  let latest: string | undefined;
  for (const v of values) if (v && (!latest || v > latest)) latest = v;
  return latest;
}

/**
 * A sha256 digest as "sha256:<64 lowercase hex>", from a digest or from a reference that carries one
 * ("repo@sha256:…", an oci purl's "sha256%3A…"). Undefined for anything else (placeholders, truncated ids).
 */
export function normalizeDigest(v: unknown): string | undefined {
  const s = str(v)?.replace(/%3a/gi, ":");
  const m = s ? /(?:^|[^0-9a-z])sha256:([0-9a-f]{64})(?![0-9a-z])/i.exec(s) : undefined;
  return m ? `sha256:${m[1]!.toLowerCase()}` : undefined;
}

/** A bare SHA-256 hash (a CycloneDX/SPDX `hashes` value) as a digest, or undefined. */
export function digestFromHex(v: unknown): string | undefined {
  const s = str(v);
  return s && /^[0-9a-f]{64}$/i.test(s) ? `sha256:${s.toLowerCase()}` : undefined;
}

/** Normalised digests, duplicates and non-digests dropped, in the order given (most specific first). */
export function uniqueDigests(values: Iterable<unknown>): string[] {
  const out: string[] = [];
  for (const v of values) {
    const d = normalizeDigest(v);
    if (d && !out.includes(d)) out.push(d);
  }
  return out;
}

/**
 * An image reference without its tag or digest: "ghcr.io/acme/app:1.2@sha256:…" → "ghcr.io/acme/app",
 * "localhost:5000/app:1.0" → "localhost:5000/app" (a colon before the last "/" is a registry port).
 * No "docker.io/library/" normalisation: the repository stays as the report wrote it.
 */
export function imageRepository(ref: unknown): string | undefined {
  let s = str(ref);
  if (!s) return undefined;
  // Source schemes some scanners keep from the command line ("docker:alpine:3.19", "registry:ghcr.io/x").
  s = s.replace(/^(?:docker|podman|containerd|registry):(?!\/\/)/i, "");
  const at = s.indexOf("@");
  if (at >= 0) s = s.slice(0, at);
  const colon = s.lastIndexOf(":");
  if (colon > s.lastIndexOf("/")) s = s.slice(0, colon);
  return s === "" ? undefined : s;
}

/** What an image scan scanned: the repository of an image reference, or the path of an image archive. */
export function imageTarget(ref: unknown): string | undefined {
  const s = str(ref);
  if (!s) return undefined;
  const archive = /^(?:docker-archive|oci-archive|oci-dir|dir|file):(.*)$/i.exec(s)?.[1];
  if (archive !== undefined) return targetPath(archive);
  if (/^[./~\\]|^[a-z]:[\\/]|\.(tar|tar\.gz|tgz)$/i.test(s)) return targetPath(s);
  return imageRepository(s);
}

/**
 * A scanned path worth keeping as a target: relative, forward slashes, no "./" or trailing "/".
 * "." and absolute paths (a runner's checkout or temp directory, different on every build) give undefined.
 */
export function targetPath(v: unknown): string | undefined {
  // Old grype wrote the directory quoted: "\".\"".
  let s = str(str(v)?.replace(/^"(.*)"$/, "$1"));
  if (!s) return undefined;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(s) && !/^file:/i.test(s)) return s.replace(/\/+$/, ""); // a repository URL
  s = s.replace(/\\/g, "/");
  if (s.startsWith("/") || /^[a-z]:\//i.test(s) || /^file:/i.test(s) || s.startsWith("~")) return undefined;
  s = s.replace(/\/{2,}/g, "/");
  while (s.startsWith("./")) s = s.slice(2);
  s = s.replace(/\/+$/, "");
  return s === "" || s === "." ? undefined : s;
}

/** True for a date-time text without a zone ("Thu, 27 Jun 2024 13:25:44"): read as UTC, it may be hours off. */
export function isZoneless(v: unknown): boolean {
  if (typeof v !== "string" || parseTimestamp(v) === undefined) return false;
  const t = v.trim();
  return !/(?:z|[+-]\d{2}:?\d{2}|\b(?:utc|gmt|[ecmp][sd]t))$/i.test(t) && /\d{1,2}:\d{2}/.test(t);
}

export type ReportMetadata = {
  generatedAt?: string;
  /** generatedAt was written without a zone and read as UTC: it may be off by the producer's UTC offset */
  generatedAtZoneless?: boolean;
  artifactDigests?: string[];
  /** @deprecated the first of artifactDigests; kept for existing callers */
  artifactDigest?: string;
  target?: string;
};

/** The report-metadata fields of a ParsedReport, leaving out what is unknown. */
export function reportMetadata(m: {
  generatedAt?: string;
  generatedAtZoneless?: boolean;
  digests?: Iterable<unknown>;
  target?: string;
}): ReportMetadata {
  const out: ReportMetadata = {};
  if (m.generatedAt) out.generatedAt = m.generatedAt;
  if (m.generatedAt && m.generatedAtZoneless) out.generatedAtZoneless = true;
  const digests = uniqueDigests(m.digests ?? []);
  if (digests.length) {
    out.artifactDigests = digests;
    out.artifactDigest = digests[0];
  }
  if (m.target) out.target = m.target;
  return out;
}
