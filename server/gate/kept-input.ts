// The findings a gate read for a set of scans, kept in one row (db/schema/gate-inputs.ts): the next gate over the same
// scans (the next stage of the same build, a retry, the remediation page's preview) reads that row instead of an
// index probe and a row per finding. A row is used only while the service's findings_version is the one it was built
// at; every upload raises that version in its own transaction before it writes a finding or a sighting.
import { sql, type SQL } from "drizzle-orm";
import { queryRows, type Database } from "@/db/client";
import type { FindingKind, Severity } from "../ingest/types";
import type { GateFinding } from "./types";

// The kept text is one string of fields split by U+0001: decoding it is one `split` and a string per field, where
// JSON.parse built an array per finding and per list, copied every string and needed a second pass (measured on a
// service of 1,000 findings: 0.43 ms instead of 0.73 ms, and 156 KB instead of 187 KB to store, send and collect).
// Lists are joined by U+0002, null is U+0003 alone. Every CHUNK findings, U+0004 takes the place of U+0001: the gate
// reads the text as those parts (the database splits it), each a string of tens of KB, where one string of more than
// 128 KB went to V8's large-object space, which only a full collection frees (1,000 findings decoded in 0.64 ms as
// four parts, 1.2 ms as one, with 38 full collections instead of one over 3,000 decodes). Text holding any of the
// four is kept as JSON instead (an older row is JSON, or split form in one part, "k2"): all read back the same.
const FIELD = "\u0001";
const ITEM = "\u0002";
const NULL = "\u0003";
/** Between two parts of the text. */
export const PART = "\u0004";
// eslint-disable-next-line no-control-regex -- exactly the separators
const SEPARATORS = /[\u0001-\u0004]/;
/** Opens split-form text; it ends with FIELD + END, so a text cut short is never read as findings. */
const HEAD = `k3${FIELD}`;
/** The split form before parts (read back still: rows an earlier version kept). */
const HEAD_K2 = `k2${FIELD}`;
const END = "end";
/** Findings per part: ≈ 30 KB of text each at ≈ 150 bytes a finding. */
export const CHUNK = 200;
/** Fields per finding, in this order: id, fingerprint, merged fingerprints, severity, risk area, kind, rule id, title,
 * vulnerability id, aliases, first seen (epoch ms), package name, package version, fixed versions, file. */
const WIDTH = 15;

/** One finding as JSON kept it: a fixed-order array, the same order as the split form's fields. */
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

