// Bytes → Document (JSON, NDJSON or XML). Pure: takes text, returns data or throws MalformedReportError.
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { readLazyJson, type LazyJsonOptions, type LazyJsonSyntaxError } from "./lazy-json";
import type { Document, XmlElement } from "./types";
import { parseYaml, YamlError } from "./yaml";

/** A body that is not well-formed JSON or XML (400). Line and column are 1-based. */
export class MalformedReportError extends Error {
  constructor(
    message: string,
    readonly line?: number,
    readonly column?: number,
  ) {
    super(line !== undefined ? `${message} (line ${line}, column ${column ?? 1})` : message);
    this.name = "MalformedReportError";
  }
}

/** The body is empty or only whitespace (400). */
export class EmptyReportError extends Error {
  constructor() {
    super("The report is empty.");
    this.name = "EmptyReportError";
  }
}

export function decodeText(bytes: Uint8Array): string {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new MalformedReportError("The report is not valid UTF-8 text.");
  }
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/**
 * Large JSON texts (`lazyJson.minChars`, 16 MiB by default) keep their long arrays of records as text until they are
 * read (lazy-json.ts); such a record's syntax error surfaces when it is read, or when the document's `checkUnread` runs
 * after the parser, as a LazyJsonSyntaxError (see `malformedRecord`).
 */
export function decodeDocument(text: string, opts: { lazyJson?: LazyJsonOptions } = {}): Document {
  const start = firstNonSpace(text);
  if (start === -1) throw new EmptyReportError();
  const c = text[start];
  if (c === "<") return { type: "xml", value: parseXml(text) };
  if (c === "{" || c === "[") {
    const lazy = readLazyJson(text, opts.lazyJson);
    if (lazy !== undefined) return { type: "json", value: lazy.value, checkUnread: lazy.checkUnread };
  }
  if (c === "{" || c === "[" || c === '"') return parseJsonOrNdjson(text);
  return parseJsonOrYaml(text);
}

/** A lazily read record that is not JSON, as the error a whole-text parse would have given (line, column). */
export function malformedRecord(text: string, e: LazyJsonSyntaxError): MalformedReportError {
  const offset = e.start + locateJsonError(text.slice(e.start, e.end));
  const { line, column } = lineColumn(text, offset);
  return new MalformedReportError(`Malformed JSON: ${describeAt(text, offset)}`, line, column);
}

/** Top-level keys that only a pipeline definition starts with: a YAML error there is reported as YAML. */
const PIPELINE_KEY = /^(on|jobs|runs|stages|include|workflow|default|variables|image|before_script|spec|name|permissions):/m;

/** Text not starting like JSON: JSON scalars, else a YAML mapping, else the JSON error it has always been. */
function parseJsonOrYaml(text: string): Document {
  try {
    return { type: "json", value: JSON.parse(text) };
  } catch {
    // not JSON: YAML, or an error reported as JSON below
  }
  if (/^(error|warning|help|note|info)\[[\w-]+\]: /m.test(text) && /^\s*--> /m.test(text))
    throw new MalformedReportError(
      "This is zizmor's plain-text output; upload `zizmor --format=sarif` or `zizmor --format=json-v1` instead.",
    );
  try {
    const y = parseYaml(text);
    const v = y.value;
    if (typeof v === "object" && v !== null && !Array.isArray(v))
      return { type: "yaml", value: v as Record<string, unknown>, text, lineOf: y.lineOf };
  } catch (e) {
    if (!(e instanceof YamlError)) throw e;
    if (e.line === undefined || PIPELINE_KEY.test(text)) throw new MalformedReportError(e.message, e.line, e.column);
  }
  return parseJsonOrNdjson(text);
}

function firstNonSpace(s: string): number {
  for (let i = 0; i < s.length; i++) {
    const ch = s.charCodeAt(i);
    if (ch !== 0x20 && ch !== 0x0a && ch !== 0x0d && ch !== 0x09) return i;
  }
  return -1;
}

/** Deeper than this, a report is refused as malformed: no scanner nests so deep, and locating an error recurses. */
export const MAX_JSON_DEPTH = 512;

/** The offset where brackets nest deeper than max (strings skipped), or -1. Iterative: any depth is safe to scan. */
export function deepNestingAt(s: string, max = MAX_JSON_DEPTH): number {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return i;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return -1;
}

