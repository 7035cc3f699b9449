// The bulk statements of ingest. Rows travel as one array per column through unnest (≈2× json_to_recordset),
// and only rows that change are written in full: a finding seen again unchanged only gets its last sighting.
import { sql, type SQL } from "drizzle-orm";
import { queryRows, type Database } from "@/db/client";
import { newId } from "../ids";
import { packageKey, SEVERITY_RANK, type NormalizedFinding } from "./normalize";
import type { PackageRef } from "./types";

/** Rows per statement: large enough that round trips vanish, small enough to keep parameters a few MB. */
const BATCH = 10_000;
/** Findings rows are wide (titles, descriptions): fewer per statement keeps a 100 MB report's peak memory down. */
const WIDE_BATCH = 2_000;

/** A finding as stored, every text already free of NUL (PostgreSQL text cannot hold it, and some reports contain it). */
export type FindingRow = {
  id: string;
  fingerprint: string;
  kind: string;
  riskArea: number;
  severity: string;
  severityRank: number;
  suppressed: number;
  ruleId: string;
  title: string;
  description: string | null;
  vulnerabilityId: string | null;
  aliases: string[];
  cwes: number[];
  cvssScore: number | null;
  cvssVector: string | null;
  packagePurl: string | null;
  packageKey: string | null;
  packageEcosystem: string | null;
  packageName: string | null;
  packageVersion: string | null;
  fixedVersions: string[];
  file: string | null;
  startLine: number | null;
  endLine: number | null;
  snippetHash: string | null;
  resource: string | null;
  url: string | null;
  image: string | null;
  secretHash: string | null;
  secretPreview: string | null;
  remediation: string | null;
  references: string[];
  /** JSON text */
  properties: string | null;
  tools: string[];
};

/** What ingest needs to know of a finding already stored, to decide whether this sighting changes it. */
export type StoredFinding = {
  id: string;
  fingerprint: string;
  /** status open and not closed */
  open: boolean;
  suppressed: number;
  severity_rank: number;
  start_line: number | null;
  end_line: number | null;
  fixed_versions: string[];
  aliases: string[];
  vulnerability_id: string | null;
  tools: string[];
};

// eslint-disable-next-line no-control-regex -- NUL is exactly what must go
const NUL = /\u0000/g;
const clean = (s: string) => (s.includes("\u0000") ? s.replace(NUL, "") : s);
const cleanOrNull = (s: string | null | undefined) => (s === undefined || s === null ? null : clean(s));
const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

function json(value: object): string {
  const text = JSON.stringify(value);
  if (!text.includes("\\u0000")) return text;
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === "string" ? v.replace(NUL, "") : v));
}

const packageKeys = new WeakMap<PackageRef, string>();
/** packageKey once per package: it parses the purl, and ingest needs it up to three times per finding. */
export function packageKeyOf(p: PackageRef): string {
  let key = packageKeys.get(p);
  if (key === undefined) packageKeys.set(p, (key = packageKey(p)));
  return key;
}

export function findingRow(f: NormalizedFinding, id: string): FindingRow {
  const loc = f.location ?? {};
  const pkg = f.package;
  return {
    id,
    fingerprint: f.fingerprint,
    kind: f.kind,
    riskArea: f.riskArea,
    severity: f.severity,
    severityRank: SEVERITY_RANK[f.severity],
    suppressed: f.suppressed ? 1 : 0,
    ruleId: clean(clip(f.ruleId, 500)),
    title: clean(clip(f.title, 500) || f.ruleId),
    description: f.description ? clean(clip(f.description, 4000)) : null,
    vulnerabilityId: cleanOrNull(f.vulnerabilityId),
    aliases: f.aliases.slice(0, 50).map(clean),
    cwes: f.cwes.slice(0, 50),
    cvssScore: f.cvss?.score ?? null,
    cvssVector: cleanOrNull(f.cvss?.vector),
    packagePurl: cleanOrNull(pkg?.purl),
    packageKey: pkg ? clean(packageKeyOf(pkg)) : null,
    packageEcosystem: cleanOrNull(pkg?.ecosystem),
    packageName: cleanOrNull(pkg?.name),
    packageVersion: cleanOrNull(pkg?.version),
    fixedVersions: pkg?.fixedVersions.slice(0, 20).map(clean) ?? [],
    file: loc.file ? clean(clip(loc.file, 1000)) : null,
    startLine: loc.startLine ?? null,
    endLine: loc.endLine ?? null,
    snippetHash: cleanOrNull(loc.snippetHash),
    resource: loc.resource ? clean(clip(loc.resource, 1000)) : null,
    url: loc.url ? clean(clip(loc.url, 2000)) : null,
    image: cleanOrNull(loc.image),
    secretHash: cleanOrNull(f.secret?.hash),
    secretPreview: cleanOrNull(f.secret?.preview),
    remediation: f.remediation ? clean(clip(f.remediation, 4000)) : null,
    references: (f.references ?? []).slice(0, 10).map(clean),
    properties: f.properties ? json(f.properties) : null,
    tools: [clean(f.tool)],
  };
}

