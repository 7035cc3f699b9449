// The ingest verb: one report in, deduplicated findings and their lifecycle out, all in one transaction.
import { createHash, createHmac, randomBytes } from "node:crypto";
import { and, eq, sql } from "drizzle-orm";
import { z } from "zod";
import { queryRows, type Database } from "@/db/client";
import { instanceSettings, scans, services, teams, type ScanPart, type ScanStatistics } from "@/db/schema";
import { recordAudit } from "../audit/record-audit";
import { withTransaction, type ServiceContext } from "../context";
import { DomainError, forbidden, notFound } from "../errors";
import { newId } from "../ids";
import { requireScope } from "../tokens/tokens";
import { artifactSchema, commitSchema, slugSchema } from "../validation";
import { decodeDocument, decodeText, EmptyReportError, MalformedReportError } from "./decode";
import { detectFormat } from "./detect";
import { normalizeReport, packageKey, SEVERITY_RANK, type NormalizedFinding } from "./normalize";
import { makeRedactor } from "./redact";
import { ReportSchemaError, type ParsedReport, type Severity } from "./types";

export const ingestParams = z.object({
  service: slugSchema,
  commit: commitSchema,
  branch: z.string().trim().min(1).max(250).optional(),
  artifact: artifactSchema.optional(),
  format: z.string().trim().min(1).max(50).optional(),
  scanner: z.string().trim().min(1).max(100).optional(),
  stage: slugSchema.optional(),
  pipeline_run: z
    .url({ protocol: /^https?$/ })
    .max(2000)
    .optional(),
});
export type IngestParams = z.input<typeof ingestParams>;

export type ScanView = {
  id: string;
  service: string;
  commit: string;
  branch: string;
  artifact: string | null;
  stage: string | null;
  pipelineRun: string | null;
  format: string;
  tool: { name: string; version: string | null };
  status: "complete" | "failed";
  failureReason: string | null;
  evidence: string[];
  scannerDbBuiltAt: string | null;
  sbom: { format: string; components: number } | null;
  parts: ScanPart[];
  receivedAt: string;
};

export type IngestResult = { duplicate: boolean; scan: ScanView; statistics: ScanStatistics; warnings: string[] };

const BATCH = 5000;
const SALT_KEY = "secret_salt";

/** The per-installation salt for secret hashes, created on first use. */
export async function secretSalt(db: Database): Promise<string> {
  const [row] = await db.select().from(instanceSettings).where(eq(instanceSettings.key, SALT_KEY)).limit(1);
  if (row) return row.value;
  await db
    .insert(instanceSettings)
    .values({ key: SALT_KEY, value: randomBytes(32).toString("hex") })
    .onConflictDoNothing();
  const [again] = await db.select().from(instanceSettings).where(eq(instanceSettings.key, SALT_KEY)).limit(1);
  return again!.value;
}

const sha256 = (s: string | Uint8Array) => createHash("sha256").update(s).digest("hex");

/** Bytes → parsed report, with every decoding and schema problem turned into its HTTP-meaningful error. */
export function parseReport(body: Uint8Array, opts: { format?: string; salt: string }): ParsedReport {
  const ctx = {
    redact: makeRedactor(opts.salt, (key, text) => createHmac("sha256", key).update(text).digest("hex")),
    hash: (text: string) => sha256(text),
  };
  try {
    const doc = decodeDocument(decodeText(body));
    const format = detectFormat(doc, opts.format);
    return format.parse(doc, ctx);
  } catch (e) {
    if (e instanceof EmptyReportError) throw new DomainError("bad_request", "The report is empty.", "empty-report");
    if (e instanceof MalformedReportError) {
      throw new DomainError("bad_request", e.message, "malformed-report", { line: e.line ?? null, column: e.column ?? null });
    }
    if (e instanceof ReportSchemaError) {
      throw new DomainError("unprocessable", `The report breaks the ${e.format} schema at ${e.message}`, "invalid-report", {
        format: e.format,
        path: e.path,
      });
    }
    throw e;
  }
}

type ServiceRow = { id: string; slug: string; teamId: string; defaultBranch: string };

