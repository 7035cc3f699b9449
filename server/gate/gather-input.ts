// What the gate reads at a commit: every scan of it (within the artifact binding), every finding those scans saw
// (evidence at a commit only accumulates), the waivers that may apply, the decision at the previous stage and the
// scorecard grade.
import { and, desc, eq, sql, type SQL } from "drizzle-orm";
import { queryRows } from "@/db/client";
import { arrayLiteral } from "../ingest/write-findings";
import { gateDecisions, scoreSnapshots } from "@/db/schema";
import type { ServiceContext } from "../context";
import type { EvidenceKind, FindingKind, Severity } from "../ingest/types";
import type { Policy } from "./policy";
import type { GateEvidence, GateFinding, GateInput } from "./types";
import { waiversFor } from "./waivers";
import { kevCatalogEntries, kevMatches } from "../intel/match";
import { sortMostSevereFirst } from "./decide";
import { decodeKeptFindings, encodeKeptFindings, keepInput, readKeptText, scansKeyOf, type KeepAt } from "./kept-input";

/** What the decision's attestation names of each scan (attest-decision.ts). */
export type EvidenceScan = { id: string; tool: string; format: string; reportSha256: string };

const asDate = (v: string | Date) => (v instanceof Date ? v : new Date(v));

type ScanRow = {
  id: string;
  commit: string;
  tool_name: string;
  evidence: string[];
  status: "complete" | "failed";
  received_at: string | Date;
  scanned_at: string | Date;
  scanner_db_built_at: string | Date | null;
  artifact: string | null;
  format: string;
  report_sha256: string;
};

type FindingRow = {
  id: string;
  fingerprint: string;
  merged_fingerprints: string[];
  severity: Severity;
  risk_area: number;
  kind: FindingKind;
  rule_id: string;
  title: string;
  vulnerability_id: string | null;
  aliases: string[];
  first_seen_at: string | Date;
  package_name: string | null;
  package_version: string | null;
  fixed_versions: string[];
  file: string | null;
};

/** Everything the pure evaluation reads for one commit (and artifact): the gate and its preview share it. */
export async function gatherGateInput(
  tx: ServiceContext,
  serviceId: string,
  stage: { slug: string; previous: string | null },
  commit: string,
  artifact: string | null,
  policy: Policy,
  opts: { keep: boolean },
): Promise<GateInput & { evidenceScans: EvidenceScan[] }> {
  const previousStageRule = policy.rules.previousStage;
  // The reads are independent but for the findings (which need the scans): they go out together, and on
  // PostgreSQL the driver pipelines them on the transaction's connection.
  const scansAndFindings = async () => {
    // The scans, and the findings an earlier gate kept for exactly these scans while no upload has come since: one
    // statement. Otherwise the findings are read (and kept, when the caller records decisions).
    const read = await readScansAndKept(tx, serviceId, commit, artifact);
    const scans = read.scans;
    if (scans.length === 0) return { scans, findings: [] as GateFinding[] };
    if (read.findings) return { scans, findings: read.findings };
    const at =
      opts.keep && read.version >= 0
        ? { serviceId, scansKey: scansKeyOf(scans.map((s) => s.id)), version: read.version }
        : undefined;
    const { findings, kept } = await readGateFindings(tx, serviceId, scans, { keep: at });
    // Kept already when the database wrote the text; otherwise (rows read) kept here, as JSON.
    if (at && !kept) await keepInput(tx.db, at, { text: encodeKeptFindings(findings), count: findings.length });
    return { scans, findings };
  };
  const previousSlug = previousStageRule?.stage ?? stage.previous;
  const previousDecision = async (): Promise<GateInput["previousStage"]> => {
    if (!previousStageRule || !previousSlug) return null;
    // Only what the rule reads: the stored answer beside it is kilobytes of JSON.
    const [prev] = await tx.db
      .select({
        id: gateDecisions.id,
        decision: gateDecisions.decision,
        artifact: gateDecisions.artifact,
        evaluatedAt: gateDecisions.evaluatedAt,
      })
      .from(gateDecisions)
      .where(
        and(
          eq(gateDecisions.serviceId, serviceId),
          eq(gateDecisions.stage, previousSlug),
          eq(gateDecisions.commit, commit),
          artifact ? eq(gateDecisions.artifact, artifact) : undefined,
          eq(gateDecisions.kind, "gate"),
        ),
      )
      .orderBy(desc(gateDecisions.evaluatedAt), desc(gateDecisions.id))
      .limit(1);
    return {
      stage: previousSlug,
      decision: prev ? { id: prev.id, decision: prev.decision, artifact: prev.artifact, evaluatedAt: prev.evaluatedAt } : null,
    };
  };
  // Known exploited vulnerabilities: read only when the policy asks, so other policies read exactly what they did.
  const kevRule = !!policy.rules.blockKnownExploited;
  const [{ scans, findings }, waiverRows, previousStage, scorecardGrade, kev] = await Promise.all([
    scansAndFindings(),
    waiversFor(tx, serviceId, stage.slug),
    previousDecision(),
    policy.rules.minScorecardGrade ? latestGrade(tx, serviceId) : null,
    kevRule ? kevCatalogOf(tx) : undefined,
  ]);
  if (kev) {
    // The findings are this call's own objects (read or decoded just now): the KEV entry is set on each in place.
    const entries = await kevCatalogEntries(tx, kev.sha256);
    const matches = kevMatches(findings, entries);
    for (let i = 0; i < findings.length; i++) findings[i]!.kev = matches[i]!;
  }
  const kevCatalog = kev?.catalog;
  return {
    now: tx.now(),
    stage: stage.slug,
    commit,
    artifact,
    findings,
    waivers: waiverRows.map((w) => ({
      id: w.id,
      match: { type: w.matchType, value: w.matchValue },
      kind: w.kind,
      reason: w.reason,
      expiresAt: w.expiresAt,
    })),
    evidence: scans.map((s): GateEvidence => ({
      scanId: s.id,
      tool: s.tool_name,
      kinds: s.evidence as EvidenceKind[],
      status: s.status,
      receivedAt: asDate(s.received_at),
      scannedAt: asDate(s.scanned_at),
      scannerDbBuiltAt: s.scanner_db_built_at ? asDate(s.scanner_db_built_at) : null,
      artifact: s.artifact,
    })),
    previousStage,
    scorecardGrade,
    evidenceScans: scans.map((s) => ({ id: s.id, tool: s.tool_name, format: s.format, reportSha256: s.report_sha256 })),
    ...(kevCatalog !== undefined ? { kevCatalog } : {}),
  };
}

