// What an upload is evidence of, decided from the report and the upload's parameters: when the scan ran, which
// artifact it is bound to, and what it scanned. Pure: the receipt time comes in as `receivedAt`.
import { DomainError } from "../errors";

/** A report may be dated this far after its receipt (clock skew between the runner and Gatehouse), no further. */
export const FUTURE_TOLERANCE_MS = 5 * 60_000;
/** A time written without a zone may be off by the producer's UTC offset, at most 14 hours (UTC+14). */
export const ZONELESS_TOLERANCE_MS = 14 * 3_600_000 + FUTURE_TOLERANCE_MS;

export type ReportMetaInput = {
  receivedAt: Date;
  params: { artifact?: string; category?: string; scannerDbUpdatedAt?: string };
  report: {
    generatedAt?: string;
    /** generatedAt had no zone and was read as UTC */
    generatedAtZoneless?: boolean;
    artifactDigests?: readonly string[];
    /** the single digest older parsers return */
    artifactDigest?: string;
    target?: string;
    scannerDbBuiltAt?: string;
  };
};

export type ReportMeta = {
  /** the time the report says it was produced, as it says it */
  generatedAt: Date | null;
  /** evidence time: the report's own time, never later than the upload */
  scannedAt: Date;
  artifact: string | null;
  artifactSource: "parameter" | "report" | null;
  /** every digest the report names as its subject (lower case) */
  reportDigests: string[];
  target: string;
  /** an explicit category for every part of the report, as GitHub code scanning's upload takes it */
  category: string | null;
  scannerDbBuiltAt: Date | null;
  warnings: string[];
};

const DIGEST = /^sha256:[0-9a-f]{64}$/;

function parseDate(s: string | undefined): Date | null {
  if (s === undefined || s.trim() === "") return null;
  const d = new Date(s);
  return Number.isNaN(d.getTime()) ? null : d;
}

/** "2026-01-02T03:04:05.000Z", or "in 2 hours" style for messages. */
const iso = (d: Date) => d.toISOString();

export function resolveReportMeta(input: ReportMetaInput): ReportMeta {
  const { receivedAt, params, report } = input;
  const warnings: string[] = [];
  const latest = receivedAt.getTime() + FUTURE_TOLERANCE_MS;

  const generatedAt = parseDate(report.generatedAt);
  const zoneless = report.generatedAtZoneless === true;
  if (generatedAt && generatedAt.getTime() > (zoneless ? receivedAt.getTime() + ZONELESS_TOLERANCE_MS : latest)) {
    throw new DomainError(
      "unprocessable",
      `The report says it was produced at ${iso(generatedAt)}, after its upload at ${iso(receivedAt)} (more than 5 minutes ahead). ` +
        "Check the clock of the machine that ran the scanner.",
      "report-from-the-future",
      { generatedAt: iso(generatedAt), receivedAt: iso(receivedAt) },
    );
  }
  const scannedAt = generatedAt && generatedAt.getTime() < receivedAt.getTime() ? generatedAt : receivedAt;
  if (zoneless && generatedAt && generatedAt.getTime() > latest)
    warnings.push(
      `The report's time (${report.generatedAt}, written without a time zone and read as UTC) is after its upload: ` +
        "the scan is dated by its upload instead.",
    );

  const reportDigests = [
    ...new Set(
      [...(report.artifactDigests ?? []), ...(report.artifactDigest ? [report.artifactDigest] : [])]
        .map((d) => d.trim().toLowerCase())
        .filter((d) => DIGEST.test(d)),
    ),
  ];
  let artifact: string | null = params.artifact ?? null;
  let artifactSource: ReportMeta["artifactSource"] = artifact ? "parameter" : null;
  if (artifact && reportDigests.length > 0 && !reportDigests.includes(artifact)) {
    throw new DomainError(
      "unprocessable",
      `The report scanned ${reportDigests.join(" / ")}, not the artifact ${artifact} it was uploaded for. ` +
        "Upload it with the digest it names (or without artifact=), or scan the artifact you mean.",
      "artifact-mismatch",
      { artifact, reportDigests },
    );
  }
  if (!artifact && reportDigests[0]) {
    artifact = reportDigests[0];
    artifactSource = "report";
    warnings.push(`Bound to ${artifact}, the image digest the report names (no artifact= was given).`);
  }

  let scannerDbBuiltAt = parseDate(report.scannerDbBuiltAt);
  const stated = parseDate(params.scannerDbUpdatedAt);
  if (params.scannerDbUpdatedAt !== undefined && !stated)
    throw new DomainError("bad_request", "scanner_db_updated_at must be an ISO 8601 date-time.", "validation-error");
  if (stated && stated.getTime() > latest)
    throw new DomainError("bad_request", "scanner_db_updated_at is in the future.", "validation-error");
  if (!scannerDbBuiltAt && stated) scannerDbBuiltAt = stated;
  else if (scannerDbBuiltAt && stated && Math.abs(scannerDbBuiltAt.getTime() - stated.getTime()) > 86_400_000)
    warnings.push(
      `scanner_db_updated_at (${iso(stated)}) disagrees with the report's own database time (${iso(scannerDbBuiltAt)}); the report's is used.`,
    );

  return {
    generatedAt,
    scannedAt,
    artifact,
    artifactSource,
    reportDigests,
    target: (report.target ?? "").trim().slice(0, 500),
    category: params.category?.trim() ? params.category.trim() : null,
    scannerDbBuiltAt,
    warnings,
  };
}
