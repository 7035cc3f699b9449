// JSON for large reports, without the whole tree in memory at once. Pure: takes text, returns data or throws.
//
// `JSON.parse` of a 100 MB report builds every object of it (≈ 3× the text in memory) before a format parser reads
// the first result. A report's bulk is one or a few long arrays of small records (SARIF `runs[].results`, Trivy
// `Results[].Vulnerabilities`, …), which the parsers read once, in order. Here, the containers above those arrays are
// built as usual, and each long array of small records becomes a read-only array whose elements are parsed from their
// span of the text when read and dropped after: the peak is the text plus one record, not the text plus the tree.
//
// The structure is walked with a scanner that knows strings and brackets only; every value is still parsed by
// `JSON.parse`, so numbers, escapes and literals mean what they always meant. A record with a syntax error is reported
// (line and column of the whole text) when it is read; the records no parser read are checked afterwards
// (`checkUnread`), so a large report is refused for a broken record wherever it is, as a whole-text parse refuses it.
// `undefined` means the walk found text it does not expect, and the caller parses the text whole, as before.

export type LazyJsonOptions = {
  /** texts shorter than this are parsed whole (16 MiB of characters) */
  minChars?: number;
  /** values up to this long are parsed whole, longer ones walked; an array of such values is read lazily (256 KiB) */
  recordChars?: number;
  /** arrays with fewer elements than this are built at once (64) */
  minElements?: number;
};

type Limits = Required<Omit<LazyJsonOptions, "minChars">> & {
  /** one per lazily read array of the document: checks the records nobody read */
  unread: (() => void)[];
};
const DEFAULTS: Required<LazyJsonOptions> = {
  minChars: 16 * 1024 * 1024,
  recordChars: 256 * 1024,
  minElements: 64,
};

/** A record of a lazily read array that is not valid JSON; `start` and `end` are its span in the whole text. */
export class LazyJsonSyntaxError extends Error {
  constructor(
    readonly start: number,
    readonly end: number,
  ) {
    super("malformed JSON record");
    this.name = "LazyJsonSyntaxError";
  }
}

/** Thrown by the walk on text it does not expect (the caller then parses the whole text). */
class Unexpected extends Error {}

/**
 * Containers walked into, at most: reports keep their records a few levels down (SARIF's are at the fourth), and each
 * level walked reads its span once more, so the walk costs at most this many passes over the text.
 */
const MAX_WALK_DEPTH = 8;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const isSpace = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

function skipSpace(s: string, i: number): number {
  while (i < s.length && isSpace(s.charCodeAt(i))) i++;
  return i;
}

/** The index after the closing quote of the string opening at i. */
function stringEnd(s: string, i: number): number {
  let j = i + 1;
  for (;;) {
    j = s.indexOf('"', j);
    if (j === -1) throw new Unexpected();
    let k = j - 1;
    while (s.charCodeAt(k) === BACKSLASH) k--;
    if ((j - 1 - k) % 2 === 0) return j + 1;
    j++;
  }
}

/** The index after the value starting at i (a string, container or scalar); brackets and strings only. */
function valueEnd(s: string, i: number): number {
  const c = s.charCodeAt(i);
  if (c === QUOTE) return stringEnd(s, i);
  if (c === 0x7b || c === 0x5b) {
    let depth = 0;
    for (let j = i; j < s.length; j++) {
      const ch = s.charCodeAt(j);
      if (ch === QUOTE) j = stringEnd(s, j) - 1;
      else if (ch === 0x7b || ch === 0x5b) depth++;
      else if (ch === 0x7d || ch === 0x5d) {
        if (--depth === 0) return j + 1;
      }
    }
    throw new Unexpected();
  }
  let j = i;
  while (j < s.length) {
    const ch = s.charCodeAt(j);
    if (ch === 0x2c || ch === 0x5d || ch === 0x7d || isSpace(ch)) break;
    j++;
  }
  if (j === i) throw new Unexpected();
  return j;
}

function whole(s: string, start: number, end: number): unknown {
  try {
    return JSON.parse(s.slice(start, end));
  } catch {
    throw new Unexpected();
  }
}

function build(s: string, start: number, end: number, l: Limits, depth: number): unknown {
  const c = s.charCodeAt(start);
  if (end - start <= l.recordChars || (c !== 0x7b && c !== 0x5b)) return whole(s, start, end);
  if (depth >= MAX_WALK_DEPTH) throw new Unexpected();
  return c === 0x7b ? buildObject(s, start, end, l, depth + 1) : buildArray(s, start, end, l, depth + 1);
}

