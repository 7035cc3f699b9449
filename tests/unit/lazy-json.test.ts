// Large JSON reports are read with their long arrays of records parsed when read (server/ingest/lazy-json.ts), so that
// a 100 MB report is never one whole tree in memory. What a format parser gets must not change: every real sample
// parses to the same findings (or the same error) read lazily at every level as read whole.
import { describe, expect, it } from "vitest";
import { decodeDocument, MalformedReportError } from "@/server/ingest/decode";
import { decodeBody, parseReport } from "@/server/ingest/ingest-report";
import { LazyJsonSyntaxError, parseLazyJson, readLazyJson, type LazyJsonOptions } from "@/server/ingest/lazy-json";
import type { Document } from "@/server/ingest/types";
import { manifest, sampleBytes } from "@/tests/helpers/samples";

/** Every container walked and every array read lazily: the hardest case for the parsers. */
const EVERYWHERE: LazyJsonOptions = { minChars: 0, recordChars: 0, minElements: 1 };

function outcome(body: Uint8Array, lazyJson?: LazyJsonOptions): unknown {
  try {
    return { parsed: parseReport(body, { salt: "lazy-test", ...(lazyJson ? { lazyJson } : {}) }) };
  } catch (e) {
    const err = e as { message: string; code?: string; type?: string; extra?: unknown };
    return { error: { message: err.message, code: err.code, type: err.type, extra: err.extra } };
  }
}

/** A value as JSON.parse would give it: lazy arrays copied into plain ones. */
const plain = (v: unknown): unknown => JSON.parse(JSON.stringify(v)) as unknown;

