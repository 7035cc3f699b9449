// The one finding model every parser produces. Pure data: no database, env or clock.
import type { FormatId } from "./formats";

export const SEVERITIES = ["critical", "high", "medium", "low", "info"] as const;
export type Severity = (typeof SEVERITIES)[number];

/** What kind of evidence a finding is; it decides the risk area (see risk-area.ts). */
export const FINDING_KINDS = [
  "code", // SAST: a flaw in first-party code
  "dependency", // SCA: a vulnerable package (library or OS package, in a repo or an image)
  "secret", // a credential in code, history or an image
  "iac", // infrastructure-as-code misconfiguration (Terraform, k8s, Dockerfile, …)
  "dast", // found by probing a running application
  "config", // insecure defaults of an image or host (Dockle, CIS checks)
  "posture", // CI/CD pipeline posture (OpenSSF Scorecard checks and similar)
  "license", // licence policy issue
] as const;
export type FindingKind = (typeof FINDING_KINDS)[number];

/** Evidence a scan provides for a commit; the gate's "required evidence" rules use these. */
export const EVIDENCE_KINDS = ["sast", "sca", "sbom", "secrets", "iac", "container", "dast", "posture", "config"] as const;
export type EvidenceKind = (typeof EVIDENCE_KINDS)[number];

export type ToolInfo = { name: string; version?: string };

export type PackageRef = {
  /** package-url, when the tool gives one or it can be built */
  purl?: string;
  /** npm, pypi, maven, golang, deb, apk, rpm, … (lower case, purl type when known) */
  ecosystem?: string;
  name: string;
  version?: string;
  fixedVersions: string[];
};

export type Location = {
  /** repository-relative path with forward slashes, no leading "./" or "/" when it can be made relative */
  file?: string;
  startLine?: number;
  endLine?: number;
  /** sha256 hex of the normalized snippet text; the snippet itself is not kept */
  snippetHash?: string;
  /** cloud / IaC resource (aws_s3_bucket.logs, Deployment/default/api, …) */
  resource?: string;
  /** DAST target */
  url?: string;
  method?: string;
  param?: string;
  /** container image reference */
  image?: string;
};

/** The result of redacting a secret: never the secret itself. */
export type RedactedSecret = { hash: string; preview: string };

export type RawFinding = {
  kind: FindingKind;
  /** rule / check / plugin id as the tool names it (or the vulnerability id for SCA) */
  ruleId: string;
  title: string;
  description?: string;
  severity: Severity;
  /** true when the tool gave no severity and a documented default was used */
  severityDefaulted?: boolean;
  /** primary vulnerability id (CVE-…, GHSA-…, OSV id …), SCA only */
  vulnerabilityId?: string;
  /** every other id of the same vulnerability (CVE, GHSA, vendor ids) */
  aliases: string[];
  cwes: number[];
  cvss?: { score?: number; vector?: string; version?: string };
  package?: PackageRef;
  location?: Location;
  secret?: RedactedSecret;
  /** a fingerprint the tool itself computed that survives code moving (SARIF partialFingerprints, …) */
  toolFingerprint?: string;
  remediation?: string;
  references?: string[];
  /** tool says suppressed / ignored / accepted: kept as evidence but never counted open */
  suppressed?: boolean;
  /** small, already redacted, tool-specific extras worth showing */
  properties?: Record<string, string | number | boolean>;
};

/** One part of a report that has its own tool and lifecycle scope (a SARIF run, …). */
export type ReportPart = {
  tool: ToolInfo;
  /** SARIF automationDetails.id / category, or similar: narrows the lifecycle scope */
  category?: string;
  /** false when the tool says its run failed: the part closes nothing */
  succeeded: boolean;
  failureReason?: string;
  findings: RawFinding[];
};

export type SbomSummary = { format: "cyclonedx" | "spdx"; specVersion?: string; components: number };