function buildObject(s: string, start: number, end: number, l: Limits, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  let i = skipSpace(s, start + 1);
  if (s.charCodeAt(i) === 0x7d) return out;
  for (;;) {
    if (s.charCodeAt(i) !== QUOTE) throw new Unexpected();
    const keyEnd = stringEnd(s, i);
    const key = whole(s, i, keyEnd) as string;
    i = skipSpace(s, keyEnd);
    if (s.charCodeAt(i) !== 0x3a) throw new Unexpected();
    const vStart = skipSpace(s, i + 1);
    const vEnd = valueEnd(s, vStart);
    // As JSON.parse does: a repeated key keeps its last value; "__proto__" is an ordinary key.
    Object.defineProperty(out, key, {
      value: build(s, vStart, vEnd, l, depth),
      enumerable: true,
      writable: true,
      configurable: true,
    });
    i = skipSpace(s, vEnd);
    const sep = s.charCodeAt(i);
    if (sep === 0x7d && i === end - 1) return out;
    if (sep !== 0x2c) throw new Unexpected();
    i = skipSpace(s, i + 1);
  }
}

function buildArray(s: string, start: number, end: number, l: Limits, depth: number): unknown[] {
  const starts: number[] = [];
  const ends: number[] = [];
  let big = false;
  let i = skipSpace(s, start + 1);
  if (s.charCodeAt(i) !== 0x5d) {
    for (;;) {
      const e = valueEnd(s, i);
      starts.push(i);
      ends.push(e);
      if (e - i > l.recordChars) big = true;
      i = skipSpace(s, e);
      const sep = s.charCodeAt(i);
      if (sep === 0x5d) break;
      if (sep !== 0x2c) throw new Unexpected();
      i = skipSpace(s, i + 1);
    }
  }
  if (i !== end - 1) throw new Unexpected();
  if (big || starts.length < l.minElements) return starts.map((st, k) => build(s, st, ends[k]!, l, depth));
  const { array, checkUnread } = lazyArray(s, starts, ends);
  l.unread.push(checkUnread);
  return array;
}

/** The array index a property key names, or -1. */
const indexKey = (p: string | symbol, n: number): number => {
  if (typeof p !== "string" || p === "" || p.length > 10) return -1;
  const k = Number(p);
  return Number.isInteger(k) && k >= 0 && k < n && String(k) === p ? k : -1;
};

/**
 * A read-only array whose k-th element is parsed from its span whenever it is read, and the check of the elements that
 * were never read (each parsed once more, and dropped).
 */
function lazyArray(s: string, starts: number[], ends: number[]): { array: unknown[]; checkUnread: () => void } {
  const n = starts.length;
  const read = new Uint8Array(n);
  const at = (k: number): unknown => {
    let value: unknown;
    try {
      value = JSON.parse(s.slice(starts[k], ends[k]));
    } catch {
      throw new LazyJsonSyntaxError(starts[k]!, ends[k]!);
    }
    read[k] = 1;
    return value;
  };
  const checkUnread = () => {
    for (let k = read.indexOf(0); k !== -1; k = read.indexOf(0, k + 1)) at(k);
  };
  const readOnly = () => {
    throw new TypeError("a lazily read report array is read-only");
  };
  const array = new Proxy(new Array<unknown>(n), {
    get(target, p, receiver) {
      const k = indexKey(p, n);
      return k === -1 ? Reflect.get(target, p, receiver) : at(k);
    },
    has(target, p) {
      return indexKey(p, n) !== -1 || Reflect.has(target, p);
    },
    getOwnPropertyDescriptor(target, p) {
      const k = indexKey(p, n);
      if (k === -1) return Reflect.getOwnPropertyDescriptor(target, p);
      return { value: at(k), writable: false, enumerable: true, configurable: true };
    },
    ownKeys() {
      return [...Array.from({ length: n }, (_, k) => String(k)), "length"];
    },
    set: readOnly,
    defineProperty: readOnly,
    deleteProperty: readOnly,
  });
  return { array, checkUnread };
}

/** A document read lazily, and the check of the records its parser did not read (throws a LazyJsonSyntaxError). */
export type LazyJson = { value: unknown; checkUnread: () => void };

/**
 * The JSON value of `text`, its long arrays of small records read lazily; `undefined` when the text is short, or not one
 * JSON object or array as far as the walk can tell (the caller then parses it whole, with its usual errors).
 */
export const parseLazyJson = (text: string, opts: LazyJsonOptions = {}): unknown => readLazyJson(text, opts)?.value;

/** parseLazyJson, with the check to run once the parser is done with the value. */
export function readLazyJson(text: string, opts: LazyJsonOptions = {}): LazyJson | undefined {
  const { minChars, ...options } = { ...DEFAULTS, ...opts };
  if (text.length < minChars) return undefined;
  const limits: Limits = { ...options, unread: [] };
  const checkUnread = () => {
    for (const check of limits.unread) check();
  };
  const start = skipSpace(text, 0);
  const c = text.charCodeAt(start);
  if (c !== 0x7b && c !== 0x5b) return undefined;
  try {
    const end = valueEnd(text, start);
    if (skipSpace(text, end) !== text.length) return undefined; // NDJSON, or trailing text
    const value = c === 0x7b ? buildObject(text, start, end, limits, 1) : buildArray(text, start, end, limits, 1);
    return { value, checkUnread };
  } catch (e) {
    if (e instanceof Unexpected) return undefined;
    throw e;
  }
}
