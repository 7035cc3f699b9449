// yarn audit: yarn 1 `yarn audit --json` (NDJSON of {type, data}), yarn berry `yarn npm audit --json`
// (NDJSON of {value, children}), and old berry's single npm-6-shaped document. The npm 6 shape is told
// apart from npm's own output by the missing runId (npm 6 adds it; berry printed the registry response).
import type { Document, FormatModule, ParsedReport, RawFinding, ToolInfo } from "../types";
import { ReportSchemaError } from "../types";
import { type Obj, asArray, buildPurl, findVulnId, isObj, severityFromWord, str } from "../util";
import { failedReport, fixedFromVulnerable, isNpm6Shape, mutedIds, npm6AdvisoryFindings, npm6Report } from "./npm-audit";

const TOOL: ToolInfo = { name: "yarn audit" };

/** A yarn 1 reporter line ({"type":"auditAdvisory"|"info"|…,"data":…}). */
const isYarn1Line = (o: unknown): o is Obj =>
  isObj(o) &&
  typeof o.type === "string" &&
  "data" in o &&
  /^(audit[A-Za-z]+|info|warning|error|step|success|log|activity[A-Za-z]+|progress[A-Za-z]+)$/.test(o.type);
const isBerryLine = (o: unknown): o is Obj => isObj(o) && typeof o.value === "string" && isObj(o.children);

/** The JSON values of the document: NDJSON lines, or the single line a one-record output decodes to. */
function linesOf(doc: Document): unknown[] {
  if (doc.type === "ndjson") return doc.values;
  if (doc.type === "json") return Array.isArray(doc.value) ? doc.value : [doc.value];
  return [];
}

const dataText = (o: Obj): string | undefined => str(o.data) ?? (isObj(o.data) ? str(o.data.message) : undefined);

function parseYarn1(lines: Obj[]): ParsedReport {
  const advisories = new Map<string, Obj>();
  let summary = false;
  for (const l of lines) {
    if (l.type === "auditSummary") summary = true;
    if (l.type !== "auditAdvisory" || !isObj(l.data) || !isObj(l.data.advisory)) continue;
    const a = l.data.advisory;
    const id = str(a.id) ?? str(a.github_advisory_id) ?? String(advisories.size);
    // yarn 1 prints one line per dependency path; each repeats the advisory: merge their installed versions.
    const prev = advisories.get(id);
    advisories.set(id, prev ? { ...prev, findings: [...asArray(prev.findings), ...asArray(a.findings)] } : a);
  }
  if (!summary && advisories.size === 0) {
    const errors = lines
      .filter((l) => l.type === "error")
      .map(dataText)
      .filter(Boolean);
    const reason = errors.join("\n") || "yarn audit printed no audit result";
    return failedReport("yarn-audit", TOOL, reason);
  }
  const findings = [...advisories.values()].flatMap((a) => npm6AdvisoryFindings(a, mutedIds(undefined)));
  return {
    format: "yarn-audit",
    tool: TOOL,
    parts: [{ tool: TOOL, succeeded: true, findings }],
    evidence: ["sca"],
    warnings: [],
  };
}

/** yarn berry: one line per vulnerable package and advisory; one finding per installed ("tree") version. */
function parseBerry(lines: Obj[]): ParsedReport {
  const findings: RawFinding[] = [];
  let deprecations = 0;
  for (const l of lines) {
    const name = str(l.value) ?? "unknown";
    const c = l.children as Obj;
    const rawId = str(c.ID) ?? "unknown";
    if (/\(deprecation\)/i.test(rawId)) {
      deprecations++;
      continue;
    }
    const ghsa = findVulnId(c.URL);
    const vulnerabilityId = ghsa?.startsWith("GHSA-") ? ghsa : rawId;
    const word = severityFromWord(c.Severity);
    const range = str(c["Vulnerable Versions"]);
    const versions = [...new Set(asArray(c["Tree Versions"]).map((v) => str(v)))];
    if (!versions.length) versions.push(undefined);
    for (const version of versions) {
      const f: RawFinding = {
        kind: "dependency",
        ruleId: rawId,
        title: `${str(c.Issue) ?? vulnerabilityId} in ${name}${version ? `@${version}` : ""}`,
        // The registry always rates advisories; an unrated one is kept at medium so it stays visible.
        severity: word ?? "medium",
        vulnerabilityId,
        aliases: vulnerabilityId !== rawId ? [rawId] : [],
        cwes: [],
        package: {
          purl: buildPurl("npm", name, version),
          ecosystem: "npm",
          name,
          version,
          fixedVersions: fixedFromVulnerable(range),
        },
        references: [str(c.URL)].filter((u): u is string => !!u),
      };
      if (!word) f.severityDefaulted = true;
      if (range) f.properties = { vulnerableRange: range };
      findings.push(f);
    }
  }
  const warnings = deprecations
    ? [`${deprecations} deprecation notice(s) skipped: a deprecated package is not a vulnerability.`]
    : [];
  return { format: "yarn-audit", tool: TOOL, parts: [{ tool: TOOL, succeeded: true, findings }], evidence: ["sca"], warnings };
}

export const yarnAuditFormat: FormatModule<"yarn-audit"> = {
  id: "yarn-audit",
  name: "yarn audit JSON",
  aliases: ["yarn"],
  detect: (doc) => {
    if (doc.type === "ndjson") return doc.values.every(isYarn1Line) || isBerryLine(doc.values[0]);
    if (doc.type !== "json") return false;
    const v = doc.value;
    // A single-line output decodes as plain JSON.
    if (isYarn1Line(v)) return /^audit/.test(String(v.type));
    return isBerryLine(v) || (isNpm6Shape(v) && !("runId" in v));
  },
  parse: (doc) => {
    if (doc.type === "json" && isNpm6Shape(doc.value)) return npm6Report("yarn-audit", TOOL, doc.value);
    const lines = linesOf(doc);
    if (doc.type === "json" && (doc.value === null || (Array.isArray(doc.value) && doc.value.length === 0))) {
      return {
        format: "yarn-audit",
        tool: TOOL,
        parts: [{ tool: TOOL, succeeded: true, findings: [] }],
        evidence: ["sca"],
        warnings: [],
      };
    }
    if (lines.length && lines.every(isBerryLine)) return parseBerry(lines as Obj[]);
    const bad = lines.findIndex((l) => !isYarn1Line(l) && !isBerryLine(l));
    if (bad >= 0 || !lines.length) {
      throw new ReportSchemaError(
        "yarn-audit",
        `[${Math.max(bad, 0)}]`,
        'expected yarn audit JSON lines ({"type","data"} or {"value","children"})',
      );
    }
    return parseYarn1(lines.filter(isYarn1Line));
  },
};