/** Finds the service the caller may write to, creating it when a team-wide token uploads first. */
async function resolveService(ctx: ServiceContext, slug: string): Promise<ServiceRow> {
  const [row] = await ctx.db
    .select({ id: services.id, slug: services.slug, teamId: services.teamId, defaultBranch: services.defaultBranch })
    .from(services)
    .where(eq(services.slug, slug))
    .limit(1);
  const actor = ctx.actor;
  if (row) {
    if (actor.type === "token") {
      // Another team's service does not exist for this token.
      if (row.teamId !== actor.teamId) throw notFound(`Service "${slug}"`);
      if (actor.serviceIds && !actor.serviceIds.includes(row.id))
        throw forbidden(`This token may not write to service "${slug}".`);
    }
    return row;
  }
  if (actor.type !== "token" || actor.serviceIds) {
    throw new DomainError(
      "not_found",
      `Service "${slug}" was not found. Register it first (gatehouse service create), or upload with a team-wide token.`,
      "not-found",
    );
  }
  const now = ctx.now();
  const id = newId("service", now.getTime());
  const [created] = await ctx.db
    .insert(services)
    .values({ id, teamId: actor.teamId, slug, name: slug, createdAt: now, updatedAt: now })
    .onConflictDoNothing({ target: services.slug })
    .returning();
  if (!created) return resolveService(ctx, slug); // created by a concurrent upload a moment ago
  const [team] = await ctx.db.select({ slug: teams.slug }).from(teams).where(eq(teams.id, actor.teamId));
  await recordAudit(ctx, {
    action: "service.create",
    targetType: "service",
    targetId: id,
    teamId: actor.teamId,
    after: { ...created, reason: "first upload", team: team?.slug },
  });
  return created;
}

function scanView(row: typeof scans.$inferSelect, serviceSlug: string): ScanView {
  return {
    id: row.id,
    service: serviceSlug,
    commit: row.commit,
    branch: row.branch,
    artifact: row.artifact,
    stage: row.stage,
    pipelineRun: row.pipelineRun,
    format: row.format,
    tool: { name: row.toolName, version: row.toolVersion },
    status: row.status,
    failureReason: row.failureReason,
    evidence: row.evidence,
    scannerDbBuiltAt: row.scannerDbBuiltAt?.toISOString() ?? null,
    sbom: row.sbomFormat ? { format: row.sbomFormat, components: row.sbomComponents ?? 0 } : null,
    parts: row.parts,
    receivedAt: row.receivedAt.toISOString(),
  };
}

const emptyBySeverity = (): Record<Severity, number> => ({ critical: 0, high: 0, medium: 0, low: 0, info: 0 });

type Merged = NormalizedFinding & { scopeKeys: Set<string> };

const scopeKeyOf = (branch: string, tool: string, category: string) => `${branch}\u0001${tool}\u0001${category}`;

function validDate(s: string | undefined): Date | null {
  if (!s) return null;
  const d = new Date(s);
  return Number.isNaN(d.getTime()) ? null : d;
}

/**
 * Ingests one report. Everything — scan, findings, lifecycle, audit — commits together or not at all;
 * uploads for one service are serialized so that concurrent ones never lose or duplicate a finding.
 */
