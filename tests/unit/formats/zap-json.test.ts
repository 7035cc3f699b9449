import { describe, expect, it } from "vitest";
import { zapJsonFormat, zapUrl } from "@/server/ingest/formats/zap-json";
import { ReportSchemaError, type Document, type ParsedReport } from "@/server/ingest/types";
import { describeFormatContract, type Metadata, metadataOf } from "@/tests/helpers/format-contract";
import { isMalformed, loadSample, manifest, testContext } from "@/tests/helpers/samples";

const json = (value: unknown): Document => ({ type: "json", value });
const all = (p: ParsedReport) => p.parts.flatMap((x) => x.findings);

// [file, findings, @version]. One finding per (alert, URL without query values, method, param):
// the manifest counts alerts (13 and 1); repeated instances that differ only by evidence collapse.
const SAMPLES: [string, number, string][] = [
  // 182 instances in 13 alerts; 166 distinct (alert, url, method, param), e.g. "Server Error" lists /celsius twice.
  ["zap_json/bootcampdevsecops-api_conversao__report_json.json", 166, "2.11.1"],
  // the golden alert has 2 identical instances (same uri, method, param): 1 finding
  ["zap_json/zap-extensions__basic-traditional-json.json", 1, "Dev Build"],
];

describeFormatContract(zapJsonFormat, { folders: ["zap_json"] });

describe("zap-json samples", () => {
  it("lists every zap_json sample of the manifest", () => {
    const rows = manifest().filter((r) => r.format === "zap_json" && !isMalformed(r));
    expect(rows.map((r) => r.file).sort()).toEqual(SAMPLES.map((s) => s[0]).sort());
  });

  it.each(SAMPLES)("%s", (file, findings, version) => {
    const doc = loadSample(file);
    expect(zapJsonFormat.detect(doc)).toBe(true);
    const p = zapJsonFormat.parse(doc, testContext);
    expect(p.tool).toEqual({ name: "ZAP", version });
    expect(all(p)).toHaveLength(findings);
    expect(p.evidence).toEqual(["dast"]);
  });

  it("maps an alert instance in detail and keeps no evidence", () => {
    const p = zapJsonFormat.parse(loadSample("zap_json/bootcampdevsecops-api_conversao__report_json.json"), testContext);
    const findings = all(p);
    expect(findings[0]).toMatchObject({
      kind: "dast",
      ruleId: "10055-4",
      title: "CSP: Wildcard Directive",
      severity: "medium",
      cwes: [693],
      location: {
        url: "https://api-service-edilsondmorais.cloud.okteto.net/docs",
        method: "GET",
        param: "Content-Security-Policy",
      },
      remediation:
        "Ensure that your web server, application server, load balancer, etc. is properly configured to set the Content-Security-Policy header.",
      properties: { pluginId: "10055", confidence: 3, wascId: 15 },
    });
    expect(findings[0]!.description).toMatch(/^Content Security Policy \(CSP\) is an added layer/);
    expect(findings[0]!.description).not.toContain("<p>");
    expect(findings[0]!.references).toContain("http://www.w3.org/TR/CSP2/");
    // riskcode 0 → info, 1 → low
    const byTitle = (t: string) => findings.filter((f) => f.title === t);
    expect(byTitle("Non-Storable Content")[0]!.severity).toBe("info");
    expect(byTitle("Application Error Disclosure")).toHaveLength(3);
    expect(byTitle("Application Error Disclosure")[0]!.severity).toBe("low");
    // Same plugin id 100000, two alerts: POST /login appears under both, as two findings.
    const login = findings.filter(
      (f) => f.ruleId === "100000" && f.location?.url?.endsWith("/login") && f.location.method === "POST",
    );
    expect(login.map((f) => f.title).sort()).toEqual([
      "A Client Error response code was returned by the server",
      "A Server Error response code was returned by the server",
    ]);
    const out = JSON.stringify(p);
    expect(out).not.toContain("X-Powered-By: Express");
    expect(out).not.toContain("default-src 'none'");
  });

  it("drops the golden's evidence, attack and otherinfo", () => {
    const p = zapJsonFormat.parse(loadSample("zap_json/zap-extensions__basic-traditional-json.json"), testContext);
    expect(all(p)[0]).toMatchObject({
      ruleId: "1",
      title: "XSS",
      severity: "high",
      cwes: [123],
      description: "XSS Description",
      location: { url: "http://example.com/example_3", method: "GET", param: "Test Param" },
      properties: { confidence: 2, wascId: 456 },
    });
    const out = JSON.stringify(p);
    expect(out).not.toContain("Evidence");
    expect(out).not.toContain("Attack");
    expect(out).not.toContain("Other");
  });
});