const includes = (haystack: readonly string[], needles: readonly string[]) => needles.every((n) => haystack.includes(n));
const sameArray = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * Whether upserting `row` over `stored` would change anything besides the last sighting: the mirror of the
 * merge in UPSERT_SET below, condition by condition. When in doubt it says yes, and the full merge runs.
 */
export function changesStored(row: FindingRow, stored: StoredFinding): boolean {
  if (!stored.open) return true;
  if (row.suppressed !== stored.suppressed) return true;
  if (row.severityRank > stored.severity_rank) return true;
  if (row.startLine !== stored.start_line || row.endLine !== stored.end_line) return true;
  if (row.fixedVersions.length > 0 && !sameArray(row.fixedVersions, stored.fixed_versions)) return true;
  const vuln = row.vulnerabilityId;
  const aliasesKept =
    includes(stored.aliases, row.aliases) && (vuln === null || vuln === stored.vulnerability_id || stored.aliases.includes(vuln));
  if (!aliasesKept) return true;
  return !includes(stored.tools, row.tools);
}

/** The stored findings of a service among these fingerprints. */
export async function readStoredFindings(
  db: Database,
  serviceId: string,
  fingerprints: string[],
): Promise<Map<string, StoredFinding>> {
  const out = new Map<string, StoredFinding>();
  for (let i = 0; i < fingerprints.length; i += BATCH * 5) {
    const rows = await queryRows<StoredFinding>(
      db,
      sql`select f.id, f.fingerprint, (f.status = 'open' and f.closed_at is null) as open, f.suppressed, f.severity_rank,
                 f.start_line, f.end_line, f.fixed_versions, f.aliases, f.vulnerability_id, f.tools
          from findings f
          where f.service_id = ${serviceId} and f.fingerprint = any(${array(fingerprints.slice(i, i + BATCH * 5), "text")})`,
    );
    for (const r of rows) out.set(r.fingerprint, r);
  }
  return out;
}