export async function ingestReport(
  ctx: ServiceContext,
  rawParams: IngestParams,
  body: Uint8Array,
  opts: { idempotencyKey?: string } = {},
): Promise<IngestResult> {
  const params = ingestParams.parse(rawParams);
  requireScope(ctx.actor, "scans:write");
  if (opts.idempotencyKey !== undefined && !/^[\x21-\x7e]{1,200}$/.test(opts.idempotencyKey)) {
    throw new DomainError("bad_request", "Idempotency-Key must be 1–200 visible ASCII characters.", "validation-error");
  }
  const salt = await secretSalt(ctx.db);
  const report = parseReport(body, { format: params.format, salt });
  if (params.scanner) for (const p of report.parts) p.tool = { ...p.tool, name: params.scanner };
  const reportSha = sha256(body);

  return withTransaction(ctx, async (tx) => {
    const svc = await resolveService(tx, params.service);
    // One upload per service at a time: lifecycle decisions read what the previous upload wrote.
    await tx.db.execute(sql`select pg_advisory_xact_lock(hashtext(${`gatehouse:service:${svc.id}`}))`);
    const branch = params.branch ?? svc.defaultBranch;
    const dedupKey = sha256([svc.id, params.commit, branch, params.artifact ?? "", params.stage ?? "", reportSha].join("\u0000"));

    const [dup] = await tx.db.select().from(scans).where(eq(scans.dedupKey, dedupKey)).limit(1);
    if (dup) return { duplicate: true, scan: scanView(dup, svc.slug), statistics: dup.statistics, warnings: dup.warnings };
    if (opts.idempotencyKey) {
      const [same] = await tx.db
        .select()
        .from(scans)
        .where(and(eq(scans.serviceId, svc.id), eq(scans.idempotencyKey, opts.idempotencyKey)))
        .limit(1);
      if (same) {
        throw new DomainError(
          "conflict",
          `Idempotency-Key "${opts.idempotencyKey}" was already used for a different upload (scan ${same.id}).`,
          "idempotency-key-reused",
        );
      }
    }

    const now = tx.now();
    // Raw SQL gets timestamps as ISO text: the drivers disagree on serializing Date parameters.
    const nowIso = now.toISOString();
    const parts = normalizeReport(report, (s) => sha256(s));
    const failed = parts.some((p) => !p.succeeded);
    const status = failed ? "failed" : "complete";

    await adoptKnownVulnerabilities(tx.db, svc.id, parts);

    // Merge parts: one row per fingerprint, with every scope that reported it.
    const merged = new Map<string, Merged>();
    for (const p of parts) {
      const key = scopeKeyOf(branch, p.tool, p.category);
      for (const f of p.findings) {
        const m = merged.get(f.fingerprint);
        if (!m) merged.set(f.fingerprint, Object.assign(f, { scopeKeys: new Set([key]) }));
        else {
          m.scopeKeys.add(key);
          if (f.severityRank > m.severityRank) Object.assign(m, { severity: f.severity, severityRank: f.severityRank });
          m.suppressed = m.suppressed && f.suppressed;
          m.occurrences += f.occurrences;
        }
      }
    }
    const all = [...merged.values()];
    const scanId = newId("scan", now.getTime());

    // 1. Upsert findings, learning each one's id.
    const idOf = new Map<string, string>();
    for (let i = 0; i < all.length; i += BATCH) {
      const rows = all.slice(i, i + BATCH).map((f) => findingRow(f, now));
      const out = await queryRows<{ id: string; fingerprint: string }>(
        tx.db,
        sql`insert into findings (id, service_id, fingerprint, kind, risk_area, severity, severity_rank, status, suppressed, rule_id, title,
              description, vulnerability_id, aliases, cwes, cvss_score, cvss_vector, package_purl, package_ecosystem, package_name,
              package_version, fixed_versions, file, start_line, end_line, snippet_hash, resource, url, image, secret_hash, secret_preview,
              remediation, "references", properties, tools, package_key, first_seen_at, last_seen_at, first_commit, last_commit, closed_at)
            select x.id, ${svc.id}, x.fingerprint, x.kind, x.risk_area, x.severity, x.severity_rank, 'open', x.suppressed, x.rule_id, x.title,
              x.description, x.vulnerability_id, x.aliases, x.cwes, x.cvss_score, x.cvss_vector, x.package_purl, x.package_ecosystem,
              x.package_name, x.package_version, x.fixed_versions, x.file, x.start_line, x.end_line, x.snippet_hash, x.resource, x.url,
              x.image, x.secret_hash, x.secret_preview, x.remediation, x."references", x.properties, x.tools, x.package_key, ${nowIso}::timestamptz, ${nowIso}::timestamptz,
              ${params.commit}, ${params.commit}, null
            from json_to_recordset(${pgJson(rows)}::json) as x(id text, fingerprint text, kind text, risk_area smallint,
              severity text, severity_rank smallint, suppressed int, rule_id text, title text, description text, vulnerability_id text,
              aliases text[], cwes int[], cvss_score real, cvss_vector text, package_purl text, package_ecosystem text, package_name text,
              package_version text, fixed_versions text[], file text, start_line int, end_line int, snippet_hash text, resource text,
              url text, image text, secret_hash text, secret_preview text, remediation text, "references" text[], properties jsonb,
              tools text[], package_key text)
            on conflict (service_id, fingerprint) do update set
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
                           else (select array(select distinct unnest(findings.tools || excluded.tools) order by 1)) end
            returning id, fingerprint`,
      );
      for (const r of out) idOf.set(r.fingerprint, r.id);
    }

    // 2. What these scopes knew before this upload.
    const scopeKeys = [...new Set(parts.map((p) => scopeKeyOf(branch, p.tool, p.category)))];
    const prior = await queryRows<{ finding_id: string; scope_key: string; status: string }>(
      tx.db,
      sql`select finding_id, scope_key, status from finding_scopes
          where service_id = ${svc.id} and scope_key in (select json_array_elements_text(${JSON.stringify(scopeKeys)}::json))`,
    );
    const priorStatus = new Map(prior.map((r) => [`${r.finding_id}\u0000${r.scope_key}`, r.status]));

    // 3. Statistics, decided before anything about the scan is written.
    const stats: ScanStatistics = {
      findings: 0,
      created: 0,
      unchanged: 0,
      reopened: 0,
      closed: 0,
      bySeverity: emptyBySeverity(),
    };
    const scopeRows: {
      finding_id: string;
      scope_key: string;
      branch: string;
      tool: string;
      category: string;
      reopened: number;
    }[] = [];
    for (const f of all) {
      const id = idOf.get(f.fingerprint)!;
      if (!f.suppressed) {
        stats.findings++;
        stats.bySeverity[f.severity]++;
      }
      let outcome: "created" | "unchanged" | "reopened" = "unchanged";
      for (const key of f.scopeKeys) {
        const before = priorStatus.get(`${id}\u0000${key}`);
        if (before === undefined) outcome = outcome === "unchanged" ? "created" : outcome;
        else if (before === "closed") outcome = "reopened";
        const [b, t, c] = key.split("\u0001") as [string, string, string];
        scopeRows.push({
          finding_id: id,
          scope_key: key,
          branch: b,
          tool: t,
          category: c,
          reopened: before === "closed" ? 1 : 0,
        });
      }
      // Suppressed findings are kept as evidence but counted nowhere, so that findings = created + unchanged + reopened.
      if (!f.suppressed) stats[outcome]++;
    }
    // A failed run closes nothing; a complete one closes what its own scopes no longer report.
    const closingScopes = failed ? [] : scopeKeys;
    const seenInScope = new Set(scopeRows.map((r) => `${r.finding_id}\u0000${r.scope_key}`));
    const toClose = prior.filter(
      (r) =>
        r.status === "open" && closingScopes.includes(r.scope_key) && !seenInScope.has(`${r.finding_id}\u0000${r.scope_key}`),
    );
    stats.closed = new Set(toClose.map((r) => r.finding_id)).size;

    const warnings = [...report.warnings];
    if (failed) warnings.push("The scanner reported a failed run: the scan is stored as failed and closes no findings.");
    const partsSummary: ScanPart[] = parts.map((p) => ({
      tool: p.tool,
      version: p.toolVersion ?? null,
      category: p.category || null,
      succeeded: p.succeeded,
      findings: p.findings.length,
    }));
    const [scan] = await tx.db
      .insert(scans)
      .values({
        id: scanId,
        serviceId: svc.id,
        commit: params.commit,
        branch,
        artifact: params.artifact ?? null,
        stage: params.stage ?? null,
        pipelineRun: params.pipeline_run ?? null,
        format: report.format,
        toolName: params.scanner ?? report.tool.name,
        toolVersion: report.tool.version ?? null,
        status,
        failureReason: failed ? (parts.find((p) => !p.succeeded)?.failureReason ?? "the scanner reported a failed run") : null,
        evidence: report.evidence,
        parts: partsSummary,
        scannerDbBuiltAt: validDate(report.scannerDbBuiltAt),
        sbomFormat: report.sbom?.format ?? null,
        sbomComponents: report.sbom?.components ?? null,
        reportSha256: reportSha,
        reportBytes: body.byteLength,
        dedupKey,
        idempotencyKey: opts.idempotencyKey ?? null,
        tokenId: ctx.actor.type === "token" ? ctx.actor.id : null,
        statistics: stats,
        warnings,
        receivedAt: now,
      })
      .returning();

    // 4. Lifecycle per scope, then the scan's own sightings.
    for (let i = 0; i < scopeRows.length; i += BATCH) {
      await tx.db.execute(
        sql`insert into finding_scopes (finding_id, service_id, scope_key, branch, tool, category, status, first_seen_at, last_seen_at,
              closed_at, reopened_count, last_scan_id)
            select x.finding_id, ${svc.id}, x.scope_key, x.branch, x.tool, x.category, 'open', ${nowIso}::timestamptz, ${nowIso}::timestamptz, null, 0, ${scanId}
            from json_to_recordset(${pgJson(scopeRows.slice(i, i + BATCH))}::json)
              as x(finding_id text, scope_key text, branch text, tool text, category text, reopened int)
            on conflict (finding_id, scope_key) do update set
              status = 'open', last_seen_at = excluded.last_seen_at, closed_at = null, last_scan_id = excluded.last_scan_id,
              reopened_count = finding_scopes.reopened_count + case when finding_scopes.status = 'closed' then 1 else 0 end`,
      );
    }
    if (toClose.length) {
      const pairs = toClose.map((r) => ({ f: r.finding_id, s: r.scope_key }));
      for (let i = 0; i < pairs.length; i += BATCH) {
        await tx.db.execute(
          sql`update finding_scopes fs set status = 'closed', closed_at = ${nowIso}::timestamptz, last_scan_id = ${scanId}
              from json_to_recordset(${JSON.stringify(pairs.slice(i, i + BATCH))}::json) as x(f text, s text)
              where fs.finding_id = x.f and fs.scope_key = x.s and fs.status = 'open'`,
        );
      }
      const ids = [...new Set(toClose.map((r) => r.finding_id))];
      await tx.db.execute(
        sql`update findings f set status = 'closed', closed_at = ${nowIso}::timestamptz
            where f.id in (select json_array_elements_text(${JSON.stringify(ids)}::json))
              and not exists (select 1 from finding_scopes s where s.finding_id = f.id and s.status = 'open')`,
      );
    }
    for (let i = 0; i < all.length; i += BATCH) {
      const rows = all.slice(i, i + BATCH).map((f) => ({
        f: idOf.get(f.fingerprint)!,
        r: f.severityRank,
        s: f.suppressed ? 1 : 0,
        l: f.location?.startLine ?? null,
      }));
      await tx.db.execute(
        sql`insert into scan_findings (scan_id, finding_id, service_id, commit, severity_rank, suppressed, start_line)
            select ${scanId}, x.f, ${svc.id}, ${params.commit}, x.r, x.s, x.l
            from json_to_recordset(${pgJson(rows)}::json) as x(f text, r smallint, s int, l int)`,
      );
    }

    await recordAudit(tx, {
      action: "scan.ingest",
      targetType: "scan",
      targetId: scanId,
      teamId: svc.teamId,
      after: {
        service: svc.slug,
        commit: params.commit,
        branch,
        format: report.format,
        tool: report.tool,
        status,
        statistics: stats,
      },
    });
    return { duplicate: false, scan: scanView(scan!, svc.slug), statistics: stats, warnings };
  });
}

