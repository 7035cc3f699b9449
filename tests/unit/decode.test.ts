import { describe, expect, it } from "vitest";
import { decodeDocument, decodeText, EmptyReportError, MalformedReportError } from "@/server/ingest/decode";
import { sampleText } from "@/tests/helpers/samples";

function malformed(text: string): MalformedReportError {
  try {
    decodeDocument(text);
  } catch (e) {
    if (e instanceof MalformedReportError) return e;
    throw e;
  }
  throw new Error("expected MalformedReportError");
}

describe("decodeDocument", () => {
  it("decodes JSON, NDJSON and XML", () => {
    expect(decodeDocument('{"a":1}')).toEqual({ type: "json", value: { a: 1 } });
    expect(decodeDocument('{"a":1}\n{"a":2}\n')).toEqual({ type: "ndjson", values: [{ a: 1 }, { a: 2 }] });
    const x = decodeDocument(
      '<?xml version="1.0"?><r xmlns="urn:a" xmlns:v="urn:v"><v:c k="1 &amp; 2">t &lt; u<![CDATA[<raw>]]></v:c></r>',
    );
    expect(x.type).toBe("xml");
    if (x.type !== "xml") return;
    expect(x.value.name).toBe("r");
    expect(x.value.ns).toBe("urn:a");
    const c = x.value.children[0]!;
    expect(c).toMatchObject({ name: "c", prefix: "v", ns: "urn:v", attrs: { k: "1 & 2" }, text: "t < u<raw>" });
  });

  it("strips a UTF-8 byte order mark", () => {
    expect(decodeDocument(decodeText(new TextEncoder().encode('\uFEFF{"runs":[]}')))).toEqual({
      type: "json",
      value: { runs: [] },
    });
  });

  it("names line and column of a JSON syntax error", () => {
    const e = malformed('{\n  "a": 1,\n  "b": tru\n}');
    expect(e.line).toBe(3);
    expect(e.column).toBe(8);
    expect(e.message).toContain("line 3, column 8");
  });

  it("reports a truncated document at its end", () => {
    const e = malformed('{"bomFormat": "CycloneDX", "components": [');
    expect(e.line).toBe(1);
    expect(e.message).toMatch(/end of input/);
  });

  it("refuses trailing commas (strict JSON)", () => {
    const e = malformed('{"a": [1, 2,]}');
    expect(e.column).toBe(13);
  });

  it("treats an empty or blank body as empty", () => {
    expect(() => decodeDocument("")).toThrow(EmptyReportError);
    expect(() => decodeDocument(" \n\t")).toThrow(EmptyReportError);
  });

  it("refuses invalid UTF-8", () => {
    expect(() => decodeText(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]))).toThrow(MalformedReportError);
  });

  it("names line and column of an XML error", () => {
    const e = malformed("<a>\n  <b></a>");
    expect(e.line).toBe(2);
    expect(e.message).toMatch(/Malformed XML/);
  });

  it("refuses XML with a DTD: no external entities, no entity expansion", () => {
    const base = sampleText("zap_xml/defectdojo__zap__some_2.9.0.xml");
    const xxe = base.replace(/^(<\?xml[^>]*\?>)/, '$1\n<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>');
    expect(xxe).toContain("<!DOCTYPE");
    const e = malformed(xxe);
    expect(e.message).toMatch(/DOCTYPE/);
    expect(e.line).toBe(2);
    const laughs =
      '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]><lolz>&lol2;</lolz>';
    expect(() => decodeDocument(laughs)).toThrow(/DOCTYPE/);
  });

  it("refuses a comment before the XML declaration, as the manifest says", () => {
    const e = malformed(sampleText("zap_xml/securecodebox__juice-shop.xml"));
    expect(e.message).toMatch(/declaration/i);
  });

  it("decodes YAML mappings with line positions; merges, duplicates and GitLab's !reference stay plain data", () => {
    const d = decodeDocument(
      "# ci\non: push\nbase: &b {a: 1}\njob:\n  <<: *b\n  script: [!reference [.x, script]]\n  a: 2\n  a: 3\n",
    );
    expect(d.type).toBe("yaml");
    if (d.type !== "yaml") return;
    expect(d.value).toEqual({ on: "push", base: { a: 1 }, job: { a: 3, script: [[".x", "script"]] } });
    expect(d.lineOf(["job"])).toBe(4);
    expect(d.lineOf(["job", "script", 0])).toBe(6);
    expect(d.lineOf(["nope"])).toBeUndefined();
  });

  it("refuses a YAML billion laughs, and quadratic alias fan-out, before expanding anything", () => {
    const levels = ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"];
    for (let i = 1; i < 9; i++) {
      const prev = String.fromCharCode(96 + i);
      const cur = String.fromCharCode(97 + i);
      levels.push(`${cur}: &${cur} [${Array(9).fill(`*${prev}`).join(", ")}]`);
    }
    const laughs = `on: push\njobs: {}\n${levels.join("\n")}\n`;
    const t0 = Date.now();
    expect(() => decodeDocument(laughs)).toThrow(MalformedReportError);
    expect(() => decodeDocument(laughs)).toThrow(/aliases expand to more than/);
    // One big anchor referenced many times: no nesting, still far too large once expanded.
    const big = `x: &x [${Array(2000).fill("1").join(",")}]\nl: [${Array(1000).fill("*x").join(",")}]\n`;
    expect(() => decodeDocument(big)).toThrow(/aliases expand/);
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  it("reports a YAML syntax error in a pipeline definition with its line, and keeps JSON errors for other text", () => {
    const e = malformed("on: push\njobs:\n  a:\n    steps: [\n");
    expect(e.message).toMatch(/Malformed YAML/);
    expect(e.line).toBeGreaterThan(1);
    expect(malformed("bogus!").message).toMatch(/Malformed JSON/);
  });

  it("points zizmor's plain-text output to its machine formats", () => {
    const text = "warning[unpinned-uses]: unpinned action reference\n --> .github/workflows/ci.yml:4:9\n  |\n";
    expect(malformed(text).message).toMatch(/--format=sarif/);
  });
});