const SPECIAL = /[\s"\\{},]/;
const ESCAPE = /["\\]/g;

/** One element of an array literal, quoted only when array_in would misread it bare. */
function element(v: string | number | null): string {
  if (v === null) return "NULL";
  // JSON, which this replaces, wrote non-finite numbers as null.
  if (typeof v === "number") return Number.isFinite(v) ? String(v) : "NULL";
  if (v !== "" && !SPECIAL.test(v) && !(v.length === 4 && v.toLowerCase() === "null")) return v;
  return `"${v.includes('"') || v.includes("\\") ? v.replace(ESCAPE, "\\$&") : v}"`;
}

/**
 * A PostgreSQL array literal, sent as one text parameter and cast in SQL: measured faster than the drivers' own
 * array serializers, and it lets ragged arrays travel as a text[] of literals.
 */
export function arrayLiteral(values: readonly (string | number | null)[]): string {
  // join() writes one flat string; `+=` would leave a rope of thousands of pieces behind (measured: ~200 MB more RSS).
  const elements = new Array<string>(values.length);
  for (let i = 0; i < values.length; i++) elements[i] = element(values[i]!);
  return `{${elements.join(",")}}`;
}

/** An array parameter: `${array(values, "text")}` is `$n::text[]`. */
const array = (values: readonly (string | number | null)[], type: string) => sql`${arrayLiteral(values)}::${sql.raw(type)}[]`;

type Column = { name: string; type: string; cast?: string; get: (r: FindingRow) => string | number | null };

// The order of findings' columns as written by insert and upsert alike.
const COLUMNS: Column[] = [
  { name: "id", type: "text", get: (r) => r.id },
  { name: "fingerprint", type: "text", get: (r) => r.fingerprint },
  { name: "kind", type: "text", get: (r) => r.kind },
  { name: "risk_area", type: "int2", get: (r) => r.riskArea },
  { name: "severity", type: "text", get: (r) => r.severity },
  { name: "severity_rank", type: "int2", get: (r) => r.severityRank },
  { name: "suppressed", type: "int4", get: (r) => r.suppressed },
  { name: "rule_id", type: "text", get: (r) => r.ruleId },
  { name: "title", type: "text", get: (r) => r.title },
  { name: "description", type: "text", get: (r) => r.description },
  { name: "vulnerability_id", type: "text", get: (r) => r.vulnerabilityId },
  { name: "aliases", type: "text", cast: "text[]", get: (r) => arrayLiteral(r.aliases) },
  { name: "cwes", type: "text", cast: "int4[]", get: (r) => arrayLiteral(r.cwes) },
  { name: "cvss_score", type: "float4", get: (r) => r.cvssScore },
  { name: "cvss_vector", type: "text", get: (r) => r.cvssVector },
  { name: "package_purl", type: "text", get: (r) => r.packagePurl },
  { name: "package_ecosystem", type: "text", get: (r) => r.packageEcosystem },
  { name: "package_name", type: "text", get: (r) => r.packageName },
  { name: "package_version", type: "text", get: (r) => r.packageVersion },
  { name: "fixed_versions", type: "text", cast: "text[]", get: (r) => arrayLiteral(r.fixedVersions) },
  { name: "file", type: "text", get: (r) => r.file },
  { name: "start_line", type: "int4", get: (r) => r.startLine },
  { name: "end_line", type: "int4", get: (r) => r.endLine },
  { name: "snippet_hash", type: "text", get: (r) => r.snippetHash },
  { name: "resource", type: "text", get: (r) => r.resource },
  { name: "url", type: "text", get: (r) => r.url },
  { name: "image", type: "text", get: (r) => r.image },
  { name: "secret_hash", type: "text", get: (r) => r.secretHash },
  { name: "secret_preview", type: "text", get: (r) => r.secretPreview },
  { name: "remediation", type: "text", get: (r) => r.remediation },
  { name: "references", type: "text", cast: "text[]", get: (r) => arrayLiteral(r.references) },
  { name: "properties", type: "text", cast: "jsonb", get: (r) => r.properties },
  { name: "tools", type: "text", cast: "text[]", get: (r) => arrayLiteral(r.tools) },
  { name: "package_key", type: "text", get: (r) => r.packageKey },
];

const COLUMN_LIST = sql.raw(COLUMNS.map((c) => `"${c.name}"`).join(", "));
const SELECT_LIST = sql.raw(COLUMNS.map((c) => `x."${c.name}"${c.cast ? `::${c.cast}` : ""}`).join(", "));
const AS_LIST = sql.raw(COLUMNS.map((c) => `"${c.name}"`).join(", "));

/** `unnest($1::text[], …) as x(id, …)` over these rows, one array per column. */
function unnestRows(rows: FindingRow[]): SQL {
  const arrays = COLUMNS.map((c) => {
    const values = new Array<string | number | null>(rows.length);
    for (let i = 0; i < rows.length; i++) values[i] = c.get(rows[i]!);
    return array(values, c.type);
  });
  return sql`unnest(${sql.join(arrays, sql`, `)}) as x(${AS_LIST})`;
}

// What a sighting does to a finding already stored; changesStored above mirrors it.
const UPSERT_SET = sql.raw(`
  status = 'open',
  closed_at = null,
  last_seen_at = excluded.last_seen_at,
  last_commit = excluded.last_commit,
  suppressed = excluded.suppressed,
  severity = case when excluded.severity_rank > findings.severity_rank then excluded.severity else findings.severity end,
  severity_rank = greatest(findings.severity_rank, excluded.severity_rank),
  start_line = excluded.start_line,
  end_line = excluded.end_line,
  fixed_versions = case when cardinality(excluded.fixed_versions) > 0 then excluded.fixed_versions else findings.fixed_versions end,
  aliases = case when excluded.aliases <@ findings.aliases
                   and (excluded.vulnerability_id is null or excluded.vulnerability_id = findings.vulnerability_id
                        or excluded.vulnerability_id = any(findings.aliases))
                 then findings.aliases
                 else array(select distinct a from unnest(findings.aliases || excluded.aliases || array[excluded.vulnerability_id]) a
                            where a is not null and a is distinct from findings.vulnerability_id order by 1) end,
  tools = case when excluded.tools <@ findings.tools then findings.tools
               else (select array(select distinct unnest(findings.tools || excluded.tools) order by 1)) end`);

export type Sighting = { serviceId: string; commit: string; nowIso: string };

/** A finding new to the service; its row is built only when its batch is written. */
export type NewFinding = { finding: NormalizedFinding; id: string };

/**
 * Writes findings: `fresh` rows are new to the service (plain insert: the per-service lock keeps anyone else
 * from inserting them meanwhile), `changed` rows merge into their stored row, `seenIds` only get the last sighting.
 * It takes the rows: `fresh` and `changed` are empty when it returns, each row let go once its statement is sent.
 */
export async function writeFindings(
  db: Database,
  s: Sighting,
  rows: { fresh: NewFinding[]; changed: FindingRow[]; seenIds: string[] },
  opts: InTurnOptions = {},
): Promise<void> {
  const insert = (batch: FindingRow[]) =>
    sql`insert into findings (${COLUMN_LIST}, service_id, status, first_seen_at, last_seen_at, first_commit, last_commit, closed_at)
        select ${SELECT_LIST}, ${s.serviceId}, 'open', ${s.nowIso}::timestamptz, ${s.nowIso}::timestamptz, ${s.commit}, ${s.commit}, null
        from ${unnestRows(batch)}`;
  await inTurn(
    db,
    batches(rows.fresh, WIDE_BATCH, (batch) => insert(batch.map((n) => findingRow(n.finding, n.id)))),
    opts,
  );
  await inTurn(
    db,
    batches(
      rows.changed,
      WIDE_BATCH,
      (batch) => sql`${insert(batch)} on conflict (service_id, fingerprint) do update set ${UPSERT_SET}`,
    ),
    opts,
  );
  for (let i = 0; i < rows.seenIds.length; i += BATCH * 5) {
    await db.execute(
      sql`update findings set last_seen_at = ${s.nowIso}::timestamptz, last_commit = ${s.commit}
          where id = any(${array(rows.seenIds.slice(i, i + BATCH * 5), "text")})`,
    );
  }
}

export type TrackWrite = {
  key: string;
  branch: string;
  tool: string;
  category: string;
  /** findings seen in this track for the first time */
  fresh: string[];
  /** findings this track already has a row for, open or closed */
  seen: string[];
  /** findings this track had open and no longer reports */
  close: string[];
};

/** Lifecycle per track: new rows, sightings (reopening closed ones), and closings. */
export async function writeTracks(db: Database, s: Sighting & { scanId: string }, tracks: TrackWrite[]): Promise<void> {
  for (const w of tracks) {
    for (let i = 0; i < w.fresh.length; i += BATCH * 5) {
      await db.execute(
        sql`insert into finding_tracks (finding_id, service_id, track_key, branch, tool, category, status, first_seen_at, last_seen_at,
              closed_at, reopened_count, last_scan_id)
            select x.f, ${s.serviceId}, ${w.key}, ${w.branch}, ${w.tool}, ${w.category}, 'open', ${s.nowIso}::timestamptz,
              ${s.nowIso}::timestamptz, null, 0, ${s.scanId}
            from unnest(${array(w.fresh.slice(i, i + BATCH * 5), "text")}) as x(f)`,
      );
    }
    for (let i = 0; i < w.seen.length; i += BATCH * 5) {
      await db.execute(
        sql`update finding_tracks fs set status = 'open', last_seen_at = ${s.nowIso}::timestamptz, closed_at = null,
              last_scan_id = ${s.scanId},
              reopened_count = fs.reopened_count + case when fs.status = 'closed' then 1 else 0 end
            where fs.track_key = ${w.key} and fs.finding_id = any(${array(w.seen.slice(i, i + BATCH * 5), "text")})`,
      );
    }
  }
  for (const w of tracks) {
    for (let i = 0; i < w.close.length; i += BATCH * 5) {
      await db.execute(
        sql`update finding_tracks fs set status = 'closed', closed_at = ${s.nowIso}::timestamptz, last_scan_id = ${s.scanId}
            where fs.track_key = ${w.key} and fs.finding_id = any(${array(w.close.slice(i, i + BATCH * 5), "text")})
              and fs.status = 'open'`,
      );
    }
  }
  const closed = [...new Set(tracks.flatMap((w) => w.close))];
  for (let i = 0; i < closed.length; i += BATCH * 5) {
    await db.execute(
      sql`update findings f set status = 'closed', closed_at = ${s.nowIso}::timestamptz
          where f.id = any(${array(closed.slice(i, i + BATCH * 5), "text")})
            and not exists (select 1 from finding_tracks s where s.finding_id = f.id and s.status = 'open')`,
    );
  }
}

export type ScanSighting = { findingId: string; severityRank: number; suppressed: number; startLine: number | null };

/** The scan's own sightings: which findings it saw, at which severity and line. It takes the rows (`rows` ends empty). */
export async function writeScanFindings(
  db: Database,
  s: Sighting & { scanId: string },
  rows: ScanSighting[],
  opts: InTurnOptions = {},
): Promise<void> {
  const insert = (batch: ScanSighting[]) => {
    const ids = array(
      batch.map((r) => r.findingId),
      "text",
    );
    const ranks = array(
      batch.map((r) => r.severityRank),
      "int2",
    );
    const suppressed = array(
      batch.map((r) => r.suppressed),
      "int4",
    );
    const lines = array(
      batch.map((r) => r.startLine),
      "int4",
    );
    return sql`insert into scan_findings (scan_id, finding_id, service_id, commit, severity_rank, suppressed, start_line)
               select ${s.scanId}, x.f, ${s.serviceId}, ${s.commit}, x.r, x.s, x.l
               from unnest(${ids}, ${ranks}, ${suppressed}, ${lines}) as x(f, r, s, l)`;
  };
  await inTurn(db, batches(rows, BATCH, insert), opts);
}

/**
 * Statements over `rows` in slices, each built only when asked for. The slices are taken out of `rows`, so that each
 * batch's rows are garbage once its statement is sent: `rows` is empty at the end.
 */
function* batches<T>(rows: T[], size: number, build: (batch: T[]) => SQL): Generator<SQL> {
  while (rows.length > 0) yield build(rows.splice(0, size));
}

export type InTurnOptions = {
  /** called before each statement of a bulk write is sent, the one before it done (ingest keeps a large report's heap in check) */
  betweenStatements?: () => void;
};

/**
 * Runs statements one at a time, building the next while the database runs the current one: building a batch
 * (serializing its columns) costs about as much client time as the server spends on it.
 */
async function inTurn(db: Database, statements: Iterable<SQL>, opts: InTurnOptions): Promise<void> {
  let running: Promise<unknown> | undefined;
  for (const statement of statements) {
    if (running) await running;
    opts.betweenStatements?.();
    // drizzle's query promises are lazy: then() is what sends the statement.
    running = db.execute(statement).then(() => undefined);
    running.catch(() => {}); // awaited on the next turn; this only keeps Node from calling it unhandled meanwhile
  }
  await running;
}

export const newFindingId = (now: Date) => newId("finding", now.getTime());

/**
 * Merges stored findings into the oldest of them (see plan-merges.ts): their sightings, tracks, ids and tools move
 * to the survivor, their fingerprints stay on it (waivers naming them still apply) and each leaves a forwarding row.
 */
export async function mergeFindings(
  db: Database,
  serviceId: string,
  merge: { survivor: { id: string }; absorbed: { id: string }[] },
  at: { nowIso: string; scanId: string },
): Promise<void> {
  const survivor = merge.survivor.id;
  const absorbed = array(
    merge.absorbed.map((a) => a.id),
    "text",
  );
  await db.execute(
    sql`insert into scan_findings (scan_id, finding_id, service_id, commit, severity_rank, suppressed, start_line)
        select scan_id, ${survivor}, service_id, min(commit), max(severity_rank), min(suppressed), min(start_line)
        from scan_findings where finding_id = any(${absorbed}) group by scan_id, service_id
        on conflict (scan_id, finding_id) do update set
          severity_rank = greatest(scan_findings.severity_rank, excluded.severity_rank),
          suppressed = least(scan_findings.suppressed, excluded.suppressed)`,
  );
  await db.execute(sql`delete from scan_findings where finding_id = any(${absorbed})`);
  await db.execute(
    sql`insert into finding_tracks (finding_id, service_id, track_key, branch, tool, category, status, first_seen_at,
          last_seen_at, closed_at, reopened_count, last_scan_id)
        select ${survivor}, service_id, track_key, min(branch), min(tool), min(category),
               case when bool_or(status = 'open') then 'open' else 'closed' end, min(first_seen_at), max(last_seen_at),
               case when bool_or(status = 'open') then null else max(closed_at) end, sum(reopened_count)::int,
               (array_agg(last_scan_id order by last_seen_at desc))[1]
        from finding_tracks where finding_id = any(${absorbed}) group by service_id, track_key
        on conflict (finding_id, track_key) do update set
          status = case when finding_tracks.status = 'open' or excluded.status = 'open' then 'open' else 'closed' end,
          first_seen_at = least(finding_tracks.first_seen_at, excluded.first_seen_at),
          last_seen_at = greatest(finding_tracks.last_seen_at, excluded.last_seen_at),
          closed_at = case when finding_tracks.status = 'open' or excluded.status = 'open' then null
                           else greatest(finding_tracks.closed_at, excluded.closed_at) end,
          reopened_count = finding_tracks.reopened_count + excluded.reopened_count,
          last_scan_id = case when excluded.last_seen_at > finding_tracks.last_seen_at then excluded.last_scan_id
                              else finding_tracks.last_scan_id end`,
  );
  await db.execute(sql`delete from finding_tracks where finding_id = any(${absorbed})`);
  await db.execute(
    sql`with a as (select * from findings where id = any(${absorbed}) and service_id = ${serviceId}),
        agg as (
          select array(select distinct x from a, unnest(a.aliases || a.vulnerability_id) x where x is not null) as ids,
                 array(select distinct x from a, unnest(a.tools) x) as tools,
                 array(select distinct x from a, unnest(a.merged_fingerprints || a.fingerprint) x) as fps,
                 (select max(severity_rank) from a) as rank,
                 (select min(first_seen_at) from a) as first_seen,
                 (select first_commit from a order by first_seen_at, id limit 1) as first_commit,
                 (select max(last_seen_at) from a) as last_seen,
                 (select last_commit from a order by last_seen_at desc, id limit 1) as last_commit,
                 (select fixed_versions from a where cardinality(fixed_versions) > 0 order by last_seen_at desc limit 1) as fixed,
                 (select min(suppressed) from a) as suppressed)
        update findings f set
          aliases = array(select distinct x from unnest(f.aliases || agg.ids) x
                          where x is not null and x is distinct from f.vulnerability_id order by 1),
          tools = array(select distinct x from unnest(f.tools || agg.tools) x order by 1),
          merged_fingerprints = array(select distinct x from unnest(f.merged_fingerprints || agg.fps) x order by 1),
          severity_rank = greatest(f.severity_rank, agg.rank),
          severity = case greatest(f.severity_rank, agg.rank)
                       when 5 then 'critical' when 4 then 'high' when 3 then 'medium' when 2 then 'low' else 'info' end,
          first_commit = case when agg.first_seen < f.first_seen_at then agg.first_commit else f.first_commit end,
          first_seen_at = least(f.first_seen_at, agg.first_seen),
          last_commit = case when agg.last_seen > f.last_seen_at then agg.last_commit else f.last_commit end,
          last_seen_at = greatest(f.last_seen_at, agg.last_seen),
          fixed_versions = case when cardinality(f.fixed_versions) > 0 then f.fixed_versions else coalesce(agg.fixed, f.fixed_versions) end,
          suppressed = least(f.suppressed, agg.suppressed),
          status = case when exists (select 1 from finding_tracks s where s.finding_id = f.id and s.status = 'open')
                        then 'open' else 'closed' end,
          closed_at = case when exists (select 1 from finding_tracks s where s.finding_id = f.id and s.status = 'open')
                           then null else coalesce(f.closed_at, ${at.nowIso}::timestamptz) end
        from agg where f.id = ${survivor} and agg.rank is not null`,
  );
  await db.execute(
    sql`insert into finding_merges (finding_id, service_id, fingerprint, merged_into, merged_at, scan_id)
        select id, service_id, fingerprint, ${survivor}, ${at.nowIso}::timestamptz, ${at.scanId}
        from findings where id = any(${absorbed}) and service_id = ${serviceId}`,
  );
  await db.execute(sql`delete from findings where id = any(${absorbed}) and service_id = ${serviceId}`);
}
