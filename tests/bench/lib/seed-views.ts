// Set-based seeding for the views benchmark: teams, services, findings with their scopes and sightings, scans,
// gate decisions, deployments, waivers and 90 days of score snapshots, written with INSERT … SELECT over
// generate_series in the shapes ingest, the gate and the scorer write (see server/ingest/ingest-report.ts).
// Pseudo-random values come from hashes of the row number, so the same scale always gives the same data.
import type { Sql } from "postgres";

export type SeedOptions = { teams: number; services: number; findings: number; now: Date };
export type SeedStep = { label: string; rows: number; ms: number };

/** Tools, the evidence their scans give, and how often they scan (days between scans). */
export const TOOLS = [
  { tool: "trivy", kinds: ["sca", "container"], every: 3 },
  { tool: "semgrep", kinds: ["sast"], every: 3 },
  { tool: "gitleaks", kinds: ["secrets"], every: 3 },
  { tool: "checkov", kinds: ["iac"], every: 3 },
  { tool: "zap", kinds: ["dast"], every: 7 },
  { tool: "dockle", kinds: ["config"], every: 7 },
  { tool: "scorecard", kinds: ["posture"], every: 7 },
] as const;

export const SCAN_DAYS = 90;
export const STAGES = [
  { stage: "dev", every: 2 },
  { stage: "test", every: 3 },
  { stage: "production", every: 6 },
] as const;

const CODE_RULES = [
  "js/sql-injection",
  "js/xss",
  "js/path-injection",
  "js/prototype-pollution",
  "js/insecure-randomness",
  "js/regex-injection",
  "js/command-line-injection",
  "js/clear-text-logging",
  "js/hardcoded-credentials",
  "js/zipslip",
  "py/sql-injection",
  "py/eval",
  "py/flask-debug",
  "py/weak-crypto",
  "go/ssrf",
  "go/unsafe-deserialization",
  "java/xxe",
  "java/log-injection",
  "ts/missing-rate-limiting",
  "ts/open-redirect",
];
const POSTURE_RULES = ["Branch-Protection", "Token-Permissions", "Pinned-Dependencies", "Dangerous-Workflow", "Code-Review"];

export const serviceId = (i: number) => `svc_bench${String(i).padStart(6, "0")}`;
export const serviceSlug = (i: number) => `svc-${String(i).padStart(4, "0")}`;
export const teamId = (i: number) => `team_bench${String(i).padStart(4, "0")}`;
export const teamSlug = (i: number) => `team-${String(i).padStart(2, "0")}`;

/** A gate answer's checks, as evaluate-gate records them (the shape matters for the views, not the values). */
function checks(block: boolean) {
  const c = (id: string, title: string, fail: boolean) => ({
    id,
    title,
    status: fail ? "fail" : "pass",
    actual: fail ? 3 : 0,
    threshold: 0,
    findings: fail ? ["fnd_000000000001", "fnd_000000000002", "fnd_000000000003"] : [],
    message: fail ? `${title}: 3 found, at most 0 allowed.` : `${title}: none.`,
    remediation: fail ? "Fix or waive the findings listed, then ask again." : "",
  });
  return [
    c("max-findings:critical", "No critical findings", block),
    c("max-findings:high", "At most 5 high findings", false),
    c("no-secrets", "No secrets", false),
    c("evidence:sast", "sast evidence", false),
    c("evidence:sca-or-sbom", "sca or sbom evidence", false),
    c("evidence:secrets", "secrets evidence", false),
    c("sla", "No finding past its SLA", false),
    c("previous-stage", "Passed the previous stage first", false),
  ];
}

