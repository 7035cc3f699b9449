// CycloneDX XML (1.0–1.7): converted to the JSON shape and parsed by the JSON module.
// Pre-1.4 BOMs carry vulnerabilities in the extension namespace, usually inside each component.
import type { FormatModule, XmlElement } from "../types";
import { ReportSchemaError } from "../types";
import { type Obj, str, xmlChild, xmlChildren, xmlText } from "../util";
import { parseCycloneDxBom } from "./cyclonedx-json";

const BOM_NS = "http://cyclonedx.org/schema/bom/";
const VULN_EXT_NS = "http://cyclonedx.org/schema/ext/vulnerability/";

const isVulnExt = (el: XmlElement) => el.ns?.startsWith(VULN_EXT_NS) ?? false;

/** Children of a wrapper element (<components><component/>…</components>). */
const listOf = (el: XmlElement | undefined, wrapper: string, item: string): XmlElement[] =>
  xmlChildren(xmlChild(el, wrapper), item);

type Ctx = { extVulns: Obj[]; synthetic: number };

function convertComponent(el: XmlElement, ctx: Ctx): Obj {
  const c: Obj = {
    type: el.attrs.type,
    "bom-ref": el.attrs["bom-ref"],
    group: xmlText(el, "group"),
    name: xmlText(el, "name"),
    version: xmlText(el, "version"),
    purl: xmlText(el, "purl"),
    hashes: listOf(el, "hashes", "hash").map((h) => ({ alg: h.attrs.alg, content: h.text })),
    properties: listOf(el, "properties", "property").map((p) => ({ name: p.attrs.name, value: p.text })),
  };
  const nested = listOf(el, "components", "component");
  if (nested.length) c.components = nested.map((n) => convertComponent(n, ctx));
  // Extension-namespace vulnerabilities nested in a component apply to that component.
  const ext = el.children.filter((ch) => ch.name === "vulnerabilities" && isVulnExt(ch));
  for (const wrapper of ext) {
    for (const v of wrapper.children.filter((ch) => ch.name === "vulnerability")) {
      if (!c["bom-ref"]) c["bom-ref"] = `urn:gatehouse:xml-component:${++ctx.synthetic}`;
      ctx.extVulns.push({ ...convertExtVuln(v), affects: [{ ref: c["bom-ref"] }] });
    }
  }
  return c;
}

/** <v:vulnerability ref> of the vulnerability extension 1.0. */
function convertExtVuln(v: XmlElement): Obj {
  const source = xmlChild(v, "source");
  return {
    id: xmlText(v, "id"),
    source: source ? { name: source.attrs.name, url: xmlText(source, "url") } : undefined,
    ratings: listOf(v, "ratings", "rating").map((r) => ({
      score: xmlText(xmlChild(r, "score"), "base"),
      severity: xmlText(r, "severity"),
      method: xmlText(r, "method"),
      vector: xmlText(r, "vector"),
    })),
    cwes: listOf(v, "cwes", "cwe").map((c) => c.text),
    description: xmlText(v, "description"),
    recommendation: listOf(v, "recommendations", "recommendation")
      .map((r) => r.text)
      .filter(Boolean)
      .join("\n"),
    advisories: listOf(v, "advisories", "advisory").map((a) => ({ url: a.text })),
    affects: v.attrs.ref ? [{ ref: v.attrs.ref }] : [],
  };
}

