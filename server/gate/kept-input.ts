// The findings a gate read for a set of scans, kept in one row (db/schema/gate-inputs.ts): the next gate over the same
// scans (the next stage of the same build, a retry, the remediation page's preview) reads that row instead of an
// index probe and a row per finding. A row is used only while the service's findings_version is the one it was built
// at; every upload raises that version in its own transaction before it writes a finding or a sighting.
import { sql } from "drizzle-orm";
import { queryRows, type Database } from "@/db/client";
import type { FindingKind, Severity } from "../ingest/types";
import type { GateFinding } from "./types";

/** One finding as kept: a fixed-order array, not an object, so the kept text is short and quick to parse. */
type KeptFinding = [
  id: string,
  fingerprint: string,
  mergedFingerprints: string[],
  severity: Severity,
  riskArea: number,
  kind: FindingKind,
  ruleId: string,
  title: string,
  vulnerabilityId: string | null,
  aliases: string[],
  firstSeenAtMs: number,
  packageName: string | null,
  packageVersion: string | null,
  fixedVersions: string[],
  file: string | null,
];

/** The key of a set of scans: their ids (our own, comma-free), sorted. */
export const scansKeyOf = (scanIds: readonly string[]): string => [...scanIds].sort().join(",");

/** The findings as kept (pure). Intelligence (KEV) is not kept: it changes with each catalog import. */
export function encodeKeptFindings(findings: readonly GateFinding[]): string {
  const rows = new Array<KeptFinding>(findings.length);
  for (let i = 0; i < findings.length; i++) {
    const f = findings[i]!;
    rows[i] = [
      f.id,
      f.fingerprint,
      f.mergedFingerprints ?? [],
      f.severity,
      f.riskArea,
      f.kind,
      f.ruleId,
      f.title,
      f.vulnerabilityId,
      f.aliases,
      f.firstSeenAt.getTime(),
      f.packageName,
      f.packageVersion,
      f.fixedVersions,
      f.file,
    ];
  }
  return JSON.stringify(rows);
}

/** The kept findings back (pure); null when the text does not hold `count` findings (then they are read again). */
export function decodeKeptFindings(text: string, count: number): GateFinding[] | null {
  let rows: unknown;
  try {
    rows = JSON.parse(text);
  } catch {
    return null;
  }
  if (!Array.isArray(rows) || rows.length !== count) return null;
  const out = new Array<GateFinding>(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i] as KeptFinding;
    if (!Array.isArray(r) || r.length !== 15) return null;
    out[i] = {
      id: r[0],
      fingerprint: r[1],
      mergedFingerprints: r[2],
      severity: r[3],
      riskArea: r[4],
      kind: r[5],
      ruleId: r[6],
      title: r[7],
      vulnerabilityId: r[8],
      aliases: r[9],
      firstSeenAt: new Date(r[10]),
      packageName: r[11],
      packageVersion: r[12],
      fixedVersions: r[13],
      file: r[14],
    };
  }
  return out;
}

/** The service's findings version, and the findings kept for these scans at that version (null when none are). */
export async function readKeptInput(
  db: Database,
  serviceId: string,
  scansKey: string,
): Promise<{ version: number; findings: GateFinding[] | null }> {
  const [row] = await queryRows<{ version: string | number; findings: string | null; finding_count: number | null }>(
    db,
    sql`select s.findings_version as version, g.findings, g.finding_count
        from services s
        left join gate_inputs g on g.service_id = s.id and g.scans_key = ${scansKey} and g.version = s.findings_version
        where s.id = ${serviceId}`,
  );
  if (!row) return { version: -1, findings: null };
  const version = Number(row.version);
  if (row.findings === null || row.finding_count === null) return { version, findings: null };
  return { version, findings: decodeKeptFindings(row.findings, Number(row.finding_count)) };
}

/**
 * Keeps the findings read for these scans at `version` (read before them, so they are at least that new), and drops
 * the service's rows that an upload has outdated: they can never be read again.
 */
export async function keepInput(
  db: Database,
  serviceId: string,
  scansKey: string,
  version: number,
  findings: readonly GateFinding[],
): Promise<void> {
  // Rows another gate is deleting at the same moment are skipped, not waited for: concurrent gates never queue here.
  await db.execute(
    sql`delete from gate_inputs where (service_id, scans_key) in (
          select service_id, scans_key from gate_inputs where service_id = ${serviceId} and version < ${version}
          for update skip locked)`,
  );
  await db.execute(
    sql`insert into gate_inputs (service_id, scans_key, version, finding_count, findings)
        values (${serviceId}, ${scansKey}, ${version}, ${findings.length}, ${encodeKeptFindings(findings)})
        on conflict (service_id, scans_key) do update
          set version = excluded.version, finding_count = excluded.finding_count, findings = excluded.findings, kept_at = now()
          where gate_inputs.version < excluded.version`,
  );
}
