// OWASP ZAP XML report: <OWASPZAPReport version><site name><alerts><alertitem>… (2.4.3 "unmerged" to 2.17).
import { ReportSchemaError, type Document, type FormatModule, type ParsedReport, type XmlElement } from "../types";
import { num, reportMetadata, str, xmlChild, xmlChildren, xmlText } from "../util";
import { zapConfidence, zapFindings, zapReportTime, type ZapAlert, type ZapInstance, type ZapSite } from "./zap-json";

const FORMAT = "zap-xml" as const;

function detect(doc: Document): boolean {
  return doc.type === "xml" && doc.value.name === "OWASPZAPReport";
}

function parse(doc: Document): ParsedReport {
  if (doc.type !== "xml" || doc.value.name !== "OWASPZAPReport") {
    throw new ReportSchemaError(FORMAT, "/", "expected an OWASPZAPReport root element");
  }
  const root = doc.value;
  const sites: ZapSite[] = xmlChildren(root, "site").map((site) => ({
    name: str(site.attrs.name),
    alerts: xmlChildren(site, "alerts")
      .flatMap((alerts) => xmlChildren(alerts, "alertitem"))
      .map(alertOf),
  }));
  const findings = zapFindings(sites);
  const version = str(root.attrs.version);
  const tool = { name: "ZAP", ...(version ? { version } : {}) };
  return {
    format: FORMAT,
    tool,
    parts: [{ tool, succeeded: true, findings }],
    evidence: ["dast"],
    ...reportMetadata(zapReportTime(root.attrs.created, root.attrs.generated)),
    warnings: [],
  };
}

function alertOf(item: XmlElement): ZapAlert {
  const listed = xmlChildren(xmlChild(item, "instances"), "instance").map(instanceOf);
  // ZAP 2.4.3 "unmerged" reports have no <instances>: the uri sits in the alertitem itself.
  const instances = listed.length > 0 ? listed : xmlText(item, "uri") ? [instanceOf(item)] : [];
  return {
    pluginId: xmlText(item, "pluginid"),
    alertRef: xmlText(item, "alertRef"),
    name: xmlText(item, "name") ?? xmlText(item, "alert"),
    riskcode: num(xmlText(item, "riskcode")),
    riskdesc: xmlText(item, "riskdesc"),
    confidence: zapConfidence(xmlText(item, "confidence")),
    desc: xmlText(item, "desc"),
    solution: xmlText(item, "solution"),
    reference: xmlText(item, "reference"),
    cweid: xmlText(item, "cweid"),
    wascid: xmlText(item, "wascid"),
    instances,
  };
}

function instanceOf(el: XmlElement): ZapInstance {
  return { uri: xmlText(el, "uri"), method: xmlText(el, "method"), param: xmlText(el, "param") };
}

export const zapXmlFormat: FormatModule<"zap-xml"> = { id: FORMAT, name: "OWASP ZAP XML", aliases: ["zap"], detect, parse };
