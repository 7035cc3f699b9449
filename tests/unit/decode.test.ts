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
});
