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
import { normalizeReport, type NormalizedFinding } from "./normalize";
import { makeRedactor } from "./redact";
import { ReportSchemaError, type ParsedReport, type Severity } from "./types";
import {
  changesStored,
  findingRow,
  newFindingId,
  packageKeyOf,
  readStoredFindings,
  writeFindings,
  writeScanFindings,
  writeScopes,
  type FindingRow,
  type NewFinding,
  type ScopeWrite,
} from "./write-findings";

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
  return ingestParsedReport(ctx, ingestParams.parse(rawParams), body, opts);
}

/** ingestReport for parameters already parsed with ingestParams (the REST route parses its query once). */
export async function ingestParsedReport(
  ctx: ServiceContext,
  params: z.output<typeof ingestParams>,
  body: Uint8Array,
  opts: { idempotencyKey?: string } = {},
): Promise<IngestResult> {
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
    // The raw findings are copied into `parts`: let them go before the rows are built.
    for (const p of report.parts) p.findings = [];
    const failed = parts.some((p) => !p.succeeded);
    const status = failed ? "failed" : "complete";

    const stored = await readStoredFindings(tx.db, svc.id, [
      ...new Set(parts.flatMap((p) => p.findings.map((f) => f.fingerprint))),
    ]);
    const adopted = await adoptKnownVulnerabilities(tx.db, svc.id, parts, stored);
    if (adopted.length) for (const [fp, row] of await readStoredFindings(tx.db, svc.id, adopted)) stored.set(fp, row);

    // Merge parts: one row per fingerprint, with every scope that reported it.
    const merged = new Map<string, NormalizedFinding>();
    const scopesOf = new Map<NormalizedFinding, Set<string>>();
    for (const p of parts) {
      const key = scopeKeyOf(branch, p.tool, p.category);
      for (const f of p.findings) {
        const m = merged.get(f.fingerprint);
        if (!m) {
          merged.set(f.fingerprint, f);
          scopesOf.set(f, new Set([key]));
        } else {
          scopesOf.get(m)!.add(key);
          if (f.severityRank > m.severityRank) Object.assign(m, { severity: f.severity, severityRank: f.severityRank });
          m.suppressed = m.suppressed && f.suppressed;
          m.occurrences += f.occurrences;
        }
      }
    }
    const all = [...merged.values()];
    merged.clear();
    const scanId = newId("scan", now.getTime());
    const sighting = { serviceId: svc.id, commit: params.commit, nowIso, scanId };

    // 1. Findings: insert the new, merge the changed, and only mark the rest as seen again.
    const idOf = new Map<NormalizedFinding, string>();
    const fresh: NewFinding[] = [];
    const changed: FindingRow[] = [];
    const seenIds: string[] = [];
    for (const f of all) {
      const known = stored.get(f.fingerprint);
      if (!known) {
        const id = newFindingId(now);
        idOf.set(f, id);
        fresh.push({ finding: f, id });
        continue;
      }
      idOf.set(f, known.id);
      const row = findingRow(f, known.id);
      if (changesStored(row, known)) changed.push(row);
      else seenIds.push(row.id);
    }
    stored.clear();
    await writeFindings(tx.db, sighting, { fresh, changed, seenIds });
    fresh.length = changed.length = seenIds.length = 0;

    // 2. What these scopes knew before this upload.
    const scopeKeys = [...new Set(parts.map((p) => scopeKeyOf(branch, p.tool, p.category)))];
    const prior = await queryRows<{ finding_id: string; scope_key: string; status: string }>(
      tx.db,
      sql`select finding_id, scope_key, status from finding_scopes
          where service_id = ${svc.id} and scope_key = any(${sql.param(scopeKeys)}::text[])`,
    );
    const priorByScope = new Map(scopeKeys.map((k) => [k, new Map<string, string>()]));
    for (const r of prior) priorByScope.get(r.scope_key)?.set(r.finding_id, r.status);

    // 3. Statistics, decided before anything about the scan is written.
    const stats: ScanStatistics = {
      findings: 0,
      created: 0,
      unchanged: 0,
      reopened: 0,
      closed: 0,
      bySeverity: emptyBySeverity(),
    };
    const writes = new Map<string, ScopeWrite>(
      scopeKeys.map((key) => {
        const [b, t, c] = key.split("\u0001") as [string, string, string];
        return [key, { key, branch: b, tool: t, category: c, fresh: [], seen: [], close: [] }];
      }),
    );
    const seenIn = new Map(scopeKeys.map((k) => [k, new Set<string>()]));
    for (const f of all) {
      const id = idOf.get(f)!;
      if (!f.suppressed) {
        stats.findings++;
        stats.bySeverity[f.severity]++;
      }
      let outcome: "created" | "unchanged" | "reopened" = "unchanged";
      for (const key of scopesOf.get(f)!) {
        const before = priorByScope.get(key)!.get(id);
        if (before === undefined) outcome = outcome === "unchanged" ? "created" : outcome;
        else if (before === "closed") outcome = "reopened";
        (before === undefined ? writes.get(key)!.fresh : writes.get(key)!.seen).push(id);
        seenIn.get(key)!.add(id);
      }
      // Suppressed findings are kept as evidence but counted nowhere, so that findings = created + unchanged + reopened.
      if (!f.suppressed) stats[outcome]++;
    }
    // A failed run closes nothing; a complete one closes what its own scopes no longer report.
    const closed = new Set<string>();
    if (!failed) {
      for (const [key, before] of priorByScope) {
        const seen = seenIn.get(key)!;
        for (const [id, was] of before) {
          if (was !== "open" || seen.has(id)) continue;
          writes.get(key)!.close.push(id);
          closed.add(id);
        }
      }
    }
    stats.closed = closed.size;

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
    await writeScopes(tx.db, sighting, [...writes.values()]);
    await writeScanFindings(
      tx.db,
      sighting,
      all.map((f) => ({
        findingId: idOf.get(f)!,
        severityRank: f.severityRank,
        suppressed: f.suppressed ? 1 : 0,
        startLine: f.location?.startLine ?? null,
      })),
    );

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
 * Tools name one vulnerability differently (npm audit: only a GHSA; Trivy: only the CVE). A new dependency finding
 * whose package already has a finding sharing any of its ids takes that finding's fingerprint: one finding, several
 * sources. Returns the fingerprints so taken.
 */
async function adoptKnownVulnerabilities(
  db: Database,
  serviceId: string,
  parts: { findings: NormalizedFinding[] }[],
  stored: Map<string, unknown>,
): Promise<string[]> {
  const deps = parts.flatMap((p) => p.findings).filter((f) => f.kind === "dependency" && f.package && !stored.has(f.fingerprint));
  if (!deps.length) return [];
  const keys = [...new Set(deps.map((f) => packageKeyOf(f.package!)))];
  const known = await queryRows<{ fingerprint: string; package_key: string; ids: string[] }>(
    db,
    sql`select fingerprint, package_key, array_append(aliases, vulnerability_id) as ids from findings
        where service_id = ${serviceId} and kind = 'dependency' and package_key = any(${sql.param(keys)}::text[])`,
  );
  if (!known.length) return [];
  const byId = new Map<string, string>();
  for (const k of known) for (const id of k.ids) if (id) byId.set(`${k.package_key}\u0000${id}`, k.fingerprint);
  const adopted = new Set<string>();
  for (const f of deps) {
    const key = packageKeyOf(f.package!);
    for (const id of [f.vulnerabilityId, ...f.aliases]) {
      const fp = id ? byId.get(`${key}\u0000${id}`) : undefined;
      if (fp) {
        f.fingerprint = fp;
        adopted.add(fp);
        break;
      }
    }
  }
  return [...adopted].filter((fp) => !stored.has(fp));
}

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