function tooDeep(text: string, at: number, line?: number): MalformedReportError {
  const pos = lineColumn(text, at);
  return new MalformedReportError(`Malformed JSON: nested more than ${MAX_JSON_DEPTH} levels deep`, line ?? pos.line, pos.column);
}

function parseJsonOrNdjson(text: string): Document {
  try {
    return { type: "json", value: JSON.parse(text) };
  } catch {
    // fall through: NDJSON, or a real syntax error
  }
  const lines = text.split("\n");
  const values: unknown[] = [];
  let firstBad: number | undefined;
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!.trim();
    if (l === "") continue;
    try {
      values.push(JSON.parse(l));
    } catch {
      firstBad = i;
      break;
    }
  }
  if (firstBad === undefined && values.length >= 2) return { type: "ndjson", values };
  if (firstBad !== undefined && values.length >= 1 && lines.slice(0, firstBad).some((l) => l.trim() !== "")) {
    // Looks like NDJSON with a broken record, unless the whole text is one multi-line JSON value.
    const firstValueIsContainer = /^[[{]/.test(lines.find((l) => l.trim() !== "")!.trim());
    const oneLineRecords = values.every((v) => typeof v === "object" && v !== null);
    if (firstValueIsContainer && oneLineRecords) {
      const deep = deepNestingAt(lines[firstBad]!);
      if (deep !== -1) throw tooDeep(lines[firstBad]!, deep, firstBad + 1);
      const pos = locateJsonError(lines[firstBad]!);
      throw new MalformedReportError("Malformed JSON record in NDJSON report", firstBad + 1, pos + 1);
    }
  }
  const deep = deepNestingAt(text);
  if (deep !== -1) throw tooDeep(text, deep);
  const offset = locateJsonError(text);
  const { line, column } = lineColumn(text, offset);
  throw new MalformedReportError(`Malformed JSON: ${describeAt(text, offset)}`, line, column);
}

function describeAt(text: string, offset: number): string {
  if (offset >= text.length) return "unexpected end of input";
  const ch = text[offset]!;
  return `unexpected ${JSON.stringify(ch)}`;
}

export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let last = -1;
  const end = Math.min(offset, text.length);
  for (let i = 0; i < end; i++) {
    if (text.charCodeAt(i) === 0x0a) {
      line++;
      last = i;
    }
  }
  return { line, column: end - last };
}

/**
 * The offset of the first JSON syntax error (only called after JSON.parse failed),
 * so that a pipeline gets "line 12, column 5" rather than a bare "invalid JSON".
 */
export function locateJsonError(s: string): number {
  let i = 0;
  const n = s.length;
  class Stop {
    constructor(readonly at: number) {}
  }
  const ws = () => {
    while (i < n && (s[i] === " " || s[i] === "\n" || s[i] === "\r" || s[i] === "\t")) i++;
  };
  const fail = (): never => {
    throw new Stop(i);
  };
  const value = (): void => {
    ws();
    if (i >= n) fail();
    const c = s[i];
    if (c === "{") {
      i++;
      ws();
      if (s[i] === "}") {
        i++;
        return;
      }
      for (;;) {
        ws();
        if (s[i] !== '"') fail();
        string();
        ws();
        if (s[i] !== ":") fail();
        i++;
        value();
        ws();
        if (s[i] === ",") {
          i++;
          continue;
        }
        if (s[i] === "}") {
          i++;
          return;
        }
        fail();
      }
    } else if (c === "[") {
      i++;
      ws();
      if (s[i] === "]") {
        i++;
        return;
      }
      for (;;) {
        value();
        ws();
        if (s[i] === ",") {
          i++;
          continue;
        }
        if (s[i] === "]") {
          i++;
          return;
        }
        fail();
      }
    } else if (c === '"') string();
    else if (c === "-" || (c !== undefined && c >= "0" && c <= "9")) number();
    else if (s.startsWith("true", i)) i += 4;
    else if (s.startsWith("false", i)) i += 5;
    else if (s.startsWith("null", i)) i += 4;
    else fail();
  };
  const string = () => {
    i++;
    while (i < n) {
      const c = s.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return;
      }
      if (c === 0x5c) {
        i++;
        const e = s[i];
        if (e === "u") {
          if (!/^[0-9a-fA-F]{4}$/.test(s.slice(i + 1, i + 5))) fail();
          i += 5;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) i++;
        else fail();
        continue;
      }
      if (c < 0x20) fail();
      i++;
    }
    fail();
  };
  const number = () => {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(s.slice(i, i + 400));
    if (!m || m[0] === "" || m[0] === "-") fail();
    i += m![0].length;
  };
  try {
    value();
    ws();
    if (i < n) return i;
    return n;
  } catch (e) {
    if (e instanceof Stop) return e.at;
    throw e;
  }
}