export type ParsedReport = {
  format: FormatId;
  /** the main tool (the first part's tool for multi-part reports) */
  tool: ToolInfo;
  parts: ReportPart[];
  evidence: EvidenceKind[];
  /** ISO time the scanner's vulnerability database was built, when the report says */
  scannerDbBuiltAt?: string;
  sbom?: SbomSummary;
  /** When the scanner produced the report, as the report itself records it: ISO 8601 in UTC ("…Z"). Absent when the format does not record it or the value is not a valid date. */
  generatedAt?: string;
  /** generatedAt was written without a zone and read as UTC, so it may be off by the producer's UTC offset (older ZAP) */
  generatedAtZoneless?: boolean;
  /** Digests of the image or artifact the report says it scanned, each "sha256:<64 lowercase hex>", most specific first: the registry manifest digest (e.g. Trivy Metadata.RepoDigests, Grype repoDigests/manifestDigest) before the image/config id (ImageID). Absent when the report names none (filesystem/source scans). */
  artifactDigests?: string[];
  /** What was scanned, stable across builds so a later scan of the same thing replaces it: an image repository without tag or digest ("ghcr.io/acme/app"; "library/python" style normalisation is NOT wanted, keep what the report says minus tag/digest), a path ("packages/web"), or a project name. Absent when unknown. */
  target?: string;
  /** @deprecated the first of artifactDigests (parsers set both); read artifactDigests */
  artifactDigest?: string;
  warnings: string[];
};

/** Every format id, derived from the registry in ./formats/index.ts (one line per format). */
export type { FormatId };

/** A decoded report body, before its format is known. */
export type Document =
  | {
      type: "json";
      value: unknown;
      /** a large document read lazily (lazy-json.ts): checks the records the parser did not read; run once it is done */
      checkUnread?: () => void;
    }
  | { type: "ndjson"; values: unknown[] }
  | { type: "xml"; value: XmlElement }
  | YamlDocument;

/** A YAML mapping (pipeline definitions only): the data, its text, and where each path starts. */
export type YamlDocument = {
  type: "yaml";
  value: Record<string, unknown>;
  text: string;
  /** 1-based line of the mapping key or sequence item at this path, when it is in the text (not merged in) */
  lineOf: (path: readonly (string | number)[]) => number | undefined;
};

/**
 * XML as a small, namespace-aware tree. Attributes keep their prefixed names;
 * `ns` is the resolved namespace URI of the element.
 */
export type XmlElement = {
  name: string; // local name
  prefix?: string;
  ns?: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string; // concatenated direct text / CDATA content, trimmed
};

export type ParseContext = {
  /** Turns a secret into a salted hash + masked preview. Parsers call it on every secret value. */
  redact: (secret: string) => RedactedSecret;
  /** sha256 hex of a text (snippet hashes). Injected so parsers stay free of node:* imports. */
  hash: (text: string) => string;
  /** the uploaded file's path in its repository, when the uploader named it (pipeline definitions use it) */
  sourcePath?: string;
};

/** A format's parser. Annotate each module with its literal id (`FormatModule<"trivy-json">`): FormatId is derived from them. */
export type FormatModule<Id extends string = FormatId> = {
  id: Id;
  /** a human name, e.g. "Trivy JSON" */
  name: string;
  /** friendly names pipelines may send as `format=` ("trivy", "semgrep"); several formats may share one */
  aliases?: readonly string[];
  /** true when this document is this format (cheap: look at keys, not every element) */
  detect: (doc: Document) => boolean;
  /** throws ReportSchemaError for a well-formed document that breaks the format's schema */
  parse: (doc: Document, ctx: ParseContext) => ParsedReport;
};

/** A well-formed report that breaks its format's schema: 422. */
export class ReportSchemaError extends Error {
  constructor(
    readonly format: FormatId,
    readonly path: string,
    message: string,
  ) {
    super(`${path}: ${message}`);
    this.name = "ReportSchemaError";
  }
}
