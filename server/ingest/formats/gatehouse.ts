// Gatehouse generic JSON: the documented format for tools Gatehouse has no parser for (docs/formats/gatehouse-generic.md).
import { z } from "zod";
import {
  EVIDENCE_KINDS,
  FINDING_KINDS,
  ReportSchemaError,
  SEVERITIES,
  type FormatModule,
  type ParseContext,
  type RawFinding,
  type ToolInfo,
} from "../types";
import { maskSecretIn } from "../redact";
import {
  buildPurl,
  canonicalVulnId,
  isObj,
  normalizePath,
  parsePurl,
  parseTimestamp,
  plainText,
  reportMetadata,
  uniqueIds,
} from "../util";
import { evidenceFor } from "./tool-kinds";

const text = z.string().trim().min(1);

const locationSchema = z
  .object({
    file: text.optional().describe("repository-relative path"),
    startLine: z.number().int().positive().optional(),
    endLine: z.number().int().positive().optional(),
    snippet: z.string().optional().describe("code at the location; only its hash is kept"),
    resource: text.optional().describe("cloud or IaC resource, e.g. aws_s3_bucket.logs"),
    url: text.optional().describe("DAST target URL"),
    method: text.optional(),
    param: text.optional(),
    image: text.optional().describe("container image reference"),
  })
  .refine((l) => l.startLine === undefined || l.endLine === undefined || l.endLine >= l.startLine, {
    message: "endLine is before startLine",
    path: ["endLine"],
  });

const packageSchema = z.object({
  purl: z.string().startsWith("pkg:").optional(),
  ecosystem: text.optional().describe("purl type: npm, pypi, maven, golang, deb, …"),
  name: text,
  version: text.optional(),
  fixedVersions: z.array(text).optional(),
});

const findingSchema = z.object({
  kind: z.enum(FINDING_KINDS),
  ruleId: text.describe("rule / check id, or the vulnerability id for dependencies"),
  title: text,
  severity: z.enum(SEVERITIES),
  description: z.string().optional(),
  vulnerabilityId: text.optional().describe("CVE-…, GHSA-…, or another advisory id"),
  aliases: z.array(text).optional(),
  cwe: z.array(z.number().int().positive()).optional(),
  cvss: z
    .object({
      score: z.number().min(0).max(10).optional(),
      vector: text.optional(),
      version: text.optional(),
    })
    .optional(),
  package: packageSchema.optional(),
  location: locationSchema.optional(),
  secret: z.string().min(1).optional().describe("the secret value; redacted on ingest, never stored"),
  fingerprint: text.optional().describe("the tool's own stable id for this finding (must not contain line numbers)"),
  remediation: z.string().optional(),
  references: z.array(z.url()).optional(),
  suppressed: z.boolean().optional().describe("the tool marks this finding accepted / ignored"),
});

export const gatehouseReportSchema = z
  .object({
    gatehouse: z.literal("1").describe("format version"),
    tool: z.object({ name: text, version: text.optional() }),
    evidence: z.array(z.enum(EVIDENCE_KINDS)).optional().describe("what the scan covered; derived from the findings when absent"),
    generatedAt: z.iso
      .datetime({ offset: true })
      .optional()
      .describe("when the scanner produced the report: ISO 8601 with Z or an offset"),
    artifact: z
      .string()
      .trim()
      .regex(/^sha256:[0-9a-fA-F]{64}$/, "expected sha256:<64 hex digits>")
      .optional()
      .describe("digest of the image or artifact scanned"),
    target: text.optional().describe("what was scanned: image repository, path or project name, without tag or digest"),
    findings: z.array(findingSchema),
  })
  .describe("Gatehouse generic report");

export type GatehouseReport = z.infer<typeof gatehouseReportSchema>;
type GatehouseFinding = z.infer<typeof findingSchema>;

/** ["findings", 3, "severity"] → "findings[3].severity"; the root is "$". */
function issuePath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const p of path) out += typeof p === "number" ? `[${p}]` : out === "" ? String(p) : `.${String(p)}`;
  return out || "$";
}