/**
 * Tools name one vulnerability differently (npm audit: only a GHSA; Trivy: only the CVE). A dependency finding
 * whose package already has a finding sharing any of its ids takes that finding's fingerprint: one finding, several sources.
 */
async function adoptKnownVulnerabilities(db: Database, serviceId: string, parts: { findings: NormalizedFinding[] }[]) {
  const deps = parts.flatMap((p) => p.findings).filter((f) => f.kind === "dependency" && f.package);
  if (!deps.length) return;
  const keys = [...new Set(deps.map((f) => packageKey(f.package!)))];
  const known = await queryRows<{ fingerprint: string; package_key: string; ids: string[] }>(
    db,
    sql`select fingerprint, package_key, array_append(aliases, vulnerability_id) as ids from findings
        where service_id = ${serviceId} and kind = 'dependency'
          and package_key in (select json_array_elements_text(${JSON.stringify(keys)}::json))`,
  );
  if (!known.length) return;
  const byId = new Map<string, string>();
  for (const k of known) for (const id of k.ids) if (id) byId.set(`${k.package_key}\u0000${id}`, k.fingerprint);
  const existing = new Set(known.map((k) => k.fingerprint));
  for (const f of deps) {
    if (existing.has(f.fingerprint)) continue;
    const key = packageKey(f.package!);
    for (const id of [f.vulnerabilityId, ...f.aliases]) {
      const fp = id ? byId.get(`${key}\u0000${id}`) : undefined;
      if (fp) {
        f.fingerprint = fp;
        break;
      }
    }
  }
}

