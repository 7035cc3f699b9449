// What the gate reads at a commit: every scan of it (within the artifact binding), every finding those scans saw
// (evidence at a commit only accumulates), the waivers that may apply, the decision at the previous stage and the
// scorecard grade.
import { and, desc, eq, sql, type SQL } from "drizzle-orm";
import { queryRows, rawRows } from "@/db/client";
import { arrayLiteral } from "../ingest/write-findings";
import { gateDecisions, scoreSnapshots } from "@/db/schema";
import type { ServiceContext } from "../context";
import type { EvidenceKind, FindingKind, Severity } from "../ingest/types";
import type { Policy } from "./policy";
import type { GateEvidence, GateFinding, GateInput, GateWaiver } from "./types";
import type { StoredPolicy } from "./policies";
import type { ServiceRef } from "../services/access";
import { waiversFor } from "./waivers";
import { kevCatalogEntries, kevMatches } from "../intel/match";
import { wantsEvent } from "../notify/emit";
import { sortMostSevereFirst } from "./decide";
import {
  decodeKeptFindings,
  decodeKeptParts,
  encodeKeptFindings,
  keepInput,
  readKeptText,
  scansKeyOf,
  type KeepAt,
} from "./kept-input";

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

/** What the evaluation reads besides the findings, and the scans with what was kept for them. */
type EvidenceParts = {
  read: { scans: ScanRow[]; version: number; findings: GateFinding[] | null };
  waivers: GateInput["waivers"];
  previousStage: GateInput["previousStage"];
  scorecardGrade: string | null;
  /** undefined: the policy does not ask about known exploited vulnerabilities */
  kev: { catalog: GateInput["kevCatalog"]; sha256: string | null } | undefined;
};

type GateInputAndScans = GateInput & { evidenceScans: EvidenceScan[] };

/** Everything the pure evaluation reads for one commit (and artifact): the preview and the re-check share it. */
export async function gatherGateInput(
  tx: ServiceContext,
  serviceId: string,
  stage: { slug: string; previous: string | null },
  commit: string,
  artifact: string | null,
  policy: Policy,
  opts: { keep: boolean },
): Promise<GateInputAndScans> {
  const previousStageRule = policy.rules.previousStage;
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
  // The reads are independent but for the findings (which need the scans): they go out together, and on
  // PostgreSQL the driver pipelines them on the transaction's connection. Known exploited vulnerabilities and the
  // grade are read only when the policy asks.
  const [read, waiverRows, previousStage, scorecardGrade, kev] = await Promise.all([
    readScansAndKept(tx, serviceId, commit, artifact),
    waiversFor(tx, serviceId, stage.slug),
    previousDecision(),
    policy.rules.minScorecardGrade ? latestGrade(tx, serviceId) : null,
    policy.rules.blockKnownExploited ? kevCatalogOf(tx) : undefined,
  ]);
  const waivers = waiverRows.map((w) => ({
    id: w.id,
    match: { type: w.matchType, value: w.matchValue },
    kind: w.kind,
    reason: w.reason,
    expiresAt: w.expiresAt,
  }));
  return assembleGateInput(
    tx,
    { serviceId, stage: stage.slug, commit, artifact, keep: opts.keep },
    {
      read,
      waivers,
      previousStage,
      scorecardGrade,
      kev,
    },
  );
}

/**
 * The findings (kept, or read and kept when `keep`), their known exploited vulnerabilities, and the input as the
 * evaluation takes it.
 */
async function assembleGateInput(
  tx: ServiceContext,
  at: { serviceId: string; stage: string; commit: string; artifact: string | null; keep: boolean },
  parts: EvidenceParts,
): Promise<GateInputAndScans> {
  const { scans, version } = parts.read;
  let findings: GateFinding[] = parts.read.findings ?? [];
  if (scans.length > 0 && !parts.read.findings) {
    // Nothing kept for exactly these scans since the last upload: the findings are read (and kept, when the caller
    // records decisions; kept already when the database wrote the text, otherwise here, as JSON).
    const keep =
      at.keep && version >= 0 ? { serviceId: at.serviceId, scansKey: scansKeyOf(scans.map((s) => s.id)), version } : undefined;
    const r = await readGateFindings(tx, at.serviceId, scans, { keep });
    if (keep && !r.kept) await keepInput(tx.db, keep, { text: encodeKeptFindings(r.findings), count: r.findings.length });
    findings = r.findings;
  }
  if (parts.kev) {
    // The findings are this call's own objects (read or decoded just now): the KEV entry is set on each in place.
    const entries = await kevCatalogEntries(tx, parts.kev.sha256);
    const matches = kevMatches(findings, entries);
    for (let i = 0; i < findings.length; i++) findings[i]!.kev = matches[i]!;
  }
  return {
    now: tx.now(),
    stage: at.stage,
    commit: at.commit,
    artifact: at.artifact,
    findings,
    waivers: parts.waivers,
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
    previousStage: parts.previousStage,
    scorecardGrade: parts.scorecardGrade,
    evidenceScans: scans.map((s) => ({ id: s.id, tool: s.tool_name, format: s.format, reportSha256: s.report_sha256 })),
    ...(parts.kev?.catalog !== undefined ? { kevCatalog: parts.kev.catalog } : {}),
  };
}