describe("zap-json shapes without a sample", () => {
  it("strips query-string values from URLs", () => {
    expect(zapUrl("http://h/vulnerabilities/brute/?Login=Login&password=ZAP&username=ZAP#frag")).toBe(
      "http://h/vulnerabilities/brute/?Login=&password=&username=",
    );
    expect(zapUrl("http://h/a")).toBe("http://h/a");
  });

  it("suppresses false positives (confidence 0) and collapses query-value variants", () => {
    const alert = (riskcode: string, confidence: string, uri: string) => ({
      pluginid: "40012",
      alertRef: "40012",
      alert: "Cross Site Scripting (Reflected)",
      name: "Cross Site Scripting (Reflected)",
      riskcode,
      confidence,
      riskdesc: "High (Medium)",
      desc: "<p>XSS</p>",
      instances: [{ uri, method: "GET", param: "q", attack: "<script>alert(1)</script>", evidence: "<script>alert(1)</script>" }],
      cweid: "79",
      wascid: "8",
    });
    const p = zapJsonFormat.parse(
      json({
        "@programName": "ZAP",
        "@version": "2.15.0",
        site: [
          {
            "@name": "https://app.example",
            alerts: [
              alert("3", "2", "https://app.example/search?q=abc"),
              alert("3", "0", "https://app.example/search?q=def"),
              alert("2", "0", "https://app.example/other?q=x"),
            ],
          },
        ],
      }),
      testContext,
    );
    const [search, other] = all(p);
    expect(all(p)).toHaveLength(2);
    expect(search).toMatchObject({ severity: "high", cwes: [79], location: { url: "https://app.example/search?q=" } });
    expect(search!.suppressed).toBeUndefined();
    expect(other).toMatchObject({ severity: "medium", suppressed: true });
    expect(JSON.stringify(p)).not.toContain("<script>");
  });

  it("parses the legacy export-report JSON (Report.Sites.Alerts.AlertItem)", () => {
    const doc = json({
      Report: {
        ReportVersion: "v1",
        Sites: {
          Port: 5050,
          Host: "localhost",
          Name: "http://localhost",
          SSL: false,
          Alerts: {
            AlertItem: [
              {
                RiskDesc: "High",
                Desc: "XSS",
                Item: {
                  Confidence: "Low",
                  Param: "search",
                  Evidence: "<script>",
                  Attack: "<script>",
                  URI: "POST : http://localhost:5050/search",
                },
                RiskCode: 3,
                CWEID: 79,
                WASCID: 8,
                Reference: "http://projects.webappsec.org/Cross-Site-Scripting\nhttp://cwe.mitre.org/data/definitions/79.html",
                Alert: "Cross Site Scripting (Reflected)",
                PluginID: 40012,
                Solution: "Encode output",
              },
              {
                RiskDesc: "Low",
                Desc: "nosniff",
                Item: [
                  { Confidence: "Medium", Param: "X-Content-Type-Options", URI: "POST : http://localhost:5050/login" },
                  { Confidence: "False Positive", Param: "X-Content-Type-Options", URI: "GET : http://localhost:5050/get/2" },
                ],
                RiskCode: 1,
                CWEID: 16,
                Alert: "X-Content-Type-Options Header Missing",
                PluginID: 10021,
              },
            ],
          },
        },
      },
    });
    expect(zapJsonFormat.detect(doc)).toBe(true);
    const p = zapJsonFormat.parse(doc, testContext);
    expect(p.tool).toEqual({ name: "ZAP" });
    const findings = all(p);
    expect(findings).toHaveLength(3);
    expect(findings[0]).toMatchObject({
      ruleId: "40012",
      severity: "high",
      cwes: [79],
      location: { url: "http://localhost:5050/search", method: "POST", param: "search" },
      references: ["http://projects.webappsec.org/Cross-Site-Scripting", "http://cwe.mitre.org/data/definitions/79.html"],
      remediation: "Encode output",
    });
    expect(findings[1]!.suppressed).toBeUndefined();
    expect(findings[2]).toMatchObject({ ruleId: "10021", severity: "low", location: { method: "GET" }, suppressed: true });
  });

  it("throws ReportSchemaError on a broken structure", () => {
    expect(() => zapJsonFormat.parse(json({ "@version": "2.11.1", site: 42 }), testContext)).toThrow(ReportSchemaError);
    expect(() => zapJsonFormat.parse(json({ "@version": "2.11.1", site: [{ alerts: {} }] }), testContext)).toThrow(
      ReportSchemaError,
    );
    expect(zapJsonFormat.detect(json({}))).toBe(false);
  });
});

describe("zap-json report metadata", () => {
  it.each<[string, Metadata]>([
    // `@generated` has no zone: read as UTC
    ["zap_json/bootcampdevsecops-api_conversao__report_json.json", { generatedAt: "2022-10-06T14:47:29.000Z" }],
    // ZAP 2.16+ also writes `created` in UTC, which wins
    ["zap_json/zap-extensions__basic-traditional-json.json", { generatedAt: "2025-10-29T10:53:54.857Z" }],
  ])("%s", (file, expected) => {
    expect(metadataOf(zapJsonFormat.parse(loadSample(file), testContext))).toEqual(expected);
  });

  it("names nothing without @generated, and no target (the sites vary from run to run)", () => {
    const r = zapJsonFormat.parse(
      json({ "@version": "2.11.1", site: [{ "@name": "https://example.com", alerts: [] }] }),
      testContext,
    );
    expect(metadataOf(r)).toEqual({});
  });
});