const keptRow = (f: GateFinding): KeptFinding => [
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

/** The findings as kept (pure). Intelligence (KEV) is not kept: it changes with each catalog import. */
export function encodeKeptFindings(findings: readonly GateFinding[]): string {
  const parts: string[] = [];
  let fields: string[] = [HEAD.slice(0, -1)];
  for (let i = 0; i < findings.length; i++) {
    if (i > 0 && i % CHUNK === 0) {
      parts.push(fields.join(FIELD));
      fields = [];
    }
    for (const v of keptRow(findings[i]!)) {
      const text = splitField(v);
      if (text === undefined) return JSON.stringify(findings.map(keptRow));
      fields.push(text);
    }
  }
  fields.push(END);
  parts.push(fields.join(FIELD));
  return parts.join(PART);
}

/** A field in split form; undefined when it cannot be one (a separator in its text, a number that is not finite). */
function splitField(v: KeptFinding[number]): string | undefined {
  if (v === null) return NULL;
  if (typeof v === "number") return Number.isFinite(v) ? String(v) : undefined;
  if (typeof v === "string") return SEPARATORS.test(v) ? undefined : v;
  // A list of one empty string would read back as an empty list.
  if (v.length === 1 && v[0] === "") return undefined;
  return v.some((x) => SEPARATORS.test(x)) ? undefined : v.join(ITEM);
}

/** Every empty list decoded: one array, frozen (nothing changes a finding's lists; a change would throw). */
const NO_ITEMS = Object.freeze([]) as unknown as string[];
const list = (s: string): string[] => (s === "" ? NO_ITEMS : s.split(ITEM));
const orNull = (s: string): string | null => (s === NULL ? null : s);

/** The kept findings back (pure); null when the text does not hold `count` findings (then they are read again). */
export function decodeKeptFindings(text: string, count: number): GateFinding[] | null {
  return decodeKeptParts(text.startsWith(HEAD) ? text.split(PART) : [text], count);
}

/** The kept findings back from the text's parts, in order (as the gate reads them); null as decodeKeptFindings. */
export function decodeKeptParts(parts: readonly string[], count: number): GateFinding[] | null {
  const first = parts[0];
  if (first === undefined) return null;
  if (!first.startsWith(HEAD)) {
    if (parts.length !== 1) return null;
    return first.startsWith(HEAD_K2) ? decodeFields([first], 1, count) : decodeJson(first, count);
  }
  return decodeFields(parts, 1, count);
}

/** Split-form parts: the first opens with `skip` head fields, the last closes with END. */
function decodeFields(parts: readonly string[], skip: number, count: number): GateFinding[] | null {
  const out = new Array<GateFinding>(count);
  // Findings of one upload share their first-seen instant: one Date for each (nothing changes a finding's Date).
  const dates = new Map<string, Date>();
  let j = 0;
  for (let c = 0; c < parts.length; c++) {
    const p = parts[c]!.split(FIELD);
    let end = p.length;
    if (c === parts.length - 1) {
      if (p[end - 1] !== END) return null;
      end--;
    }
    const start = c === 0 ? skip : 0;
    if ((end - start) % WIDTH !== 0 || j + (end - start) / WIDTH > count) return null;
    for (let i = start; i < end; i += WIDTH) out[j++] = findingAt(p, i, dates);
  }
  return j === count ? out : null;
}

/** The finding whose fields start at p[i]. */
function findingAt(p: string[], i: number, dates: Map<string, Date>): GateFinding {
  const at = p[i + 10]!;
  let firstSeenAt = dates.get(at);
  if (!firstSeenAt) dates.set(at, (firstSeenAt = new Date(Number(at))));
  return {
    id: p[i]!,
    fingerprint: p[i + 1]!,
    mergedFingerprints: list(p[i + 2]!),
    severity: p[i + 3] as Severity,
    riskArea: Number(p[i + 4]),
    kind: p[i + 5] as FindingKind,
    ruleId: p[i + 6]!,
    title: p[i + 7]!,
    vulnerabilityId: orNull(p[i + 8]!),
    aliases: list(p[i + 9]!),
    firstSeenAt,
    packageName: orNull(p[i + 11]!),
    packageVersion: orNull(p[i + 12]!),
    fixedVersions: list(p[i + 13]!),
    file: orNull(p[i + 14]!),
  };
}

function decodeJson(text: string, count: number): GateFinding[] | null {
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
    if (!Array.isArray(r) || r.length !== WIDTH) return null;
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

/** FIELD and PART as SQL literals. */
const FIELD_SQL = sql.raw(`E'\\x01'`);
const PART_SQL = sql.raw(`E'\\x04'`);
/** A text[] column as a split-form list (never null: a null list reads back as an empty one, as the rows' mapping does). */
const listOf = (column: string) => sql.raw(`coalesce(array_to_string(f.${column}, E'\\x02'), '')`);
/** A text[] column's elements end to end, to look for separators in. */
const elementsOf = (column: string) => sql.raw(`array_to_string(f.${column}, '')`);
/** A text column as a split-form field: null is U+0003. */
const fieldOf = (column: string) => sql.raw(`coalesce(f.${column}, E'\\x03')`);

/** Where a gate keeps what it reads: the service, the set of scans, and the findings version read before them. */
export type KeepAt = { serviceId: string; scansKey: string; version: number };

/**
 * The findings these sightings name, as the split form `encodeKeptFindings` writes, built by the database: the gate
 * that finds nothing kept decodes this text instead of a thousand rows, most severe first. With `keep`, the same
 * statement keeps the text as keepInput would (and drops the service's outdated rows), so the text never travels back.
 * `text` is null when a text holds a separator or a list is one empty string: nothing is kept then, and the caller
 * reads the rows (and keeps them as JSON). `from` is the findings' `from … where …`, the table aliased `f`.
 */
export async function readKeptText(db: Database, from: SQL, keep?: KeepAt): Promise<{ text: string | null; count: number }> {
  // Numbered in the text's order, so that every CHUNK-th finding after the first is preceded by PART.
  const built = sql`select count(*) as count,
               bool_or(concat(f.id, f.fingerprint, f.severity, f.kind, f.rule_id, f.title, f.vulnerability_id, f.package_name,
                              f.package_version, f.file, ${elementsOf("merged_fingerprints")}, ${elementsOf("aliases")},
                              ${elementsOf("fixed_versions")}) ~ E'[\\x01-\\x04]'
                       or f.merged_fingerprints = '{""}' or f.aliases = '{""}' or f.fixed_versions = '{""}') as odd,
               ${HEAD.slice(0, -1)} || ${FIELD_SQL} || coalesce(string_agg(concat_ws(${FIELD_SQL},
                 f.id, f.fingerprint, ${listOf("merged_fingerprints")}, f.severity, f.risk_area::text, f.kind, f.rule_id, f.title,
                 ${fieldOf("vulnerability_id")}, ${listOf("aliases")}, floor(extract(epoch from f.first_seen_at) * 1000)::bigint::text,
                 ${fieldOf("package_name")}, ${fieldOf("package_version")}, ${listOf("fixed_versions")}, ${fieldOf("file")}),
                 case when f.n > 1 and f.n % ${sql.raw(String(CHUNK))} = 1 then ${PART_SQL} else ${FIELD_SQL} end order by f.n)
                 || ${FIELD_SQL}, '') || ${END} as text
        from (select f.id, f.fingerprint, f.merged_fingerprints, f.severity, f.risk_area, f.kind, f.rule_id, f.title,
                     f.vulnerability_id, f.aliases, f.first_seen_at, f.package_name, f.package_version, f.fixed_versions, f.file,
                     row_number() over (order by f.severity_rank desc, f.first_seen_at, f.id collate "C") as n ${from}) f`;
  const [row] = await queryRows<{ text: string | null; count: number | string; odd: boolean | null }>(
    db,
    keep
      ? // keepInput's two statements as parts of this one.
        sql`with t as (${built}),
             gone as (${dropOutdated(keep)}),
             kept as (${upsertKept(keep, sql`select t.count, t.text from t where t.odd is not true`)})
           select count, odd, text from t`
      : built,
  );
  const count = Number(row?.count ?? 0);
  return { text: row && !row.odd ? row.text : null, count };
}

/** Keeps (count, text) from `rows` at `at`, unless what is kept there is as new. */
const upsertKept = (at: KeepAt, rows: SQL) =>
  sql`insert into gate_inputs (service_id, scans_key, version, finding_count, findings)
      select ${at.serviceId}::text, ${at.scansKey}::text, ${at.version}::bigint, r.count, r.text from (${rows}) as r(count, text)
      on conflict (service_id, scans_key) do update
        set version = excluded.version, finding_count = excluded.finding_count, findings = excluded.findings, kept_at = now()
        where gate_inputs.version < excluded.version`;

/**
 * Drops the service's other rows that an upload has outdated: they can never be read again. The row at `at` itself is
 * left to upsertKept, which replaces it only when older (so this can run in one statement with it). Rows another gate
 * is dropping at the same moment are skipped, not waited for: concurrent gates never queue here.
 */
const dropOutdated = (at: KeepAt) =>
  sql`delete from gate_inputs where (service_id, scans_key) in (
        select service_id, scans_key from gate_inputs
        where service_id = ${at.serviceId} and version < ${at.version} and scans_key <> ${at.scansKey}
        for update skip locked)`;

/**
 * Keeps the findings read for these scans at `at.version` (read before them, so they are at least that new), and drops
 * the service's outdated rows: one statement, so it needs no transaction of its own.
 */
export async function keepInput(db: Database, at: KeepAt, kept: { text: string; count: number }): Promise<void> {
  await db.execute(
    sql`with gone as (${dropOutdated(at)}) ${upsertKept(at, sql`values (${kept.count}::int, ${kept.text}::text)`)}`,
  );
}