/**
 * The scans a gate at this commit (and artifact) reads. An artifact digest names immutable content: a scan of it under
 * any commit (a nightly rescan of the image, a cluster report) is evidence about it too.
 */
const scansAt = (serviceId: string, commit: string, artifact: string | null) =>
  sql`select id, commit, tool_name, evidence, status, received_at, scanned_at, scanner_db_built_at, artifact, format, report_sha256
      from scans
      where service_id = ${serviceId} and commit = ${commit}
        and (${artifact}::text is null or artifact is null or artifact = ${artifact})
      union
      select id, commit, tool_name, evidence, status, received_at, scanned_at, scanner_db_built_at, artifact, format, report_sha256
      from scans
      where ${artifact}::text is not null and service_id = ${serviceId} and artifact = ${artifact}`;

/** Past this many sightings, an upload leaves keeping the findings to the first gate (a row of ≈ 150 bytes each). */
export const KEEP_AT_UPLOAD_MAX_FINDINGS = 20_000;

/**
 * Keeps what a gate at this commit (and artifact) will read, in the transaction of the upload that changed it: the
 * pipeline's next call is a gate at this commit, which then reads one row instead of a finding per row (the first gate
 * after an upload cost ≈ 2.5× a later one: docs/performance.md). `version` is the one the upload raised the service
 * to. Nothing is kept past `limit` sightings; the first gate keeps them then, as before.
 */
export async function keepGateInputAtUpload(
  tx: ServiceContext,
  at: { serviceId: string; commit: string; artifact: string | null; version: number },
  limit = KEEP_AT_UPLOAD_MAX_FINDINGS,
): Promise<boolean> {
  const scans = await queryRows<{ id: string; commit: string }>(
    tx.db,
    sql`select s.id, s.commit from (${scansAt(at.serviceId, at.commit, at.artifact)}) s`,
  );
  if (scans.length === 0) return false;
  const [sighted] = await queryRows<{ n: number | string }>(
    tx.db,
    sql`select count(*) as n from (select 1 ${sightingsOf(at.serviceId, scans)} limit ${limit + 1}) x`,
  );
  if (Number(sighted?.n ?? 0) > limit) return false;
  const keep = { serviceId: at.serviceId, scansKey: scansKeyOf(scans.map((s) => s.id)), version: at.version };
  const { findings, kept } = await readGateFindings(tx, at.serviceId, scans, { keep });
  if (!kept) await keepInput(tx.db, keep, { text: encodeKeptFindings(findings), count: findings.length });
  return true;
}

/**
 * Every scan of the commit (within the artifact binding), the service's findings version, and the findings kept for
 * exactly those scans at that version (null when none are, or when the kept text does not read back). The set's key
 * is made in SQL as scansKeyOf makes it (ids sorted byte-wise, joined by commas). Version -1: the service is gone.
 */