export const gatehouseFormat: FormatModule<"gatehouse"> = {
  id: "gatehouse",
  name: "Gatehouse generic JSON",
  aliases: ["generic"],
  detect(doc) {
    return doc.type === "json" && isObj(doc.value) && "gatehouse" in doc.value;
  },
  parse(doc, ctx) {
    if (doc.type !== "json") throw new ReportSchemaError("gatehouse", "$", "expected a JSON object");
    const v = doc.value;
    // Empty documents named explicitly as this format carry nothing: zero findings, like every other format.
    if (v === null || (Array.isArray(v) && v.length === 0) || (isObj(v) && Object.keys(v).length === 0)) {
      const tool: ToolInfo = { name: "unknown" };
      return {
        format: "gatehouse",
        tool,
        parts: [{ tool, succeeded: true, findings: [] }],
        evidence: [],
        warnings: [],
      };
    }
    const parsed = gatehouseReportSchema.safeParse(v);
    if (!parsed.success) {
      const [first, ...rest] = parsed.error.issues;
      const more = rest.length ? ` (and ${rest.length} more problem${rest.length > 1 ? "s" : ""})` : "";
      throw new ReportSchemaError("gatehouse", issuePath(first?.path ?? []), `${first?.message ?? "invalid report"}${more}`);
    }
    const report = parsed.data;
    const tool: ToolInfo = report.tool.version
      ? { name: report.tool.name, version: report.tool.version }
      : { name: report.tool.name };
    const findings = report.findings.map((f) => finding(f, ctx));
    const evidence = [...new Set(report.evidence ?? evidenceFor(findings.map((f) => f.kind)))];
    return {
      format: "gatehouse",
      tool,
      parts: [{ tool, succeeded: true, findings }],
      evidence,
      ...reportMetadata({
        generatedAt: parseTimestamp(report.generatedAt),
        digests: [report.artifact],
        target: report.target,
      }),
      warnings: [],
    };
  },
};

function finding(g: GatehouseFinding, ctx: ParseContext): RawFinding {
  // Any text that quotes the secret gets it masked before it is kept (or hashed, for the snippet).
  const mask = (s: string) => (g.secret ? maskSecretIn(s, g.secret) : s);
  const f: RawFinding = {
    kind: g.kind,
    ruleId: mask(g.ruleId),
    title: mask(g.title),
    severity: g.severity,
    aliases: [],
    cwes: [...new Set(g.cwe ?? [])].sort((a, b) => a - b),
  };
  const description = plainText(g.description && mask(g.description));
  if (description) f.description = description;
  if (g.vulnerabilityId) f.vulnerabilityId = canonicalVulnId(g.vulnerabilityId);
  f.aliases = uniqueIds(g.aliases ?? []).filter((a) => a !== f.vulnerabilityId);
  if (g.cvss && (g.cvss.score !== undefined || g.cvss.vector || g.cvss.version)) f.cvss = { ...g.cvss };
  if (g.package) {
    const p = g.package;
    const ecosystem = p.ecosystem?.toLowerCase() ?? parsePurl(p.purl)?.type;
    const purl = p.purl ?? (ecosystem ? buildPurl(ecosystem, p.name, p.version) : undefined);
    f.package = {
      ...(purl ? { purl } : {}),
      ...(ecosystem ? { ecosystem } : {}),
      name: p.name,
      ...(p.version ? { version: p.version } : {}),
      fixedVersions: [...new Set(p.fixedVersions ?? [])],
    };
  }
  if (g.location) {
    const { file, snippet, ...rest } = g.location;
    const path = normalizePath(file);
    f.location = {
      ...(path ? { file: path } : {}),
      ...Object.fromEntries(Object.entries(rest).filter(([, x]) => x !== undefined)),
      ...(snippet?.trim() ? { snippetHash: ctx.hash(mask(snippet).trim()) } : {}),
    };
  }
  if (g.secret) f.secret = ctx.redact(g.secret);
  if (g.fingerprint) f.toolFingerprint = g.fingerprint;
  const remediation = g.remediation && plainText(mask(g.remediation));
  if (remediation) f.remediation = remediation;
  if (g.references?.length) f.references = [...new Set(g.references)].slice(0, 10);
  if (g.suppressed) f.suppressed = true;
  return f;
}