// ---- XML -------------------------------------------------------------------------

const ENTITY: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

function decodeEntities(s: string): string {
  if (!s.includes("&")) return s;
  return s.replace(/&(#x[0-9a-fA-F]+|#\d+|[a-zA-Z]+);/g, (m, e: string) => {
    if (e[0] === "#") {
      const cp = e[1] === "x" || e[1] === "X" ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
      return Number.isFinite(cp) && cp > 0 && cp <= 0x10ffff ? String.fromCodePoint(cp) : m;
    }
    return ENTITY[e] ?? m;
  });
}

const xmlParser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: "",
  parseTagValue: false,
  parseAttributeValue: false,
  // Only the five predefined entities and character references are decoded, by us: no DTD, no expansion.
  processEntities: false,
  htmlEntities: false,
  cdataPropName: "#cdata",
  ignoreDeclaration: true,
  ignorePiTags: true,
  trimValues: false,
});

export function parseXml(text: string): XmlElement {
  // A DTD is never needed by a scanner report and is the door to XXE and entity expansion.
  const dtd = /<!DOCTYPE|<!ENTITY/i.exec(text);
  if (dtd) {
    const { line, column } = lineColumn(text, dtd.index);
    throw new MalformedReportError("XML with a DOCTYPE or ENTITY declaration is refused", line, column);
  }
  const v = XMLValidator.validate(text, { allowBooleanAttributes: true });
  if (v !== true) {
    // The validator's message may quote the whole open-tag stack: keep the answer short.
    const msg = v.err.msg.length > 200 ? `${v.err.msg.slice(0, 200)}…` : v.err.msg;
    throw new MalformedReportError(`Malformed XML: ${msg}`, v.err.line, v.err.col);
  }
  let nodes: unknown[];
  try {
    nodes = xmlParser.parse(text) as unknown[];
  } catch (e) {
    // e.g. "Maximum nested tags exceeded": the parser's own limits are the client's problem, not ours.
    throw new MalformedReportError(`Malformed XML: ${(e as Error).message.slice(0, 200)}`);
  }
  const roots = nodes.map((n) => toElement(n, {})).filter((e): e is XmlElement => e !== undefined);
  if (roots.length !== 1) throw new MalformedReportError("Malformed XML: expected exactly one root element");
  return roots[0]!;
}

type RawNode = Record<string, unknown>;

function toElement(node: unknown, nsScope: Record<string, string>): XmlElement | undefined {
  if (typeof node !== "object" || node === null) return undefined;
  const raw = node as RawNode;
  const tag = Object.keys(raw).find((k) => k !== ":@" && k !== "#text" && k !== "#cdata");
  if (!tag || tag.startsWith("?") || tag.startsWith("!")) return undefined;
  const attrsRaw = (raw[":@"] ?? {}) as Record<string, string>;
  const attrs: Record<string, string> = {};
  const scope = { ...nsScope };
  for (const [k, v] of Object.entries(attrsRaw)) {
    const val = decodeEntities(String(v));
    attrs[k] = val;
    if (k === "xmlns") scope[""] = val;
    else if (k.startsWith("xmlns:")) scope[k.slice(6)] = val;
  }
  const colon = tag.indexOf(":");
  const prefix = colon > 0 ? tag.slice(0, colon) : undefined;
  const name = colon > 0 ? tag.slice(colon + 1) : tag;
  const children: XmlElement[] = [];
  let text = "";
  for (const child of (raw[tag] ?? []) as unknown[]) {
    const c = child as RawNode;
    if ("#text" in c) text += decodeEntities(String(c["#text"]));
    else if ("#cdata" in c) {
      for (const t of (c["#cdata"] ?? []) as RawNode[]) text += String(t["#text"] ?? "");
    } else {
      const el = toElement(c, scope);
      if (el) children.push(el);
    }
  }
  return { name, prefix, ns: scope[prefix ?? ""], attrs, children, text: text.trim() };
}
