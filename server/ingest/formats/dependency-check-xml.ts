// OWASP Dependency-Check XML (schema 1.x and 2.x): converted to the JSON report shape.
import type { FormatModule, XmlElement } from "../types";
import { ReportSchemaError } from "../types";
import { type Obj, buildPurl, xmlChild, xmlChildren, xmlFind, xmlText } from "../util";
import { parseDependencyCheck } from "./dependency-check-json";

const NS = /^https?:\/\/jeremylong\.github\.io\/DependencyCheck\/dependency-check\.[\d.]+\.xsd$/;

/** All text-only children as an object ({baseScore: "7.5", attackVector: "NETWORK", …}). */
function fields(el: XmlElement | undefined): Obj | undefined {
  if (!el) return undefined;
  const o: Obj = {};
  for (const c of el.children) if (!c.children.length) o[c.name] = c.text;
  return o;
}

function convertVuln(v: XmlElement, suppressed: boolean): Obj {
  const v2 = fields(xmlChild(v, "cvssV2"));
  return {
    source: v.attrs.source ?? xmlText(v, "source"),
    name: xmlText(v, "name"),
    severity: xmlText(v, "severity"),
    // Schema 1.x flattens CVSS v2 into cvssScore/cvssAccessVector/…
    cvssv2: v2 ?? (xmlText(v, "cvssScore") ? { score: xmlText(v, "cvssScore") } : undefined),
    cvssv3: fields(xmlChild(v, "cvssV3")),
    cvssv4: fields(xmlChild(v, "cvssV4")),
    cwes: [...xmlChildren(xmlChild(v, "cwes"), "cwe").map((c) => c.text), ...xmlChildren(v, "cwe").map((c) => c.text)],
    description: xmlText(v, "description"),
    notes: xmlText(v, "notes"),
    references: xmlChildren(xmlChild(v, "references"), "reference").map((r) => ({ url: xmlText(r, "url") })),
    suppressed,
  };
}

/** Package ids: <package><id>purl</id> (2.x, sometimes nested twice), or a Maven identifier (1.x). */
function packagesOf(dep: XmlElement): Obj[] {
  const ids = xmlChild(dep, "identifiers");
  if (!ids) return [];
  const purls = xmlFind(ids, "package").map((p) => ({ id: xmlText(p, "id") }));
  if (purls.length) return purls;
  return xmlChildren(ids, "identifier")
    .filter((i) => i.attrs.type === "maven")
    .map((i) => {
      const [group, artifact, version] = (xmlText(i, "name") ?? "").split(":");
      return group && artifact ? { id: buildPurl("maven", `${group}/${artifact}`, version) } : {};
    });
}

function convertDependency(dep: XmlElement): Obj {
  const vulns: Obj[] = [];
  for (const wrapper of [...xmlChildren(dep, "vulnerabilities"), ...xmlChildren(dep, "suppressedVulnerabilities")]) {
    for (const v of wrapper.children) {
      if (v.name === "vulnerability") vulns.push(convertVuln(v, wrapper.name === "suppressedVulnerabilities"));
      else if (v.name === "suppressedVulnerability") vulns.push(convertVuln(v, true));
    }
  }
  return {
    fileName: xmlText(dep, "fileName"),
    filePath: xmlText(dep, "filePath"),
    packages: packagesOf(dep),
    vulnerabilities: vulns,
  };
}

export const dependencyCheckXmlFormat: FormatModule<"dependency-check-xml"> = {
  id: "dependency-check-xml",
  name: "OWASP Dependency-Check XML",
  aliases: ["dependency-check"],
  detect: (doc) => doc.type === "xml" && doc.value.name === "analysis" && NS.test(doc.value.ns ?? ""),
  parse: (doc) => {
    if (doc.type !== "xml" || doc.value.name !== "analysis") {
      throw new ReportSchemaError("dependency-check-xml", "/", "expected a Dependency-Check <analysis> root element");
    }
    const root = doc.value;
    const scanInfo = xmlChild(root, "scanInfo");
    const projectInfo = xmlChild(root, "projectInfo");
    return parseDependencyCheck("dependency-check-xml", {
      engineVersion: xmlText(scanInfo, "engineVersion"),
      reportDate: xmlText(projectInfo, "reportDate"),
      project: {
        name: xmlText(projectInfo, "name"),
        groupID: xmlText(projectInfo, "groupID"),
        artifactID: xmlText(projectInfo, "artifactID"),
      },
      dataSources: xmlChildren(scanInfo, "dataSource").map((d) => ({
        name: xmlText(d, "name"),
        timestamp: xmlText(d, "timestamp"),
      })),
      dependencies: xmlChildren(xmlChild(root, "dependencies"), "dependency").map(convertDependency),
      analysisExceptions: xmlChildren(xmlChild(scanInfo, "analysisExceptions"), "exception").length,
    });
  },
};
