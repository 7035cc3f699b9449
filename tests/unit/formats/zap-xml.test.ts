import { describe, expect, it } from "vitest";
import { decodeDocument, MalformedReportError } from "@/server/ingest/decode";
import { zapXmlFormat } from "@/server/ingest/formats/zap-xml";
import { ReportSchemaError, type Document, type ParsedReport } from "@/server/ingest/types";
import { describeFormatContract, type Metadata, metadataOf } from "@/tests/helpers/format-contract";
import { isMalformed, loadSample, manifest, sampleText, testContext } from "@/tests/helpers/samples";

const all = (p: ParsedReport) => p.parts.flatMap((x) => x.findings);
const xml = (text: string): Document => decodeDocument(text);

// [file, findings, version]. The manifest counts alertitems; we emit one finding per
// (alert, URL without query values, method, param), so instances become findings and repeats collapse.
const SAMPLES: [string, number, string][] = [
  // 5 alertitems, 12 instances; 2 instances repeat (same url/method/param, other evidence)
  ["zap_xml/defectdojo__zap__0_zap_sample.xml", 10, "2.9.0"],
  // same file with one alertitem commented out
  ["zap_xml/defectdojo__zap__0_zap_sample_without_zap3.xml", 9, "2.9.0"],
  ["zap_xml/defectdojo__zap__3_zap_sampl_0_and_different_severities.xml", 10, "2.9.0"],
  // 2 alertitems with the same pluginid and name and the same 3 instances: 3 findings
  ["zap_xml/defectdojo__zap__5_zap_sample_one.xml", 3, "2.9.0"],
  // 124 instances; "Timestamp Disclosure" lists one URL 20 times
  ["zap_xml/defectdojo__zap__dvwa_baseline_dojo.xml", 97, "D-2021-03-29"],
  ["zap_xml/defectdojo__zap__dvwa_baseline_dojo_fabricated_internal_duplicates.xml", 71, "D-2021-03-29"],
  ["zap_xml/defectdojo__zap__dvwa_baseline_dojo_fabricated_internal_duplicates_subset.xml", 45, "D-2021-03-29"],
  ["zap_xml/defectdojo__zap__dvwa_baseline_dojo_subset.xml", 71, "D-2021-03-29"],
  ["zap_xml/defectdojo__zap__empty_2.9.0.xml", 0, "2.9.0"],
  ["zap_xml/defectdojo__zap__some_2.9.0.xml", 14, "2.9.0"],
  ["zap_xml/defectdojo__zap__zap-results-first-scan.xml", 87, "2.10.0"],
  ["zap_xml/defectdojo__zap__zap-xml-plus-format.xml", 1, "2.11.1"],
  ["zap_xml/defectdojo__zap__zap_2.16.1_with_req_resp.xml", 13, "2.16.1"],
  // 2 identical instances
  ["zap_xml/zap-extensions__basic-traditional-xml-plus.xml", 1, "Dev Build"],
];

describeFormatContract(zapXmlFormat, {
  folders: ["zap_xml"],
  alsoCheck: ["dependency_check_xml/defectdojo__dependency_check__PR6439.xml"],
});

describe("zap-xml samples", () => {
  it("lists every well-formed zap_xml sample of the manifest", () => {
    const rows = manifest().filter((r) => r.format === "zap_xml" && !isMalformed(r));
    expect(rows.map((r) => r.file).sort()).toEqual(SAMPLES.map((s) => s[0]).sort());
  });

  it.each(SAMPLES)("%s", (file, findings, version) => {
    const doc = loadSample(file);
    expect(zapXmlFormat.detect(doc)).toBe(true);
    const p = zapXmlFormat.parse(doc, testContext);
    expect(p.tool).toEqual({ name: "ZAP", version });
    expect(all(p)).toHaveLength(findings);
    expect(p.evidence).toEqual(["dast"]);
  });

  it("refuses the secureCodeBox copies (comment before the XML declaration) at decode time", () => {
    const rows = manifest().filter((r) => r.format === "zap_xml" && isMalformed(r));
    expect(rows.map((r) => r.file).sort()).toEqual([
      "zap_xml/securecodebox__bodgeit.xml",
      "zap_xml/securecodebox__docs.securecodebox.io.xml",
      "zap_xml/securecodebox__example.com.xml",
      "zap_xml/securecodebox__juice-shop.xml",
      "zap_xml/securecodebox__nginx.xml",
      "zap_xml/securecodebox__not-found.xml",
    ]);
    for (const r of rows) expect(() => decodeDocument(sampleText(r.file)), r.file).toThrow(MalformedReportError);
  });

  it("maps an alert instance in detail", () => {
    const findings = all(zapXmlFormat.parse(loadSample("zap_xml/defectdojo__zap__zap-xml-plus-format.xml"), testContext));
    expect(findings[0]).toMatchObject({
      kind: "dast",
      ruleId: "90028",
      title: "Insecure HTTP Method - PUT",
      severity: "medium",
      location: { url: "http://localhost:8080/bodgeit/js/qndto7n63d", method: "PUT" },
      properties: { confidence: 2 },
    });
    expect(findings[0]!.location?.param).toBeUndefined();
  });

  it("collapses identical instances and keeps no request, response or evidence", () => {
    const p = zapXmlFormat.parse(loadSample("zap_xml/zap-extensions__basic-traditional-xml-plus.xml"), testContext);
    expect(all(p)[0]).toMatchObject({
      ruleId: "1",
      title: "XSS",
      severity: "high",
      cwes: [123],
      location: { param: "Test Param" },
    });
    const out = JSON.stringify(p);
    for (const s of ["Evidence", "Attack", "Test Request Body", "Test Response Body", "user-agent"]) expect(out).not.toContain(s);
  });

  it("strips query-string values (credentials in dvwa URLs)", () => {
    const p = zapXmlFormat.parse(loadSample("zap_xml/defectdojo__zap__dvwa_baseline_dojo.xml"), testContext);
    const urls = all(p).map((f) => f.location?.url ?? "");
    expect(urls).toContain("http://172.17.0.2/vulnerabilities/brute/?Login=&password=&username=");
    expect(JSON.stringify(p)).not.toContain("password=ZAP");
  });
});

