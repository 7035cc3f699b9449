// Set-based seeding for the gate benchmark: `services` services of one team, each with one commit scanned by a
// SAST+SCA scan that saw `perService` findings and a clean secrets scan, in the shapes ingest writes. Seconds, not
// the hours the same data takes through the API.
import type { Sql } from "postgres";

export const gateServiceSlug = (i: number) => `svc-${i}`;
export const gateCommit = (i: number) => (i.toString(16).padStart(8, "0") + "b".repeat(32)).slice(0, 40);

export type GateSeed = { services: number; perService: number; teamId: string; now: Date };

export async function seedGate(sql: Sql, o: GateSeed, log: (line: string) => void = () => {}): Promise<void> {
  const now = o.now.toISOString();
  const step = async (label: string, run: () => Promise<{ count: number }>) => {
    const t0 = performance.now();
    const r = await run();
    log(`  ${label}: ${r.count.toLocaleString("en-US")} rows in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  };
  await sql`set synchronous_commit = off`;
  await sql`set maintenance_work_mem = '256MB'`;
  await step(
    "services",
    () =>
      sql`insert into services (id, team_id, slug, name, repo_url, default_branch, criticality, created_at, updated_at)
          select 'svc_gb' || lpad(i::text, 6, '0'), ${o.teamId}, 'svc-' || i, 'Service ' || i, null, 'main', 'medium',
                 ${now}::timestamptz - interval '100 days', ${now}::timestamptz - interval '100 days'
          from generate_series(0, ${o.services - 1}) i`,
  );
  const commit = `substr(lpad(to_hex(i), 8, '0') || repeat('b', 32), 1, 40)`;
  await step(
    "scans",
    () =>
      sql`insert into scans (id, service_id, commit, branch, format, tool_name, tool_version, status, evidence, parts, report_sha256,
                             report_bytes, dedup_key, statistics, warnings, received_at, scanned_at, track_keys)
          select 'scan_gb' || lpad(i::text, 6, '0') || '_' || k.kind, 'svc_gb' || lpad(i::text, 6, '0'), ${sql.unsafe(commit)}, 'main',
                 'gatehouse', k.tool, '1.0', 'complete', k.evidence,
                 jsonb_build_array(jsonb_build_object('tool', k.tool, 'version', '1.0', 'category', null, 'succeeded', true,
                                                      'findings', case when k.kind = 'a' then ${o.perService} else 0 end)),
                 md5(i || k.kind) || md5(k.kind || i), 1000, md5('d' || i || k.kind) || md5(k.kind || 'd' || i),
                 '{}'::jsonb, '[]'::jsonb, ${now}::timestamptz - interval '1 hour', ${now}::timestamptz - interval '1 hour',
                 array['main' || chr(1) || k.tool || chr(1)]
          from generate_series(0, ${o.services - 1}) i
          cross join (values ('a', 'bench-scanner', '{sast,sca}'::text[]), ('s', 'secrets-scanner', '{secrets}'::text[])) k(kind, tool, evidence)`,
  );
  // Severity mix as in the HTTP seeding this replaces: ~1% critical, 9% high, 35% medium, 40% low, 15% info.
  await step(
    "findings",
    () =>
      sql`insert into findings (id, service_id, fingerprint, kind, risk_area, severity, severity_rank, status, suppressed, rule_id, title,
                                vulnerability_id, aliases, cwes, package_purl, package_key, package_ecosystem, package_name,
                                package_version, fixed_versions, file, start_line, "references", tools, first_seen_at, last_seen_at,
                                first_commit, last_commit)
          select 'fnd_gb' || lpad(s::text, 6, '0') || lpad(n::text, 5, '0'), 'svc_gb' || lpad(s::text, 6, '0'), md5(s || ':' || n),
                 case when code then 'code' else 'dependency' end, case when code then 1 else 3 end,
                 sev, case sev when 'critical' then 5 when 'high' then 4 when 'medium' then 3 when 'low' then 2 else 1 end,
                 'open', 0, case when code then 'rule-' || (n % 97) else 'CVE-2024-' || (10000 + n) end,
                 'finding ' || n || ' of service ' || s, case when code then null else 'CVE-2024-' || (10000 + n) end,
                 '{}', '{}', case when code then null else 'pkg:npm/pkg-' || (n % 400) || '@1.0.0' end,
                 case when code then null else 'npm/pkg-' || (n % 400) end, case when code then null else 'npm' end,
                 case when code then null else 'pkg-' || (n % 400) end, case when code then null else '1.0.0' end,
                 case when code then '{}'::text[] else '{1.0.1}'::text[] end,
                 case when code then 'src/module-' || (n % 50) || '/file-' || n || '.ts' end, case when code then 10 + n % 300 end,
                 '{}', '{bench-scanner}', ${now}::timestamptz - make_interval(days => n % 90), ${now}::timestamptz - interval '1 hour',
                 c, c
          from (select s, n, n % 3 = 0 as code, substr(lpad(to_hex(s), 8, '0') || repeat('b', 32), 1, 40) as c,
                       case when x < 0.01 then 'critical' when x < 0.10 then 'high' when x < 0.45 then 'medium' when x < 0.85 then 'low'
                            else 'info' end as sev
                from generate_series(0, ${o.services - 1}) s cross join generate_series(0, ${o.perService - 1}) n
                cross join lateral (select ((n + s)::bigint * 2654435761 % 1000) / 1000.0 as x) r) a`,
  );
  await step(
    "finding_tracks",
    () =>
      sql`insert into finding_tracks (finding_id, service_id, track_key, branch, tool, category, status, first_seen_at, last_seen_at,
                                      closed_at, reopened_count, last_scan_id)
          select f.id, f.service_id, 'main' || chr(1) || 'bench-scanner' || chr(1), 'main', 'bench-scanner', '', 'open', f.first_seen_at,
                 f.last_seen_at, null, 0, 'scan_gb' || substr(f.service_id, 7) || '_a'
          from findings f where f.service_id like 'svc_gb%'`,
  );
  await step(
    "scan_findings",
    () =>
      sql`insert into scan_findings (scan_id, finding_id, service_id, commit, severity_rank, suppressed, start_line)
          select 'scan_gb' || substr(f.service_id, 7) || '_a', f.id, f.service_id, f.last_commit, f.severity_rank, 0, f.start_line
          from findings f where f.service_id like 'svc_gb%'`,
  );
  // Rows loaded over months have long been vacuumed: hint bits set, the visibility map current. Three million rows
  // inserted a minute ago have not, and autovacuum's first pass over them (and every first read setting hint bits)
  // would land in the measurement, competing with the server for the same two cores.
  const t0 = performance.now();
  await sql`vacuum (analyze)`;
  log(`  vacuum (analyze): ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

/**
 * What each service's last upload keeps for the gate at its commit (server/gate/gather-input.ts
 * keepGateInputAtUpload), done here with the server's own function, as the uploads the SQL above stands for would have.
 */
export async function keepAsUploadsDo(url: string, o: Pick<GateSeed, "services">, log: (line: string) => void): Promise<void> {
  const [{ openDatabase, queryRows }, { withTransaction }, { keepGateInputAtUpload }, { sql }] = await Promise.all([
    import("@/db/client"),
    import("@/server/context"),
    import("@/server/gate/gather-input"),
    import("drizzle-orm"),
  ]);
  const t0 = performance.now();
  const h = await openDatabase({ kind: "postgres", url, poolMax: 4 });
  try {
    const ctx = { db: h.db, actor: { type: "system" as const, label: "bench seed" }, now: () => new Date() };
    let next = 0;
    const one = async (i: number) =>
      withTransaction(ctx, async (tx) => {
        const serviceId = `svc_gb${String(i).padStart(6, "0")}`;
        const [row] = await queryRows<{ v: string | number }>(
          tx.db,
          sql`select findings_version as v from services where id = ${serviceId}`,
        );
        await keepGateInputAtUpload(tx, { serviceId, commit: gateCommit(i), artifact: null, version: Number(row!.v) });
      });
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (next < o.services) await one(next++);
      }),
    );
  } finally {
    await h.close();
  }
  log(
    `  gate_inputs (as the uploads keep them): ${o.services.toLocaleString("en-US")} rows in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
}

/**
 * Writes out what the seed dirtied before anything is measured. Seeding writes ≈ 1 GB of WAL, and the spread checkpoint
 * it starts would otherwise run on into the measurement (seen lasting 50 s), writing pages and making every first
 * change of a page log it whole, on the same two cores and disk as the server. Needs a superuser or pg_checkpoint.
 */
export async function checkpointAfterSeed(sql: Sql, log: (line: string) => void): Promise<void> {
  const t0 = performance.now();
  try {
    await sql`checkpoint`;
    log(`  checkpoint: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  } catch (e) {
    log(`  checkpoint: not allowed for this role (${(e as Error).message}); the seed's checkpoint may run into the measurement`);
  }
}