/** Seeds everything; returns the time and row count of each step. */
export async function seedViews(sql: Sql, o: SeedOptions, log: (line: string) => void = () => {}): Promise<SeedStep[]> {
  const steps: SeedStep[] = [];
  const now = o.now.toISOString();
  const step = async (label: string, run: () => Promise<{ count: number }>) => {
    const t0 = performance.now();
    const r = await run();
    steps.push({ label, rows: r.count, ms: performance.now() - t0 });
    log(`  ${label}: ${r.count.toLocaleString("en-US")} rows in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  };
  await sql`set synchronous_commit = off`;
  await sql`set maintenance_work_mem = '256MB'`;
  // A uniform pseudo-random number in [0, 1) from a row number and a salt.
  await sql.unsafe(`create or replace function pg_temp.rnd(n bigint, salt int) returns float8
    language sql immutable as $$ select (hashint8(n * 7919 + salt) & 2147483647)::float8 / 2147483648 $$`);
  await sql.unsafe(`create or replace function pg_temp.sha(t text) returns text
    language sql immutable as $$ select md5(t) || substr(md5(t || 'x'), 1, 8) $$`);

  await step(
    "teams",
    () =>
      sql`insert into teams (id, slug, name, created_at)
        select 'team_bench' || lpad(i::text, 4, '0'), 'team-' || lpad(i::text, 2, '0'), 'Team ' || i, ${now}::timestamptz - interval '400 days'
        from generate_series(0, ${o.teams - 1}) i`,
  );
  await step(
    "services",
    () =>
      sql`insert into services (id, team_id, slug, name, repo_url, default_branch, criticality, created_at, updated_at)
        select 'svc_bench' || lpad(i::text, 6, '0'), 'team_bench' || lpad((i % ${o.teams})::text, 4, '0'),
               'svc-' || lpad(i::text, 4, '0'), 'Service ' || i, 'https://github.com/acme/svc-' || lpad(i::text, 4, '0'), 'main',
               (case when pg_temp.rnd(i, 1) < 0.1 then 'critical' when pg_temp.rnd(i, 1) < 0.35 then 'high'
                     when pg_temp.rnd(i, 1) < 0.8 then 'medium' else 'low' end)::criticality,
               ${now}::timestamptz - interval '400 days', ${now}::timestamptz - interval '400 days'
        from generate_series(0, ${o.services - 1}) i`,
  );

  // Scans: each tool scans the service's commit of the day every `every` days; the newest scan day is 0.
  // Evidence gaps on purpose: gitleaks always fails for every 10th service (missing) and fails for the last
  // 35 days for another 10th (stale).
  const tools = TOOLS.map((t) => ({ tool: t.tool, kinds: `{${t.kinds.join(",")}}`, every: t.every }));
  await step(
    "scans",
    () =>
      sql`insert into scans (id, service_id, commit, branch, artifact, stage, pipeline_run, format, tool_name, tool_version, status,
                           failure_reason, evidence, parts, scanner_db_built_at, sbom_format, sbom_components, report_sha256, report_bytes,
                           dedup_key, idempotency_key, token_id, statistics, warnings, received_at, scanned_at, track_keys)
        select 'scan_b' || lpad(s::text, 6, '0') || '_' || t.tool || '_' || lpad(d::text, 2, '0'),
               'svc_bench' || lpad(s::text, 6, '0'),
               pg_temp.sha('c' || s || '-' || d), case when d % 9 = 4 then 'release/' || (d / 9) else 'main' end,
               null, null, null, case t.tool when 'trivy' then 'trivy' when 'semgrep' then 'sarif' else 'generic' end,
               t.tool, '1.' || (d % 7), x.status,
               case when x.status = 'failed' then 'the scanner reported a failed run' end,
               t.kinds::text[],
               jsonb_build_array(jsonb_build_object('tool', t.tool, 'version', '1.' || (d % 7), 'category', null,
                                                    'succeeded', x.status = 'complete', 'findings', 40)),
               case when t.tool = 'trivy' then x.at - interval '20 hours' end, null, null,
               md5('r' || s || t.tool || d) || md5('q' || s || t.tool || d), 100000 + (s * 13 + d) % 50000,
               md5('k' || s || t.tool || d) || md5('j' || s || t.tool || d), null, null,
               jsonb_build_object('findings', 40, 'created', 2, 'unchanged', 37, 'reopened', 1, 'closed', 3,
                                  'bySeverity', jsonb_build_object('critical', 1, 'high', 5, 'medium', 14, 'low', 14, 'info', 6)),
               '[]'::jsonb, x.at, x.at,
               array[x.branch || chr(1) || t.tool || chr(1) || chr(1) || 'source' || chr(1)]
        from generate_series(0, ${o.services - 1}) s
        cross join json_to_recordset(${JSON.stringify(tools)}::text::json) as t(tool text, kinds text, every int)
        cross join generate_series(0, ${SCAN_DAYS - 1}) d
        cross join lateral (
          select ${now}::timestamptz - make_interval(days => d, hours => 1 + (s % 6), mins => (s * 7) % 60) as at,
                 case when d % 9 = 4 then 'release/' || (d / 9) else 'main' end as branch,
                 case when t.tool = 'gitleaks' and (s % 10 = 7 or (s % 10 = 3 and d < 35)) then 'failed'
                      when pg_temp.rnd(s * 100 + d, 11) < 0.02 then 'failed' else 'complete' end as status
        ) x
        where d % t.every = 0`,
  );

  // Findings: services get a skewed share (the largest has ~1.5% of all findings, the median ~0.05%).
  await step(
    "findings",
    () =>
      sql`insert into findings (id, service_id, fingerprint, kind, risk_area, severity, severity_rank, status, suppressed, rule_id, title,
                              description, vulnerability_id, aliases, cwes, cvss_score, cvss_vector, package_purl, package_key,
                              package_ecosystem, package_name, package_version, fixed_versions, file, start_line, end_line, snippet_hash,
                              resource, url, image, secret_hash, secret_preview, remediation, "references", properties, tools,
                              first_seen_at, last_seen_at, first_commit, last_commit, closed_at)
        select 'fnd_b' || lpad(n::text, 12, '0'), 'svc_bench' || lpad(sv::text, 6, '0'), md5('fp' || n), kind,
               case kind when 'code' then 1 when 'posture' then 2 when 'dependency' then 3 when 'license' then 3 when 'secret' then 4
                         when 'iac' then case when n % 10 = 0 then 7 else 5 end else 6 end,
               sev, case sev when 'critical' then 5 when 'high' then 4 when 'medium' then 3 when 'low' then 2 else 1 end,
               case when open then 'open' else 'closed' end, case when open and rst >= 0.37 then 1 else 0 end,
               rule, title, null,
               case when kind = 'dependency' then rule end,
               case when kind = 'dependency' and n % 3 = 0 then array['GHSA-' || substr(md5(rule), 1, 4) || '-' || substr(md5(rule), 5, 4)]
                    else '{}'::text[] end,
               case when kind = 'code' then array[79 + (n % 7)] else '{}'::int[] end,
               case when kind = 'dependency' then round((4 + rf * 6)::numeric, 1)::real end, null,
               case when pkg is not null then 'pkg:npm/' || pkg || '@' || ver end,
               case when pkg is not null then 'npm/' || pkg end,
               case when pkg is not null then 'npm' end, pkg, ver,
               case when kind = 'dependency' and n % 10 < 7 then array[split_part(ver, '.', 1) || '.' || split_part(ver, '.', 2) || '.' || (10 + n % 5)]
                    else '{}'::text[] end,
               file, case when file is not null then 1 + (n % 400) end, null,
               case when kind = 'code' then md5('snip' || n) end,
               case when kind = 'iac' then 'aws_s3_bucket.b' || (n % 80) end,
               case when kind = 'dast' then 'https://app.example.com/path-' || (n % 100) end,
               case when kind = 'config' then 'registry.example.com/svc-' || sv || ':1.0' end,
               case when kind = 'secret' then md5('secret' || n) end,
               case when kind = 'secret' then 'AKIA************' || substr(md5('p' || n), 1, 4) end,
               null, '{}'::text[],
               case when kind = 'posture' then jsonb_build_object('score', n % 10) end,
               array[tool], first_seen, last_seen,
               pg_temp.sha('c' || sv || '-' || least(${SCAN_DAYS - 1}, greatest(0, extract(day from ${now}::timestamptz - first_seen)::int))),
               pg_temp.sha('c' || sv || '-' || least(${SCAN_DAYS - 1}, greatest(0, extract(day from ${now}::timestamptz - last_seen)::int))),
               case when not open then last_seen + interval '2 hours' end
        from (
          select n, sv, kind, sev, open, rst, rf, pkg, ver,
                 case kind when 'dependency' then 'trivy' when 'license' then 'trivy' when 'code' then 'semgrep' when 'secret' then 'gitleaks'
                           when 'iac' then 'checkov' when 'dast' then 'zap' when 'config' then 'dockle' else 'scorecard' end as tool,
                 case kind
                   when 'dependency' then 'CVE-' || (2019 + n % 7) || '-' || lpad(((hashint4(length(pkg) + n % 4 + 31 * pkg_n) & 65535) % 40000)::text, 5, '0')
                   when 'license' then 'license:GPL-3.0'
                   when 'code' then (${CODE_RULES}::text[])[1 + (n % ${CODE_RULES.length})]
                   when 'secret' then case when n % 2 = 0 then 'generic-api-key' else 'aws-access-token' end
                   when 'iac' then 'CKV_AWS_' || (n % 150)
                   when 'dast' then (10000 + n % 60)::text
                   when 'config' then 'CIS-DI-000' || (n % 9)
                   else (${POSTURE_RULES}::text[])[1 + (n % ${POSTURE_RULES.length})] end as rule,
                 case kind
                   when 'dependency' then 'Vulnerability in ' || pkg || ' ' || ver
                   when 'code' then 'Untrusted data reaches a sensitive sink (' || (n % 97) || ')'
                   when 'secret' then 'A credential is committed to the repository'
                   when 'iac' then 'Bucket without encryption, logging or versioning (' || (n % 150) || ')'
                   when 'dast' then 'Missing security header ' || (n % 60)
                   when 'config' then 'Image runs as root'
                   when 'posture' then 'Repository setting is not hardened'
                   else 'Licence not allowed' end as title,
                 case when kind in ('code', 'secret') then 'src/module-' || (n % 60) || '/file-' || (n % 500) || '.ts'
                      when kind = 'iac' then 'infra/main-' || (n % 20) || '.tf'
                      when kind = 'dependency' then 'package-lock.json' end as file,
                 ${now}::timestamptz - make_interval(secs => rf * ${SCAN_DAYS} * 86400) as first_seen,
                 case when open then ${now}::timestamptz - make_interval(secs => rl * 3 * 86400)
                      else ${now}::timestamptz - make_interval(secs => rf * ${SCAN_DAYS} * 86400 * (1 - rl)) end as last_seen
          from (
            select n, sv, rst, rf, rl, rst < 0.40 as open,
                   case when rs < 0.02 then 'critical' when rs < 0.15 then 'high' when rs < 0.50 then 'medium' when rs < 0.85 then 'low'
                        else 'info' end as sev,
                   case when rk < 0.55 then 'dependency' when rk < 0.80 then 'code' when rk < 0.88 then 'iac' when rk < 0.90 then 'secret'
                        when rk < 0.94 then 'dast' when rk < 0.97 then 'config' when rk < 0.99 then 'posture' else 'license' end as kind,
                   case when rk < 0.55 or rk >= 0.99 then 'pkg-' || pkg_n end as pkg, pkg_n,
                   case when rk < 0.55 or rk >= 0.99 then (1 + (sv + pkg_n) % 4) || '.' || ((sv * 7 + pkg_n) % 15) || '.' || (pkg_n % 10) end as ver
            from (
              select n, least(${o.services - 1}, floor(${o.services} * power(pg_temp.rnd(n, 1), 1.6)))::int as sv,
                     pg_temp.rnd(n, 2) as rk, pg_temp.rnd(n, 3) as rs, pg_temp.rnd(n, 4) as rst, pg_temp.rnd(n, 5) as rf,
                     pg_temp.rnd(n, 6) as rl, (hashint8(n * 31 + 7) & 65535) % 400 as pkg_n
              from generate_series(1, ${o.findings}) n
            ) a
          ) b
        ) c`,
  );

  // The scan that last saw each finding: its tool's scan on the day it was last seen (open: the newest scan).
  const lastScan = (every: string) =>
    `'scan_b' || substr(f.service_id, 10) || '_' || f.tools[1] || '_' ||
     lpad((least(${SCAN_DAYS - 1}, extract(day from '${now}'::timestamptz - f.last_seen_at)::int) / ${every} * ${every})::text, 2, '0')`;
  const scanOf = `case when f.tools[1] in ('zap', 'dockle', 'scorecard') then ${lastScan("7")} else ${lastScan("3")} end`;
  await step(
    "finding_tracks",
    () =>
      sql`insert into finding_tracks (finding_id, service_id, track_key, branch, tool, category, status, first_seen_at, last_seen_at,
                                    closed_at, reopened_count, last_scan_id)
        select f.id, f.service_id, 'main' || chr(1) || f.tools[1] || chr(1) || chr(1) || 'source' || chr(1), 'main', f.tools[1], '', f.status, f.first_seen_at,
               f.last_seen_at, f.closed_at, case when pg_temp.rnd(substr(f.id, 6)::bigint, 21) < 0.05 then 1 else 0 end,
               ${sql.unsafe(scanOf)}
        from findings f`,
  );
  await step(
    "scan_findings",
    () =>
      sql`insert into scan_findings (scan_id, finding_id, service_id, commit, severity_rank, suppressed, start_line)
        select sc.id, f.id, f.service_id, sc.commit, f.severity_rank, f.suppressed, f.start_line
        from findings f join scans sc on sc.id = ${sql.unsafe(scanOf)}`,
  );

  // Gate decisions per stage (every `every` days), on the commit scanned that day; about one in five blocks.
  const allow = JSON.stringify(checks(false));
  const block = JSON.stringify(checks(true));
  const stages = JSON.stringify(STAGES);
  await step(
    "gate_decisions",
    () =>
      sql`insert into gate_decisions (id, service_id, stage, commit, artifact, branch, decision, policy_id, policy_version, response,
                                    actor_label, evaluated_at)
        select x.id, x.service_id, x.stage, x.commit, null, 'main', x.decision, 'pol_default_' || x.stage, 1,
               jsonb_build_object('decision', x.decision, 'decisionId', x.id, 'url', 'http://localhost/api/v1/gate/decisions/' || x.id,
                                  'service', 'svc-' || lpad(s::text, 4, '0'), 'stage', x.stage, 'commit', x.commit, 'artifact', null,
                                  'branch', 'main', 'policy', jsonb_build_object('id', 'pol_default_' || x.stage, 'version', 1),
                                  'checks', case when x.decision = 'block' then ${block}::text::jsonb else ${allow}::text::jsonb end,
                                  'waiversApplied', '[]'::jsonb, 'evidence', jsonb_build_array('scan_b' || lpad(s::text, 6, '0') || '_trivy_00'),
                                  'evaluatedAt', to_char(x.at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')),
               'token:ci', x.at
        from generate_series(0, ${o.services - 1}) s
        cross join json_to_recordset(${stages}::text::json) as st(stage text, every int)
        cross join generate_series(0, ${SCAN_DAYS - 1}) d
        cross join lateral (
          select 'dec_b' || lpad(s::text, 6, '0') || '_' || st.stage || '_' || lpad(d::text, 2, '0') as id,
                 'svc_bench' || lpad(s::text, 6, '0') as service_id, st.stage,
                 pg_temp.sha('c' || s || '-' || (d / 3 * 3)) as commit,
                 case when pg_temp.rnd(s * 1000 + d * 3 + length(st.stage), 31) < 0.2 then 'block' else 'allow' end as decision,
                 ${now}::timestamptz - make_interval(days => d, mins => 30 + (s % 300)) as at
        ) x
        where d % st.every = 0`,
  );
  // Deployments follow allowed decisions; 3% of blocked ones are deployed anyway (a bypass), as are a few ungated commits.
  await step(
    "deployments",
    () =>
      sql`insert into deployments (id, service_id, stage, commit, artifact, decision_id, bypass, bypass_reason, actor_label, deployed_at)
        select 'dep_' || substr(d.id, 5), d.service_id, d.stage, d.commit, null, d.id, d.decision = 'block',
               case when d.decision = 'block' then 'Hotfix for an outage; the finding is tracked in the incident.' end,
               'token:deployer', d.evaluated_at + interval '10 minutes'
        from gate_decisions d
        where d.decision = 'allow' or pg_temp.rnd(hashtext(d.id), 41) < 0.03`,
  );
  // Waivers: approved rule waivers for one service in 20, a few pending, a few global vulnerability waivers.
  await step(
    "waivers",
    () =>
      sql`insert into waivers (id, team_id, service_id, match_type, match_value, stages, kind, reason, expires_at, created_by, created_at,
                             approved_by, approved_at, revoked_by, revoked_at)
        select 'wvr_b' || lpad(i::text, 6, '0'), 'team_bench' || lpad((i * 20 % ${o.services} % ${o.teams})::text, 4, '0'),
               'svc_bench' || lpad((i * 20 % ${o.services})::text, 6, '0'), 'rule', (${CODE_RULES}::text[])[1 + (i % ${CODE_RULES.length})],
               null, case when i % 4 = 0 then 'false_positive' else 'waiver' end, 'Accepted: compensating control in place (bench).',
               ${now}::timestamptz + case when i % 4 = 0 then interval '300 days' else interval '30 days' end, 'dev@example.com',
               ${now}::timestamptz - interval '10 days', case when i % 5 = 0 then null else 'sec@example.com' end,
               case when i % 5 = 0 then null else ${now}::timestamptz - interval '9 days' end, null, null
        from generate_series(0, ${Math.max(1, Math.floor(o.services / 20)) - 1}) i`,
  );
  await sql`analyze`;
  return steps;
}

/**
 * Copies each service's snapshot of `today` into the 89 days before it, drifting a little per day, so the trends
 * have 90 days of history in the shape the scorer writes (the `areas` detail is the real one of today).
 */
export async function backfillSnapshots(sql: Sql, today: string): Promise<number> {
  const r = await sql`
    insert into score_snapshots (service_id, day, formula_version, grade, score, areas, area_grades, open_by_severity, computed_at)
    select s.service_id, x.day, s.formula_version,
           case when x.score >= 90 then 'A' when x.score >= 80 then 'B' when x.score >= 70 then 'C' when x.score >= 60 then 'D'
                when x.score >= 50 then 'E' else 'F' end,
           x.score, s.areas, s.area_grades,
           (select jsonb_object_agg(k, round(v::int * (1 + k2 * 0.004))) from jsonb_each_text(s.open_by_severity) as e(k, v)),
           x.day::timestamptz + interval '1 hour'
    from score_snapshots s
    cross join generate_series(1, 89) k2
    cross join lateral (
      select (${today}::date - k2) as day,
             greatest(0, least(100, s.score + ((hashtext(s.service_id || k2) & 15) - 7) / 2 - k2 / 30))::smallint as score
    ) x
    where s.day = ${today}::date`;
  await sql`analyze score_snapshots`;
  return r.count;
}
