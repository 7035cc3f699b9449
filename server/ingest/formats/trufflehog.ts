// TruffleHog JSON: v3 NDJSON (SourceMetadata + DetectorName), v3 records wrapped in an array, and v2 NDJSON.
import {
  ReportSchemaError,
  type Document,
  type FormatId,
  type FormatModule,
  type ParseContext,
  type RawFinding,
  type ToolInfo,
} from "../types";
import { isObj, line, normalizePath, plainText, str, type Obj } from "../util";

const TOOL: ToolInfo = { name: "TruffleHog" };

const isV3 = (o: Obj) => isObj(o.SourceMetadata) && ("DetectorName" in o || "DetectorType" in o);
/** v2 records; trufflehog3's legacy output has the same record shape inside a JSON array. */
export const isLegacyRecord = (o: Obj) => "stringsFound" in o && "reason" in o && ("commitHash" in o || "path" in o);

export const trufflehogFormat: FormatModule<"trufflehog"> = {
  id: "trufflehog",
  name: "TruffleHog JSON",
  detect(doc) {
    if (doc.type === "ndjson") {
      const first = doc.values[0];
      return isObj(first) && (isV3(first) || isLegacyRecord(first));
    }
    if (doc.type !== "json") return false;
    // An array of v3 records is post-processed output; an array of v2-shaped records is trufflehog3 legacy.
    if (Array.isArray(doc.value)) return isObj(doc.value[0]) && isV3(doc.value[0]);
    // A one-record NDJSON stream decodes as a single JSON object.
    return isObj(doc.value) && (isV3(doc.value) || isLegacyRecord(doc.value));
  },
  parse(doc, ctx) {
    const findings: RawFinding[] = [];
    let skipped = 0;
    records(doc).forEach((o, i) => {
      if (!isObj(o)) throw new ReportSchemaError("trufflehog", `[${i}]`, "expected a TruffleHog result object");
      if (isV3(o)) findings.push(v3Finding(o, ctx));
      else if ("stringsFound" in o) findings.push(...legacyFindings(o, ctx, "trufflehog", `[${i}]`));
      else skipped++;
    });
    const warnings = skipped ? [`Skipped ${skipped} record(s) that are not TruffleHog results.`] : [];
    return {
      format: "trufflehog",
      tool: TOOL,
      parts: [{ tool: TOOL, succeeded: true, findings }],
      evidence: ["secrets"],
      warnings,
    };
  },
};

function records(doc: Document): unknown[] {
  if (doc.type === "ndjson") return doc.values;
  if (doc.type !== "json") throw new ReportSchemaError("trufflehog", "$", "expected TruffleHog JSON lines");
  if (doc.value === null) return [];
  if (Array.isArray(doc.value)) return doc.value;
  if (isObj(doc.value)) return Object.keys(doc.value).length === 0 ? [] : [doc.value];
  throw new ReportSchemaError("trufflehog", "$", "expected TruffleHog JSON lines");
}

function v3Finding(o: Obj, ctx: ParseContext): RawFinding {
  const detector = str(o.DetectorName) ?? `detector-${str(o.DetectorType) ?? "unknown"}`;
  const verified = o.Verified === true;
  // The first source entry (Git, Github, Filesystem, Docker, S3…) says where the secret was found.
  const data = isObj(o.SourceMetadata) && isObj(o.SourceMetadata.Data) ? o.SourceMetadata.Data : {};
  const src = Object.values(data).find(isObj) ?? {};
  const file = normalizePath(src.file ?? src.path ?? src.filename);
  const startLine = line(src.line);
  const image = str(src.image);
  const resource = str(src.bucket);
  const link = str(src.link);
  // Old v3 versions base64-encode Raw ([]byte); newer ones write it as text. Either way it is only hashed.
  const raw = str(o.Raw) ?? str(o.RawV2) ?? str(o.Redacted);

  const properties: Record<string, string | number | boolean> = { verified };
  const commit = str(src.commit);
  if (commit) properties.commit = commit;
  const sourceName = str(o.SourceName);
  if (sourceName) properties.source = sourceName;
  const decoder = str(o.DecoderName);
  if (decoder) properties.decoder = decoder;
  // The verification error text can quote the credential (URIs with passwords): only its presence is kept.
  if (str(o.VerificationError)) properties.verificationFailed = true;

  // Raw, RawV2, Redacted, ExtraData and StructuredData are never copied.
  return compact<RawFinding>({
    kind: "secret",
    ruleId: detector,
    title: `${detector} secret`,
    description: plainText(o.DetectorDescription, 1000),
    // TruffleHog has no severity; it proves a credential live or not: verified → critical, unverified → high
    severity: verified ? "critical" : "high",
    aliases: [],
    cwes: [],
    location: file || startLine || image || resource ? compact({ file, startLine, image, resource }) : undefined,
    secret: raw ? ctx.redact(raw) : undefined,
    references: link && /^https?:\/\//i.test(link) ? [link] : undefined,
    properties,
  });
}

/**
 * TruffleHog v2 / trufflehog3 legacy record: one commit diff, one reason, several strings found.
 * Each distinct string is its own secret, so it is its own finding. diff and printDiff are never copied.
 */
export function legacyFindings(o: Obj, ctx: ParseContext, format: FormatId, at: string): RawFinding[] {
  const strings = o.stringsFound;
  if (!Array.isArray(strings)) throw new ReportSchemaError(format, `${at}.stringsFound`, "expected an array of strings");
  const reason = str(o.reason) ?? "secret";
  const file = normalizePath(o.path);
  const properties: Record<string, string | number | boolean> = {};
  const commit = str(o.commitHash);
  if (commit) properties.commit = commit;
  const branch = str(o.branch);
  if (branch) properties.branch = branch;
  const seen = new Set<string>();
  const out: RawFinding[] = [];
  for (const s of strings) {
    const value = str(s);
    if (value === undefined || seen.has(value)) continue;
    seen.add(value);
    out.push(
      compact<RawFinding>({
        kind: "secret",
        ruleId: reason,
        title: reason,
        // these versions neither rate nor verify secrets: a leaked credential is high until triaged
        severity: "high",
        severityDefaulted: true,
        aliases: [],
        cwes: [],
        location: file ? { file } : undefined,
        secret: ctx.redact(value),
        properties: Object.keys(properties).length ? { ...properties } : undefined,
      }),
    );
  }
  return out;
}

/** Drops undefined fields, so findings serialize and compare cleanly. */
export function compact<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