describe("zap-xml shapes without a sample", () => {
  it("reads ZAP 2.4.3 unmerged alertitems (uri in the alertitem, no instances)", () => {
    const p = zapXmlFormat.parse(
      xml(`<?xml version="1.0"?><OWASPZAPReport version="2.4.3" generated="Tue, 1 Mar 2016">
<site name="http://h" host="h" port="80" ssl="false"><alerts>
<alertitem><pluginid>10016</pluginid><alert>Web Browser XSS Protection Not Enabled</alert><riskcode>1</riskcode><confidence>2</confidence>
<riskdesc>Low (Medium)</riskdesc><desc>&lt;p&gt;Header missing&lt;/p&gt;</desc><uri>http://h/a?x=1</uri><param>X-XSS-Protection</param>
<evidence>secret-evidence</evidence><solution>Set it</solution><cweid>933</cweid><wascid>14</wascid></alertitem>
<alertitem><pluginid>10016</pluginid><alert>Web Browser XSS Protection Not Enabled</alert><riskcode>1</riskcode><confidence>0</confidence>
<uri>http://h/b</uri><param>X-XSS-Protection</param></alertitem>
</alerts></site></OWASPZAPReport>`),
      testContext,
    );
    const [a, b] = all(p);
    expect(all(p)).toHaveLength(2);
    expect(a).toMatchObject({
      ruleId: "10016",
      title: "Web Browser XSS Protection Not Enabled",
      severity: "low",
      description: "Header missing",
      cwes: [933],
      location: { url: "http://h/a?x=", param: "X-XSS-Protection" },
    });
    expect(b).toMatchObject({ location: { url: "http://h/b" }, suppressed: true });
    expect(JSON.stringify(p)).not.toContain("secret-evidence");
  });

  it("rejects a root that is not OWASPZAPReport", () => {
    expect(() => zapXmlFormat.parse(xml("<report/>"), testContext)).toThrow(ReportSchemaError);
  });
});

describe("zap-xml report metadata", () => {
  it.each<[string, Metadata]>([
    ["zap_xml/defectdojo__zap__dvwa_baseline_dojo.xml", { generatedAt: "2021-04-26T07:03:32.000Z" }],
    ["zap_xml/defectdojo__zap__empty_2.9.0.xml", { generatedAt: "2020-05-12T20:59:12.000Z" }],
    // localised by ZAP: "Fr., 30 Sep. 2022 08:40:35"
    ["zap_xml/defectdojo__zap__zap-xml-plus-format.xml", { generatedAt: "2022-09-30T08:40:35.000Z" }],
    // generated="Wed, 22 Oct 2025 17:09:39" is the host's local time; created="2025-10-22T16:09:39.782827Z" wins
    ["zap_xml/zap-extensions__basic-traditional-xml-plus.xml", { generatedAt: "2025-10-22T16:09:39.782Z" }],
  ])("%s", (file, expected) => {
    expect(metadataOf(zapXmlFormat.parse(loadSample(file), testContext))).toEqual(expected);
  });

  it("names nothing without a date", () => {
    expect(
      metadataOf(zapXmlFormat.parse(xml('<OWASPZAPReport version="2.9.0"><site name="x"/></OWASPZAPReport>'), testContext)),
    ).toEqual({});
  });
});