function findingRow(f: Merged, now: Date) {
  const loc = f.location ?? {};
  return {
    id: newId("finding", now.getTime()),
    fingerprint: f.fingerprint,
    kind: f.kind,
    risk_area: f.riskArea,
    severity: f.severity,
    severity_rank: SEVERITY_RANK[f.severity],
    suppressed: f.suppressed ? 1 : 0,
    rule_id: clip(f.ruleId, 500),
    title: clip(f.title, 500) || f.ruleId,
    description: f.description ? clip(f.description, 4000) : null,
    vulnerability_id: f.vulnerabilityId ?? null,
    aliases: f.aliases.slice(0, 50),
    cwes: f.cwes.slice(0, 50),
    cvss_score: f.cvss?.score ?? null,
    cvss_vector: f.cvss?.vector ?? null,
    package_purl: f.package?.purl ?? null,
    package_key: f.package ? packageKey(f.package) : null,
    package_ecosystem: f.package?.ecosystem ?? null,
    package_name: f.package?.name ?? null,
    package_version: f.package?.version ?? null,
    fixed_versions: f.package?.fixedVersions.slice(0, 20) ?? [],
    file: loc.file ? clip(loc.file, 1000) : null,
    start_line: loc.startLine ?? null,
    end_line: loc.endLine ?? null,
    snippet_hash: loc.snippetHash ?? null,
    resource: loc.resource ? clip(loc.resource, 1000) : null,
    url: loc.url ? clip(loc.url, 2000) : null,
    image: loc.image ?? null,
    secret_hash: f.secret?.hash ?? null,
    secret_preview: f.secret?.preview ?? null,
    remediation: f.remediation ? clip(f.remediation, 4000) : null,
    references: (f.references ?? []).slice(0, 10),
    properties: f.properties ?? null,
    tools: [f.tool],
  };
}