/** The service as the gate reads it: its row, its team's names, and its findings version. */
export type GateService = ServiceRef & { teamSlug: string; teamName: string };

/** What one gate request reads, in one statement (gateRequestRead). */
export type GateRequestRead = {
  /** null: no service has that slug */
  service: GateService | null;
  /** every stage, in promotion order */
  stages: { slug: string; name: string; position: number }[];
  /** the stage's current policy; null when it has none yet (the default is stored by currentPolicy) */
  policy: StoredPolicy | null;
  /** the subscriptions a block at this stage is delivered to, in order */
  subscriptions: string[];
  /** evidence(): the input for the evaluation, once the service, the stage and the policy are known good */
  evidence: (keep: boolean) => Promise<GateInputAndScans>;
};

type ServiceJson = {
  id: string;
  slug: string;
  name: string;
  team_id: string;
  repo_url: string | null;
  default_branch: string;
  criticality: ServiceRef["criticality"];
  findings_version: number | string;
  team_slug: string;
  team_name: string;
};
type PolicyJson = {
  id: string;
  stage: string;
  version: number;
  document: Policy;
  comment: string | null;
  created_by: string;
  created_at: string;
};
type WaiverJson = {
  id: string;
  match_type: GateWaiver["match"]["type"];
  match_value: string;
  kind: GateWaiver["kind"];
  reason: string;
  expires_at: string | null;
};

const json = <T>(v: T | string | null): T | null => (typeof v === "string" ? (JSON.parse(v) as T) : v);

/**
 * Everything a gate request reads, in one statement (one round trip): the service by its slug with its team's names,
 * every stage, the stage's current policy, the scans at the commit (within the artifact binding) with the findings
 * kept for exactly them, the waivers that may apply, the decision at the previous stage (when the policy's rule asks),
 * the KEV catalog's version, the scorecard grade, and the subscriptions a block would be delivered to. Written as text
 * (rawRows): it is the pipelines' hot path, and drizzle's builder cost more CPU than PostgreSQL's work here.
 * The caller checks the service, the stage and the policy, in that order, before it asks for the evidence.
 */
export async function gateRequestRead(
  tx: ServiceContext,
  req: { service: string; stage: string; commit: string; artifact: string | null },
): Promise<GateRequestRead> {
  const rows = await rawRows<{
    service: ServiceJson | string | null;
    stages: GateRequestRead["stages"] | string;
    policy: PolicyJson | string | null;
    scans: ScanRow[] | string | null;
    finding_count: number | null;
    waivers: WaiverJson[] | string | null;
    previous_slug: string | null;
    previous: { id: string; decision: "allow" | "block"; artifact: string | null; evaluated_at: string } | string | null;
    kev: { version: string | null; imported_at: string; sha256: string } | string | null;
    grade: string | null;
    subscriptions: string[] | null;
    part: string | null;
  }>(tx.db, GATE_REQUEST_READ, [req.service, req.stage, req.commit, req.artifact]);
  // The first row holds what was read; the next ones, the kept text's parts in order (none: nothing kept).
  const row = rows[0];
  const parts = rows.slice(1).map((r) => r.part!);
  const service = json(row!.service);
  const policyRow = json(row!.policy);
  const policy: StoredPolicy | null = policyRow && {
    id: policyRow.id,
    stage: policyRow.stage,
    version: policyRow.version,
    document: policyRow.document,
    comment: policyRow.comment,
    createdBy: policyRow.created_by,
    createdAt: new Date(policyRow.created_at).toISOString(),
  };
  const evidence = async (keep: boolean): Promise<GateInputAndScans> => {
    const rules = policy!.document.rules;
    const scans = json(row!.scans) ?? [];
    const count = row!.finding_count;
    const findings = parts.length > 0 && count !== null ? decodeKeptParts(parts, Number(count)) : null;
    const previous = json(row!.previous);
    const kev = json(row!.kev);
    return assembleGateInput(
      tx,
      { serviceId: service!.id, stage: req.stage, commit: req.commit, artifact: req.artifact, keep },
      {
        read: { scans, version: Number(service!.findings_version), findings },
        waivers: (json(row!.waivers) ?? []).map((w) => ({
          id: w.id,
          match: { type: w.match_type, value: w.match_value },
          kind: w.kind,
          reason: w.reason,
          expiresAt: w.expires_at === null ? null : new Date(w.expires_at),
        })),
        previousStage:
          rules.previousStage && row!.previous_slug
            ? {
                stage: row!.previous_slug,
                decision: previous && {
                  id: previous.id,
                  decision: previous.decision,
                  artifact: previous.artifact,
                  evaluatedAt: new Date(previous.evaluated_at),
                },
              }
            : null,
        scorecardGrade: rules.minScorecardGrade ? row!.grade : null,
        kev: rules.blockKnownExploited
          ? kev
            ? { catalog: { version: kev.version, importedAt: new Date(kev.imported_at) }, sha256: kev.sha256 }
            : { catalog: null, sha256: null }
          : undefined,
      },
    );
  };
  return {
    service: service && {
      id: service.id,
      slug: service.slug,
      name: service.name,
      teamId: service.team_id,
      repoUrl: service.repo_url,
      defaultBranch: service.default_branch,
      criticality: service.criticality,
      teamSlug: service.team_slug,
      teamName: service.team_name,
    },
    stages: json(row!.stages) ?? [],
    policy,
    subscriptions: row!.subscriptions ?? [],
    evidence,
  };
}