async function readScansAndKept(
  tx: ServiceContext,
  serviceId: string,
  commit: string,
  artifact: string | null,
): Promise<{ scans: ScanRow[]; version: number; findings: GateFinding[] | null }> {
  const [row] = await queryRows<{
    scans: ScanRow[] | string | null;
    version: string | number;
    findings: string | null;
    finding_count: number | null;
  }>(
    tx.db,
    sql`with s as (${scansAt(serviceId, commit, artifact)})
        select (select json_agg(s order by s.scanned_at, s.id) from s) as scans, sv.findings_version as version, g.findings, g.finding_count
        from services sv
        left join gate_inputs g on g.service_id = sv.id and g.version = sv.findings_version
          and g.scans_key = (select string_agg(s.id, ',' order by s.id collate "C") from s)
        where sv.id = ${serviceId}`,
  );
  if (!row) return { scans: [], version: -1, findings: null };
  const scans = (typeof row.scans === "string" ? (JSON.parse(row.scans) as ScanRow[]) : row.scans) ?? [];
  const findings =
    row.findings !== null && row.finding_count !== null ? decodeKeptFindings(row.findings, Number(row.finding_count)) : null;
  return { scans, version: Number(row.version), findings };
}

/** The findings' `from … where …`: every finding the scans saw, unsuppressed (evidence at a commit only accumulates). */
function findingsOf(serviceId: string, scans: readonly Pick<ScanRow, "id" | "commit">[]): SQL {
  return sql`from findings f
        where f.service_id = ${serviceId}
          and f.id in (select sf.finding_id ${sightingsOf(serviceId, scans)} and sf.suppressed = 0)`;
}

/** The scans' sightings: `from … where …`, the table aliased `sf`. */
function sightingsOf(serviceId: string, scans: readonly Pick<ScanRow, "id" | "commit">[]): SQL {
  // Scan ids are our own (scan_ + base32): safe inside an array literal. The commits narrow the sightings by
  // index; a set-returning function here made the planner guess and scan every sighting.
  const scanIds = scans.map((s) => s.id);
  const commits = [...new Set(scans.map((s) => s.commit))];
  return sql`from scan_findings sf
        where sf.service_id = ${serviceId} and sf.commit = any(${arrayLiteral(commits)}::text[])
          and sf.scan_id = any(${`{${scanIds.join(",")}}`}::text[])`;
}

/**
 * The findings the scans saw, most severe first, and their kept text when the database could build it (null: keep
 * them with encodeKeptFindings). The text is decoded here as a kept row would be, so a gate that reads the findings
 * and one that reads them kept decide on the same values; with `keep`, the statement that writes the text also keeps it
 * (`kept` is then what was kept). `rows: true` reads the rows instead (how it was done before; tests compare the two).
 */
export async function readGateFindings(
  tx: ServiceContext,
  serviceId: string,
  scans: readonly Pick<ScanRow, "id" | "commit">[],
  opts: { rows?: boolean; keep?: KeepAt } = {},
): Promise<{ findings: GateFinding[]; kept: string | null }> {
  if (!opts.rows) {
    const built = await readKeptText(tx.db, findingsOf(serviceId, scans), opts.keep);
    const findings = built.text === null ? null : decodeKeptFindings(built.text, built.count);
    if (findings) return { findings, kept: built.text };
  }
  const rows = await queryRows<FindingRow>(
    tx.db,
    sql`select f.id, f.fingerprint, f.merged_fingerprints, f.severity, f.risk_area, f.kind, f.rule_id, f.title, f.vulnerability_id, f.aliases,
               f.first_seen_at, f.package_name, f.package_version, f.fixed_versions, f.file
        ${findingsOf(serviceId, scans)}`,
  );
  return { findings: sortMostSevereFirst(rows.map(gateFinding)), kept: null };
}

const gateFinding = (f: FindingRow): GateFinding => ({
  id: f.id,
  fingerprint: f.fingerprint,
  mergedFingerprints: f.merged_fingerprints ?? [],
  severity: f.severity,
  riskArea: Number(f.risk_area),
  kind: f.kind,
  ruleId: f.rule_id,
  title: f.title,
  vulnerabilityId: f.vulnerability_id,
  aliases: f.aliases ?? [],
  firstSeenAt: asDate(f.first_seen_at),
  packageName: f.package_name,
  packageVersion: f.package_version,
  fixedVersions: f.fixed_versions ?? [],
  file: f.file,
});

/** The imported KEV catalog (null: never imported), and the sha256 its entries are kept in memory under. */
async function kevCatalogOf(ctx: ServiceContext): Promise<{ catalog: GateInput["kevCatalog"]; sha256: string | null }> {
  const [row] = await queryRows<{ version: string | null; imported_at: string | Date; sha256: string }>(
    ctx.db,
    sql`select version, imported_at, sha256 from intel_imports where source = 'kev'`,
  );
  return row
    ? { catalog: { version: row.version, importedAt: asDate(row.imported_at) }, sha256: row.sha256 }
    : { catalog: null, sha256: null };
}

/** The service's grade from its newest daily scorecard, or null when it was never scored. */
async function latestGrade(ctx: ServiceContext, serviceId: string): Promise<string | null> {
  const [row] = await ctx.db
    .select({ grade: scoreSnapshots.grade })
    .from(scoreSnapshots)
    .where(eq(scoreSnapshots.serviceId, serviceId))
    .orderBy(desc(scoreSnapshots.day))
    .limit(1);
  return row?.grade ?? null;
}