// eslint-disable-next-line no-control-regex -- NUL is exactly what must go
const NUL = /\u0000/g;

/** JSON for a json_to_recordset parameter: PostgreSQL text cannot hold NUL, which some reports contain. */
function pgJson(value: unknown): string {
  const text = JSON.stringify(value);
  if (!text.includes("\\u0000")) return text;
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === "string" ? v.replace(NUL, "") : v));
}

const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

export async function getScan(ctx: ServiceContext, id: string): Promise<IngestResult> {
  const actor = ctx.actor;
  // The scope first: a token without it learns nothing, not even whether the scan exists.
  if (actor.type === "token" && !actor.scopes.includes("read") && !actor.scopes.includes("scans:write"))
    requireScope(actor, "read");
  const [row] = await ctx.db
    .select({ scan: scans, serviceSlug: services.slug, teamId: services.teamId })
    .from(scans)
    .innerJoin(services, eq(services.id, scans.serviceId))
    .where(eq(scans.id, id))
    .limit(1);
  if (!row) throw notFound(`Scan "${id}"`);
  if (actor.type === "token") {
    if (row.teamId !== actor.teamId || (actor.serviceIds && !actor.serviceIds.includes(row.scan.serviceId)))
      throw notFound(`Scan "${id}"`);
  }
  return {
    duplicate: false,
    scan: scanView(row.scan, row.serviceSlug),
    statistics: row.scan.statistics,
    warnings: row.scan.warnings,
  };
}