/** A small deterministic generator (mulberry32) for documents with awkward strings. */
function rng(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const AWKWARD = ['"', "\\", "\\\\", '\\"', "]", "}", "[{", ",", ":", "é", "😀", "\n", "\u0000", "a", "  "];

function randomValue(r: () => number, depth: number): unknown {
  const k = r();
  if (depth > 3 || k < 0.3) {
    const s = r();
    if (s < 0.25) return Array.from({ length: Math.floor(r() * 4) }, () => AWKWARD[Math.floor(r() * AWKWARD.length)]).join("");
    if (s < 0.45) return Math.round(r() * 1e6) / 100 - 5000;
    if (s < 0.55) return r() < 0.5;
    if (s < 0.6) return null;
    return `v${Math.floor(r() * 1000)}`;
  }
  if (k < 0.65) return Array.from({ length: Math.floor(r() * 6) }, () => randomValue(r, depth + 1));
  const o: Record<string, unknown> = {};
  for (let i = Math.floor(r() * 5); i > 0; i--)
    o[`k${AWKWARD[Math.floor(r() * AWKWARD.length)]}${i}`] = randomValue(r, depth + 1);
  return o;
}

describe("lazily read JSON", () => {
  it("gives what JSON.parse gives, for documents with brackets, quotes and backslashes inside strings", () => {
    const r = rng(7);
    for (let i = 0; i < 300; i++) {
      const doc = { top: randomValue(r, 0), list: Array.from({ length: 3 }, () => randomValue(r, 1)) };
      const text = JSON.stringify(doc, null, i % 2 ? 2 : undefined);
      expect(plain(parseLazyJson(text, EVERYWHERE))).toEqual(JSON.parse(text));
    }
  });

  it("keeps JSON.parse's meaning of repeated keys, __proto__ and numbers", () => {
    const text = '{"a": 1, "a": [2, 3], "__proto__": {"x": 1}, "n": [1e2, -0.5, 12345678901234567890]}';
    const v = parseLazyJson(text, EVERYWHERE) as Record<string, unknown>;
    expect(plain(v)).toEqual(plain(JSON.parse(text)));
    expect(Object.keys(v)).toEqual(["a", "__proto__", "n"]);
    expect(Object.getPrototypeOf(v)).toBe(Object.prototype);
  });

  it("reads long arrays of small records lazily and read-only, and leaves short texts and other shapes to JSON.parse", () => {
    const text = JSON.stringify({ runs: [{ results: Array.from({ length: 100 }, (_, i) => ({ i })) }] });
    const v = parseLazyJson(text, { minChars: 0, recordChars: 64, minElements: 10 }) as {
      runs: { results: { i: number }[] }[];
    };
    const results = v.runs[0]!.results;
    expect(Array.isArray(results)).toBe(true);
    expect(results.length).toBe(100);
    expect(results.map((x) => x.i)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect([...results].at(-1)).toEqual({ i: 99 });
    expect(Object.keys(results).length).toBe(100);
    expect(() => {
      (results as unknown[]).push({ i: 100 });
    }).toThrow(TypeError);
    expect(results.length).toBe(100);
    // Not for short texts (the default threshold), NDJSON, trailing text or a structure the walk does not expect.
    expect(parseLazyJson(text)).toBeUndefined();
    expect(parseLazyJson('{"a":1}\n{"a":2}\n', EVERYWHERE)).toBeUndefined();
    expect(parseLazyJson('{"a": [1, 2] x}', EVERYWHERE)).toBeUndefined();
    expect(parseLazyJson('{"a" 1}', EVERYWHERE)).toBeUndefined();
    expect(parseLazyJson('"text"', EVERYWHERE)).toBeUndefined();
  });

  it("walks a few levels only and leaves deeper nesting to JSON.parse (no quadratic walk, no stack overflow)", () => {
    const depth = 200_000;
    const text = `${"[".repeat(depth)}1${"]".repeat(depth)}`;
    expect(parseLazyJson(text, { minChars: 0, recordChars: 8 })).toBeUndefined();
    const outcomeOf = (lazyJson?: LazyJsonOptions) => {
      try {
        return decodeDocument(text, lazyJson ? { lazyJson } : {}).type;
      } catch (e) {
        return (e as Error).message;
      }
    };
    expect(outcomeOf({ minChars: 0, recordChars: 8 })).toBe(outcomeOf());
    // Records eight levels down are still read lazily; nine levels down the text is parsed whole.
    const nest = (levels: number) =>
      `${'{"a":'.repeat(levels - 1)}[${Array.from({ length: 100 }, (_, i) => `{"i":${i}}`).join(",")}]${"}".repeat(levels - 1)}`;
    const lazyAt = (text: string) => {
      let v = parseLazyJson(text, { minChars: 0, recordChars: 16, minElements: 10 }) as unknown;
      while (v && typeof v === "object" && !Array.isArray(v)) v = (v as { a: unknown }).a;
      return v === undefined
        ? "whole"
        : (() => {
            try {
              (v as unknown[])[0] = 1;
              return "built";
            } catch {
              return "lazy";
            }
          })();
    };
    expect(lazyAt(nest(8))).toBe("lazy");
    expect(lazyAt(nest(9))).toBe("whole");
  });

  it("reports a broken record when it is read, at the line and column a whole-text parse reports", () => {
    const records = Array.from({ length: 80 }, (_, i) => `    {"ruleId": "r${i}", "message": {"text": "m${i}"}}`);
    records[57] = `    {"ruleId": "r57", "message": {"text": "m57"},, "level": "error"}`;
    const text = `{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}}, "results": [\n${records.join(",\n")}\n]}]}`;
    const body = new TextEncoder().encode(text);
    const whole = outcome(body);
    expect(whole).toMatchObject({ error: { code: "bad_request", type: "malformed-report", extra: { line: 59, column: 50 } } });
    expect(outcome(body, { minChars: 0, recordChars: 80, minElements: 10 })).toEqual(whole);
    expect(outcome(body, EVERYWHERE)).toEqual(whole);
  });

  it("refuses a broken record the parser never reads, at the line and column a whole-text parse reports", () => {
    // Nothing reads a SARIF log's own property bag; parsed whole, a broken record in it still refuses the report.
    const results = Array.from({ length: 70 }, (_, i) => `    {"ruleId": "r${i}", "message": {"text": "m${i}"}}`);
    const history = Array.from({ length: 70 }, (_, i) => `    {"run": ${i}, "uri": "src/f${i}.ts"}`);
    const report = (broken: boolean) => {
      const list = [...history];
      if (broken) list[41] = `    {"run": 41, "uri": "src/f41.ts", "kept": tru}`;
      return new TextEncoder().encode(
        `{"version": "2.1.0", "properties": {"history": [\n${list.join(",\n")}\n]},\n` +
          `"runs": [{"tool": {"driver": {"name": "x"}},\n"results": [\n${results.join(",\n")}\n]}]}`,
      );
    };
    const lazily = { minChars: 0, recordChars: 80, minElements: 10 };
    const whole = outcome(report(true));
    expect(whole).toMatchObject({ error: { code: "bad_request", type: "malformed-report", extra: { line: 43 } } });
    expect(outcome(report(true), lazily)).toEqual(whole);
    expect(outcome(report(true), EVERYWHERE)).toEqual(whole);
    // Without the broken record the same report parses, lazily or not, to the same findings.
    const valid = outcome(report(false), lazily) as { parsed: { parts: { findings: unknown[] }[] } };
    expect(valid.parsed.parts[0]!.findings).toHaveLength(70);
    expect(valid).toEqual(outcome(report(false)));
    // A report its parser refuses for its schema (a result that is not an object) is refused first for its broken
    // record, which it never read, as a whole-text parse refuses it.
    const notAResult = (r: Uint8Array) => new TextEncoder().encode(new TextDecoder().decode(r).replace(results[69]!, "    5"));
    expect(outcome(notAResult(report(false)), lazily)).toMatchObject({ error: { type: "invalid-report" } });
    expect(outcome(notAResult(report(true)))).toEqual(whole);
    expect(outcome(notAResult(report(true)), lazily)).toEqual(whole);
  });

  it("checks only the records nobody read, each once, and says which one is broken", () => {
    const rows = Array.from({ length: 100 }, (_, i) => `{"i":${i}}`);
    rows[90] = '{"i": 90,}';
    const text = `{"rows": [${rows.join(",")}], "other": [${rows.slice(0, 50).join(",")}]}`;
    const doc = readLazyJson(text, { minChars: 0, recordChars: 64, minElements: 10 })!;
    const value = doc.value as { rows: unknown[]; other: { i: number }[] };
    // The parser reads the first rows and all of the other array: nothing broken among them.
    expect(value.rows.slice(0, 10)).toEqual(Array.from({ length: 10 }, (_, i) => ({ i })));
    expect(value.other.map((r) => r.i)).toHaveLength(50);
    let thrown: unknown;
    try {
      doc.checkUnread();
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(LazyJsonSyntaxError);
    const at = text.indexOf('{"i": 90,}');
    expect(thrown).toMatchObject({ start: at, end: at + '{"i": 90,}'.length });
    // Valid documents pass the check, read or not.
    const fine = readLazyJson(text.replace('{"i": 90,}', '{"i": 90}'), { minChars: 0, recordChars: 64, minElements: 10 })!;
    expect(() => fine.checkUnread()).not.toThrow();
    expect(plain(fine.value)).toEqual(JSON.parse(text.replace('{"i": 90,}', '{"i": 90}')));
    expect(() => fine.checkUnread()).not.toThrow();
  });

  it("leaves every real sample report's parse unchanged, findings and errors alike", () => {
    let json = 0;
    for (const row of manifest()) {
      const body = sampleBytes(row.file);
      const head = body.subarray(0, 64).toString("utf8").trimStart();
      if (!head.startsWith("{") && !head.startsWith("[") && !head.startsWith("\ufeff")) continue;
      json++;
      expect(outcome(body, EVERYWHERE), row.file).toEqual(outcome(body));
    }
    expect(json).toBeGreaterThan(30);
  });

  it("decodes large bodies to the same text whether they are plain ASCII (kept off the heap) or not", () => {
    const ascii = JSON.stringify({ pad: "x".repeat(2 * 1024 * 1024), tab: "\t\u0001", quote: '"' });
    const bytes = new TextEncoder().encode(ascii);
    expect(decodeBody(bytes)).toBe(ascii);
    expect(decodeBody(bytes.subarray(1, bytes.length - 1))).toBe(ascii.slice(1, -1));
    const utf8 = `\ufeff${ascii.slice(0, -1)},"name":"Zoë ✓ 😀"}`;
    expect(decodeBody(new TextEncoder().encode(utf8))).toBe(utf8.slice(1));
    const broken = new Uint8Array([...bytes.subarray(0, 2 * 1024 * 1024), 0xc3, 0x28]);
    expect(() => decodeBody(broken)).toThrow(MalformedReportError);
  });

  it("is what decodeDocument uses for large JSON texts only", () => {
    const big = JSON.stringify({ rows: Array.from({ length: 200 }, (_, i) => ({ i, pad: "x".repeat(50) })) });
    const valueOf = (d: Document) => (d.type === "json" ? (d.value as { rows: unknown[] }) : undefined);
    const lazy = valueOf(decodeDocument(big, { lazyJson: { minChars: 1000, recordChars: 1000 } }))!;
    const whole = valueOf(decodeDocument(big))!;
    expect(plain(lazy)).toEqual(whole);
    expect(() => (lazy.rows[0] = 1)).toThrow(TypeError);
    expect(() => (whole.rows[0] = 1)).not.toThrow();
  });
});