/** <vulnerability> of the core schema (1.4+). */
function convertVuln(v: XmlElement): Obj {
  const source = xmlChild(v, "source");
  const analysis = xmlChild(v, "analysis");
  return {
    "bom-ref": v.attrs["bom-ref"],
    id: xmlText(v, "id"),
    source: source ? { name: xmlText(source, "name"), url: xmlText(source, "url") } : undefined,
    references: listOf(v, "references", "reference").map((r) => ({ id: xmlText(r, "id") })),
    ratings: listOf(v, "ratings", "rating").map((r) => {
      const rs = xmlChild(r, "source");
      return {
        source: rs ? { name: xmlText(rs, "name") } : undefined,
        score: xmlText(r, "score"),
        severity: xmlText(r, "severity"),
        method: xmlText(r, "method"),
        vector: xmlText(r, "vector"),
      };
    }),
    cwes: listOf(v, "cwes", "cwe").map((c) => c.text),
    description: xmlText(v, "description"),
    detail: xmlText(v, "detail"),
    recommendation: xmlText(v, "recommendation"),
    advisories: listOf(v, "advisories", "advisory").map((a) => ({ url: xmlText(a, "url") ?? a.text })),
    properties: listOf(v, "properties", "property").map((p) => ({ name: p.attrs.name, value: p.text })),
    tools: convertTools(xmlChild(v, "tools")),
    analysis: analysis ? { state: xmlText(analysis, "state"), justification: xmlText(analysis, "justification") } : undefined,
    affects: listOf(v, "affects", "target").map((t) => ({ ref: xmlText(t, "ref") })),
  };
}

/** <tools><tool/></tools> (≤1.4) or <tools><components><component/></components></tools> (1.5+). */
function convertTools(tools: XmlElement | undefined): Obj[] {
  if (!tools) return [];
  const items = [
    ...xmlChildren(tools, "tool"),
    ...listOf(tools, "components", "component"),
    ...listOf(tools, "services", "service"),
  ];
  return items.map((t) => ({ vendor: xmlText(t, "vendor"), name: xmlText(t, "name"), version: xmlText(t, "version") }));
}

export const cyclonedxXmlFormat: FormatModule<"cyclonedx-xml"> = {
  id: "cyclonedx-xml",
  name: "CycloneDX XML",
  aliases: ["cyclonedx"],
  detect: (doc) => doc.type === "xml" && doc.value.name === "bom" && (doc.value.ns?.startsWith(BOM_NS) ?? false),
  parse: (doc, ctx) => {
    if (doc.type !== "xml" || doc.value.name !== "bom") {
      throw new ReportSchemaError("cyclonedx-xml", "/", "expected a CycloneDX <bom> root element");
    }
    const root = doc.value;
    const ns = root.ns ?? "";
    const specVersion = ns.startsWith(BOM_NS) ? str(ns.slice(BOM_NS.length)) : undefined;
    const x: Ctx = { extVulns: [], synthetic: 0 };
    const metadata = xmlChild(root, "metadata");
    const metaComp = xmlChild(metadata, "component");
    const componentsEl = root.children.find((c) => c.name === "components" && !isVulnExt(c));
    const bom: Obj = {
      specVersion,
      metadata: {
        timestamp: xmlText(metadata, "timestamp"),
        tools: convertTools(xmlChild(metadata, "tools")),
        component: metaComp ? convertComponent(metaComp, { extVulns: [], synthetic: 0 }) : undefined,
      },
      components: componentsEl ? xmlChildren(componentsEl, "component").map((c) => convertComponent(c, x)) : undefined,
    };
    const core = root.children.find((c) => c.name === "vulnerabilities" && !isVulnExt(c));
    const topExt = root.children.filter((c) => c.name === "vulnerabilities" && isVulnExt(c));
    const vulns = [
      ...(core ? xmlChildren(core, "vulnerability").map(convertVuln) : []),
      ...topExt.flatMap((w) => xmlChildren(w, "vulnerability").map(convertExtVuln)),
      ...x.extVulns,
    ];
    // A vulnerabilities section (even an empty one) means the producer looked for vulnerabilities.
    const declaresExt = Object.entries(root.attrs).some(([k, v]) => k.startsWith("xmlns") && v.startsWith(VULN_EXT_NS));
    if (core || topExt.length || x.extVulns.length || declaresExt) bom.vulnerabilities = vulns;
    return parseCycloneDxBom("cyclonedx-xml", bom, ctx);
  },
};