/** The columns of a scan the gate reads. */
const SCAN_COLUMNS =
  "id, commit, tool_name, evidence, status, received_at, scanned_at, scanner_db_built_at, artifact, format, report_sha256";

/**
 * gateRequestRead's statement: $1 the service's slug, $2 the stage's, $3 the commit, $4 the artifact (or null). The
 * scans are scansAt's; the previous stage is the rule's own or the one before in promotion order (as
 * gatherGateInput's); the waivers are waiversFor's, approved and for this stage; the subscriptions are those
 * prepareEvent's read finds for a `gate.blocked` event of the service's team at this stage.
 */
const GATE_REQUEST_READ = `
  with sv as (
    select s.id, s.slug, s.name, s.team_id, s.repo_url, s.default_branch, s.criticality, s.findings_version,
           t.slug as team_slug, t.name as team_name
    from services s join teams t on t.id = s.team_id where s.slug = $1),
  st as (select slug, name, position from stages),
  p as (select id, stage, version, document, comment, created_by, created_at from policies where stage = $2
        order by version desc limit 1),
  sc as (
    select ${SCAN_COLUMNS} from scans
    where service_id = (select id from sv) and commit = $3 and ($4::text is null or artifact is null or artifact = $4)
    union
    select ${SCAN_COLUMNS} from scans
    where $4::text is not null and service_id = (select id from sv) and artifact = $4),
  prev as (
    select coalesce(p.document #>> '{rules,previousStage,stage}',
                    (select b.slug from st a join st b on b.position < a.position where a.slug = $2
                     order by b.position desc limit 1)) as slug
    from p where jsonb_typeof(p.document #> '{rules,previousStage}') = 'object'),
  h as (
  select
    (select row_to_json(sv) from sv) as service,
    (select json_agg(st order by st.position) from st) as stages,
    (select row_to_json(p) from p) as policy,
    (select json_agg(sc order by sc.scanned_at, sc.id) from sc) as scans,
    g.findings, g.finding_count,
    (select json_agg(w order by w.id) from (
       select id, match_type, match_value, kind, reason, expires_at from waivers
       where (service_id = sv.id or service_id is null) and revoked_at is null and approved_at is not null
         and (stages is null or $2 = any(stages))) w) as waivers,
    (select slug from prev) as previous_slug,
    (select row_to_json(d) from (
       select id, decision, artifact, evaluated_at from gate_decisions
       where service_id = sv.id and stage = (select slug from prev) and commit = $3
         and ($4::text is null or artifact = $4) and kind = 'gate'
       order by evaluated_at desc, id desc limit 1) d) as previous,
    (select row_to_json(k) from (select version, imported_at, sha256 from intel_imports where source = 'kev') k) as kev,
    (select grade from score_snapshots where service_id = sv.id order by day desc limit 1) as grade,
    (select array_agg(n.id order by n.id) from notification_subscriptions n
     where ${wantsEvent("sv.team_id", "'gate.blocked'", "$2")}) as subscriptions
  from (select 1) as one
  left join sv on true
  left join gate_inputs g on g.service_id = sv.id and g.version = sv.findings_version
    and g.scans_key = (select string_agg(sc.id, ',' order by sc.id collate "C") from sc))
  select 0::bigint as n, service, stages, policy, scans, finding_count, waivers, previous_slug, previous, kev, grade,
         subscriptions, null::text as part
  from h
  union all
  select c.n, null, null, null, null, null, null, null, null, null, null, null, c.part
  from h, string_to_table(h.findings, E'\\x04') with ordinality as c(part, n)
  order by n`;

/**
 * The scans a gate at this commit (and artifact) reads. An artifact digest names immutable content: a scan of it under
 * any commit (a nightly rescan of the image, a cluster report) is evidence about it too.
 */
const scansAt = (serviceId: string, commit: string, artifact: string | null) =>
  sql`select ${sql.raw(SCAN_COLUMNS)} from scans
      where service_id = ${serviceId} and commit = ${commit}
        and (${artifact}::text is null or artifact is null or artifact = ${artifact})
      union
      select ${sql.raw(SCAN_COLUMNS)} from scans
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
