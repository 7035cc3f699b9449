// The ingest verb: one report in, deduplicated findings and their lifecycle out, all in one transaction.
import { isAscii } from "node:buffer";
import { createHash, createHmac } from "node:crypto";
import { and, eq, sql } from "drizzle-orm";
import { z } from "zod";
import { OwnedBytes } from "../owned-bytes";
import { collectGarbage, heapBudget } from "../heap";
import { queryRows, type Database } from "@/db/client";
import { scans, services, type ScanPart, type ScanStatistics } from "@/db/schema";
import { recordAudit } from "../audit/record-audit";
import { onScanIngested } from "../recheck/triggers";
import { keepGateInputAtUpload } from "../gate/gather-input";
import { serviceForActor } from "../services/access";
import { withTransaction, type ServiceContext } from "../context";
import { env } from "../env";
import { DomainError, notFound } from "../errors";
import { newId } from "../ids";
import { secretSalt } from "../security/instance-secrets";
import { requireScope } from "../tokens/tokens";
import { artifactSchema, branchSchema, commitSchema, singleLineSchema, slugSchema } from "../validation";
import { decodeDocument, decodeText, EmptyReportError, malformedRecord, MalformedReportError } from "./decode";
import { LazyJsonSyntaxError, type LazyJsonOptions } from "./lazy-json";
import { detectFormat } from "./detect";
import { keepIdsOf, normalizeReport, type NormalizedFinding, type NormalizedPart } from "./normalize";
import { makeRedactor } from "./redact";
import { planLifecycle, trackKeyOf, trackParts, type ReportedFinding } from "./plan-lifecycle";
import { planMerges, type FindingMerge } from "./plan-merges";
import { resolveReportMeta } from "./report-meta";
import { ReportSchemaError, type ParsedReport } from "./types";
import {
  arrayLiteral,
  changesStored,
  findingRow,
  mergeFindings,
  newFindingId,
  packageKeyOf,
  readStoredFindings,
  writeFindings,
  writeScanFindings,
  writeTracks,
  type FindingRow,
  type NewFinding,
} from "./write-findings";

export const ingestParams = z.object({
  service: slugSchema,
  commit: commitSchema,
  branch: branchSchema.optional(),
  artifact: artifactSchema.optional(),
  format: singleLineSchema(50).optional(),
  scanner: singleLineSchema(100).optional(),
  stage: slugSchema.optional(),
  /** the uploaded file's path in the repository (pipeline definitions key their findings on it) */
  path: z
    .string()
    .trim()
    .min(1)
    .max(500)
    .regex(/^[^\0]*$/)
    .optional(),
  pipeline_run: z
    .url({ protocol: /^https?$/ })
    .max(2000)
    .optional(),
  /** names every part's category, as GitHub code scanning's upload does: one lifecycle per category */
  category: z.string().trim().min(1).max(200).optional(),
  /** when the scanner's vulnerability database was updated, for reports that do not say it themselves */
  scanner_db_updated_at: z.string().trim().min(1).max(64).optional(),
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
  /** when Gatehouse received the report */
  receivedAt: string;
  /** when the report says the scanner produced it (null: it does not say) */
  generatedAt: string | null;
  /** the evidence time freshness checks use: the report's own time, never later than receipt */
  scannedAt: string;
  /** what the report scanned (image repository, path, project): part of its lifecycle track */
  target: string | null;
};

export type IngestResult = { duplicate: boolean; scan: ScanView; statistics: ScanStatistics; warnings: string[] };

// The per-installation salt for secret hashes lives with the other instance secrets (sealed when there is a key).
export { secretSalt };

const sha256 = (s: string | Uint8Array) => createHash("sha256").update(s).digest("hex");

/**
 * Reports this large get garbage collected at the points where ingest knows it made a lot of garbage (docs/performance.md:
 * the server's peak taking a 100 MB SARIF report 701 → 507–522 MiB, a 100 MB Trivy report 630–647 → 559–580 MiB). A full
 * collection costs 0.1–0.35 s on such a heap (it follows the number of objects): a 100k Trivy first ingest and re-ingest
 * spent 2.2 s in ten of them (twelfth session), which is why the slack below is as large as the peak allows.
 */
const LARGE_REPORT_BYTES = 16 * 1024 * 1024;
/**
 * How far the heap may grow during a large report's bulk writes before it is collected (each statement adds ≈ 4 MB).
 * 64 MiB since normalized findings lost their 1.5 KB property tables (twelfth session): the server's peak is
 * 517–525 MiB for a 100 MB SARIF report and 566–577 MiB for a 100 MB Trivy report (505–506 and 567–573 at 32 MiB),
 * and a 100k Trivy ingest collects less (Node.js CPU 18–20 s → 14.7–15.6 s). With the larger findings, 64 MiB had
 * peaked at 612–618 MiB.
 */
const LARGE_REPORT_HEAP_SLACK = 64 * 1024 * 1024;

/** Bodies this large that are all ASCII are decoded as Latin-1 (the same text for ASCII bytes). */
const ASCII_FAST_BYTES = 1024 * 1024;

/**
 * decodeText, faster on memory for large plain-ASCII bodies (most reports): Node keeps a large Latin-1 string outside
 * V8's heap, freed as soon as it is garbage, while the decoded UTF-8 string of a 100 MB report is 100 MB of heap that
 * waits for the next full collection (measured: peak RSS of a 100 MB SARIF ingest 706 → 657 MiB).
 */
export function decodeBody(bytes: Uint8Array): string {
  if (bytes.length > ASCII_FAST_BYTES && isAscii(bytes)) {
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString("latin1");
  }
  return decodeText(bytes);
}

/**
 * Bytes → parsed report, with every decoding and schema problem turned into its HTTP-meaningful error. Bytes handed
 * over as OwnedBytes are let go once decoded, and then `onDecoded` runs: only their text is read after that.
 */
export function parseReport(
  body: Uint8Array | OwnedBytes,
  opts: { format?: string; salt: string; path?: string; lazyJson?: LazyJsonOptions; onDecoded?: () => void },
): ParsedReport {
  const ctx = {
    redact: makeRedactor(opts.salt, (key, text) => createHmac("sha256", key).update(text).digest("hex")),
    hash: (text: string) => sha256(text),
    ...(opts.path ? { sourcePath: opts.path } : {}),
  };
  let text = "";
  try {
    text = body instanceof OwnedBytes ? body.consume(decodeBody) : decodeBody(body);
    opts.onDecoded?.();
    const doc = decodeDocument(text, { lazyJson: opts.lazyJson });
    // A large JSON report's records are checked as they are read, and the rest after: a broken record refuses it
    // wherever it is, and before what its parser said of it, as a whole-text parse of a smaller report does.
    const checkUnread = doc.type === "json" ? doc.checkUnread : undefined;
    try {
      const parsed = detectFormat(doc, opts.format).parse(doc, ctx);
      checkUnread?.();
      return parsed;
    } catch (e) {
      if (!(e instanceof LazyJsonSyntaxError)) checkUnread?.();
      throw e;
    }
  } catch (thrown) {
    // A lazily read record of a large report that is not JSON: the error a whole-text parse gives.
    const e = thrown instanceof LazyJsonSyntaxError ? malformedRecord(text, thrown) : thrown;
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
    generatedAt: row.generatedAt?.toISOString() ?? null,
    scannedAt: row.scannedAt.toISOString(),
    target: row.target || null,
  };
}

/**
 * Ingests one report. Everything (scan, findings, merges, lifecycle, audit) commits together or not at all;
 * uploads for one service are serialized so that concurrent ones never lose or duplicate a finding.
 * The order is read → plan (pure: plan-merges.ts, plan-lifecycle.ts) → write.
 */
export async function ingestReport(
  ctx: ServiceContext,
  rawParams: IngestParams,
  body: Uint8Array | OwnedBytes,
  opts: { idempotencyKey?: string; autoRegisterServices?: boolean } = {},
): Promise<IngestResult> {
  return ingestParsedReport(ctx, ingestParams.parse(rawParams), body, opts);
}

/** ingestReport for parameters already parsed with ingestParams (the REST route parses its query once). */
export async function ingestParsedReport(
  ctx: ServiceContext,
  params: z.output<typeof ingestParams>,
  body: Uint8Array | OwnedBytes,
  opts: { idempotencyKey?: string; autoRegisterServices?: boolean } = {},
): Promise<IngestResult> {
  const autoRegister = opts.autoRegisterServices ?? env().GATEHOUSE_AUTO_REGISTER_SERVICES;
  requireScope(ctx.actor, "scans:write");
  if (opts.idempotencyKey !== undefined && !/^[\x21-\x7e]{1,200}$/.test(opts.idempotencyKey)) {
    throw new DomainError("bad_request", "Idempotency-Key must be 1–200 visible ASCII characters.", "validation-error");
  }
  const salt = await secretSalt(ctx.db);
  // Bytes handed over (the REST upload) are hashed, then let go once decoded: only the parsed report is needed after.
  const owned = body instanceof OwnedBytes ? body : new OwnedBytes(body);
  const reportBytes = owned.byteLength;
  const reportSha = owned.read(sha256);
  // A large report's body is garbage once decoded, and its text and raw findings once normalized (together twice the
  // report off V8's heap, and what it parsed on it); V8 would collect them only well into the findings statements, so
  // they would sit under the peak.
  const large = reportBytes >= LARGE_REPORT_BYTES;
  const report = parseReport(owned, {
    format: params.format,
    salt,
    path: params.path,
    ...(large ? { onDecoded: collectGarbage } : {}),
  });
  if (params.scanner) for (const p of report.parts) p.tool = { ...p.tool, name: params.scanner };
  if (params.category) for (const p of report.parts) p.category = params.category;

  return withTransaction(ctx, async (tx) => {
    const svc = await serviceForActor(tx, params.service, { action: "write to", createForTeamToken: true, autoRegister });
    // One upload per service at a time: lifecycle decisions read what the previous upload wrote.
    await tx.db.execute(sql`select pg_advisory_xact_lock(hashtext(${`gatehouse:service:${svc.id}`}))`);
    const now = tx.now();
    const meta = resolveReportMeta({
      receivedAt: now,
      params: { artifact: params.artifact, category: params.category, scannerDbUpdatedAt: params.scanner_db_updated_at },
      report,
    });
    const branch = params.branch ?? svc.defaultBranch;
    // The same bytes for the same track are one scan; a renamed tool or another format is another track.
    const dedupKey = sha256(
      [
        svc.id,
        params.commit,
        branch,
        meta.artifact ?? "",
        params.stage ?? "",
        meta.category ?? "",
        params.scanner ?? "",
        params.format ?? "",
        reportSha,
        ...(params.path ? [params.path] : []),
      ].join("\u0000"),
    );

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

    // Before any finding or sighting is written: the gate's kept inputs of this service are outdated from here on
    // (server/gate/kept-input.ts). Rolled back with the upload if it fails. A duplicate (answered above) changes
    // nothing, so it leaves them as they are.
    const [bumped] = await queryRows<{ findings_version: number | string }>(
      tx.db,
      sql`update services set findings_version = findings_version + 1 where id = ${svc.id} returning findings_version`,
    );
    // Raw SQL gets timestamps as ISO text: the drivers disagree on serializing Date parameters.
    const nowIso = now.toISOString();
    const parts = normalizeReport(report, (s) => sha256(s));
    // The raw findings are copied into `parts`: let them go before the rows are built.
    for (const p of report.parts) p.findings = [];
    if (large) collectGarbage();
    // Each bulk statement leaves its parameters (a few MB) as garbage: keep them from piling up under a large report.
    const heapCheck = large ? heapBudget(LARGE_REPORT_HEAP_SLACK) : undefined;
    const writeOpts = heapCheck ? { betweenStatements: heapCheck } : {};
    const failed = parts.some((p) => !p.succeeded);
    const status = failed ? "failed" : "complete";
    const subject = meta.artifact ? "artifact" : "source";
    const trackKeyOfPart = (p: NormalizedPart) =>
      trackKeyOf({ branch, tool: p.tool, category: p.category, subject, target: meta.target });
    const scanId = newId("scan", now.getTime());

    // 1. Vulnerabilities that other tools already reported under another id: adopt and merge (order-independent).
    const merges = await mergeKnownVulnerabilities(tx, svc.id, parts, { nowIso, scanId });

    // One finding per fingerprint, with every track of this report that lists it.
    const merged = new Map<string, NormalizedFinding>();
    // Most findings are in one track: they share that track's set, and a finding gets its own only when a second
    // track lists it (100k findings made 100k sets of one key).
    const tracksOf = new Map<NormalizedFinding, ReadonlySet<string>>();
    for (const p of parts) {
      const key = trackKeyOfPart(p);
      const only: ReadonlySet<string> = new Set([key]);
      for (const f of p.findings) {
        const m = merged.get(f.fingerprint);
        if (!m) {
          merged.set(f.fingerprint, f);
          tracksOf.set(f, only);
        } else {
          const keys = tracksOf.get(m)!;
          if (!keys.has(key)) tracksOf.set(m, new Set([...keys, key]));
          if (f.severityRank > m.severityRank) Object.assign(m, { severity: f.severity, severityRank: f.severityRank });
          keepIdsOf(f, m); // planMerges tied them together: the same vulnerability under another id
          m.suppressed = m.suppressed && f.suppressed;
          m.occurrences += f.occurrences;
        }
      }
    }
    const all = [...merged.values()];
    merged.clear();
    // The parts' findings are in `all` now, and are written below: the parts keep only their counts.
    const partFindings = parts.map((p) => p.findings.length);
    for (const p of parts) p.findings = [];
    const sighting = { serviceId: svc.id, commit: params.commit, nowIso, scanId };

    // 2. Findings: insert the new, merge the changed, and only mark the rest as seen again.
    const stored = await readStoredFindings(
      tx.db,
      svc.id,
      all.map((f) => f.fingerprint),
    );
    // What the plan and the scan's sightings need of each finding. The findings themselves are held only by the rows
    // to write, which writeFindings lets go statement by statement.
    const reported: (ReportedFinding & { severityRank: number; startLine: number | null })[] = new Array(all.length);
    const fresh: NewFinding[] = [];
    const changed: FindingRow[] = [];
    const seenIds: string[] = [];
    for (let i = 0; i < all.length; i++) {
      // A stored finding's row is built to compare it, and is garbage at once unless it changed.
      if (i % 4096 === 4095) heapCheck?.();
      const f = all[i]!;
      const known = stored.get(f.fingerprint);
      const id = known ? known.id : newFindingId(now);
      reported[i] = {
        id,
        isNew: !known,
        trackKeys: tracksOf.get(f)!,
        suppressed: f.suppressed === true,
        severity: f.severity,
        severityRank: f.severityRank,
        startLine: f.location?.startLine ?? null,
      };
      if (!known) {
        fresh.push({ finding: f, id });
        continue;
      }
      const row = findingRow(f, known.id);
      if (changesStored(row, known)) changed.push(row);
      else seenIds.push(row.id);
    }
    stored.clear();
    tracksOf.clear();
    const written = fresh.length + changed.length;
    const seen = all.length;
    all.length = 0;
    // The findings not to be written (most of a re-upload's) are garbage now: that is no growth for heapCheck to see.
    if (large && written < seen / 2) collectGarbage();
    await writeFindings(tx.db, sighting, { fresh, changed, seenIds }, writeOpts);

    // 3. What these tracks knew before this upload, and what earlier reports of this commit listed in them.
    const trackKeys = [...new Set(parts.map(trackKeyOfPart))];
    const prior = await priorScopeStates(tx.db, svc.id, trackKeys);
    const sightedAtCommit = await sightingsAtCommit(tx.db, svc.id, params.commit, trackKeys);

    // 4. The plan: statistics, lifecycle per track, retractions. Decided before anything about the scan is written.
    const plan = planLifecycle({
      findings: reported,
      prior,
      sightedAtCommit,
      failed,
    });
    const stats: ScanStatistics = plan.statistics;

    const warnings = [...report.warnings, ...meta.warnings];
    if (failed) warnings.push("The scanner reported a failed run: the scan is stored as failed and closes no findings.");
    if (plan.retracted.length > 0) warnings.push(await retractionWarning(tx, plan.retracted, params.commit));
    if (merges.length > 0)
      warnings.push(
        `${plural(
          merges.reduce((n, m) => n + m.absorbed.length, 0),
          "finding",
        )} merged into another: this report names ` +
          `their vulnerabilities by ids that tie them together (${[...new Set(merges.flatMap((m) => m.via))].slice(0, 5).join(", ")}).`,
      );
    const partsSummary: ScanPart[] = parts.map((p, i) => ({
      tool: p.tool,
      version: p.toolVersion ?? null,
      category: p.category || null,
      succeeded: p.succeeded,
      findings: partFindings[i]!,
    }));
    const [scan] = await tx.db
      .insert(scans)
      .values({
        id: scanId,
        serviceId: svc.id,
        commit: params.commit,
        branch,
        artifact: meta.artifact,
        stage: params.stage ?? null,
        pipelineRun: params.pipeline_run ?? null,
        format: report.format,
        toolName: params.scanner ?? report.tool.name,
        toolVersion: report.tool.version ?? null,
        status,
        failureReason: failed ? (parts.find((p) => !p.succeeded)?.failureReason ?? "the scanner reported a failed run") : null,
        evidence: report.evidence,
        parts: partsSummary,
        scannerDbBuiltAt: meta.scannerDbBuiltAt,
        sbomFormat: report.sbom?.format ?? null,
        sbomComponents: report.sbom?.components ?? null,
        reportSha256: reportSha,
        reportBytes,
        dedupKey,
        idempotencyKey: opts.idempotencyKey ?? null,
        tokenId: ctx.actor.type === "token" ? ctx.actor.id : null,
        statistics: stats,
        warnings,
        receivedAt: now,
        generatedAt: meta.generatedAt,
        scannedAt: meta.scannedAt,
        target: meta.target,
        trackKeys,
      })
      .returning();

    // 5. Lifecycle per track, then the scan's own sightings.
    await writeTracks(
      tx.db,
      sighting,
      plan.tracks.map((p) => {
        const parts = trackParts(p.key);
        return { ...p, branch: parts.branch, tool: parts.tool, category: parts.category };
      }),
    );
    await writeScanFindings(
      tx.db,
      sighting,
      reported.map((r) => ({
        findingId: r.id,
        severityRank: r.severityRank,
        suppressed: r.suppressed ? 1 : 0,
        startLine: r.startLine,
      })),
      writeOpts,
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
        artifact: meta.artifact,
        format: report.format,
        tool: report.tool,
        status,
        statistics: stats,
      },
    });
    if (plan.retracted.length > 0) {
      await recordAudit(tx, {
        action: "scan.retraction",
        targetType: "scan",
        targetId: scanId,
        teamId: svc.teamId,
        after: {
          service: svc.slug,
          commit: params.commit,
          tracks: trackKeys.map(trackParts),
          retracted: plan.retracted.length,
          findings: plan.retracted.slice(0, 100),
        },
      });
    }
    for (const m of merges) {
      await recordAudit(tx, {
        action: "finding.merge",
        targetType: "finding",
        targetId: m.survivor.id,
        teamId: svc.teamId,
        before: { findings: [m.survivor, ...m.absorbed] },
        after: { service: svc.slug, finding: m.survivor.id, absorbed: m.absorbed.map((a) => a.id), via: m.via, scan: scanId },
      });
    }
    await onScanIngested(tx, scan!);
    // 6. What the gate at this commit will read, kept for it (server/gate/gather-input.ts).
    await keepGateInputAtUpload(tx, {
      serviceId: svc.id,
      commit: params.commit,
      artifact: meta.artifact,
      version: Number(bumped!.findings_version),
    });
    return { duplicate: false, scan: scanView(scan!, svc.slug), statistics: stats, warnings };
  });
}

const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? "" : "s"}`;

/** Per track: every finding the track has a row for, with its status there. */
async function priorScopeStates(
  db: Database,
  serviceId: string,
  trackKeys: string[],
): Promise<Map<string, Map<string, "open" | "closed">>> {
  const rows = await queryRows<{ finding_id: string; track_key: string; status: "open" | "closed" }>(
    db,
    sql`select finding_id, track_key, status from finding_tracks
        where service_id = ${serviceId} and track_key = any(${arrayLiteral(trackKeys)}::text[])`,
  );
  const out = new Map(trackKeys.map((k) => [k, new Map<string, "open" | "closed">()]));
  for (const r of rows) out.get(r.track_key)?.set(r.finding_id, r.status);
  return out;
}

/** Per track: the findings earlier scans of this commit reported (unsuppressed) in that track. */
async function sightingsAtCommit(
  db: Database,
  serviceId: string,
  commit: string,
  trackKeys: string[],
): Promise<Map<string, Set<string>>> {
  const keys = arrayLiteral(trackKeys);
  // A scan of several parts is compared on each of its tracks: at worst a finding stays counted, never the reverse.
  const rows = await queryRows<{ finding_id: string; track_key: string }>(
    db,
    sql`select distinct sf.finding_id, k.track_key
        from scans s
        cross join lateral unnest(s.track_keys) as k(track_key)
        join scan_findings sf on sf.scan_id = s.id and sf.service_id = ${serviceId} and sf.commit = ${commit}
        where s.service_id = ${serviceId} and s.commit = ${commit} and s.track_keys && ${keys}::text[]
          and k.track_key = any(${keys}::text[]) and sf.suppressed = 0`,
  );
  const out = new Map<string, Set<string>>();
  for (const r of rows) {
    let set = out.get(r.track_key);
    if (!set) out.set(r.track_key, (set = new Set()));
    set.add(r.finding_id);
  }
  return out;
}

/** The warning an upload gets when it no longer lists findings that earlier reports of its commit listed. */
async function retractionWarning(ctx: ServiceContext, ids: string[], commit: string): Promise<string> {
  const shown = await queryRows<{ id: string; severity: string; title: string }>(
    ctx.db,
    sql`select id, severity, title from findings where id = any(${arrayLiteral(ids.slice(0, 10))}::text[])
        order by severity_rank desc, id`,
  );
  const list = shown.map((f) => `${f.id} (${f.severity}: ${f.title.slice(0, 80)})`).join("; ");
  return (
    `${plural(ids.length, "finding")} reported earlier for commit ${commit.slice(0, 12)} in this track (branch, tool, category, target) ` +
    `${ids.length === 1 ? "is" : "are"} missing from this report. Evidence at a commit only accumulates: ` +
    `${ids.length === 1 ? "it still counts" : "they still count"} for this commit (fix in a new commit, or ask for a waiver). ` +
    `${list}${ids.length > shown.length ? `; +${ids.length - shown.length} more` : ""}.`
  );
}

/**
 * Dependency findings that share a vulnerability id with stored findings of the same package take their
 * fingerprint, and stored findings that this report ties together are merged into the oldest (planMerges).
 */
async function mergeKnownVulnerabilities(
  ctx: ServiceContext,
  serviceId: string,
  parts: NormalizedPart[],
  at: { nowIso: string; scanId: string },
): Promise<FindingMerge[]> {
  const deps: { f: NormalizedFinding; key: string }[] = [];
  for (const p of parts)
    for (const f of p.findings) if (f.kind === "dependency" && f.package) deps.push({ f, key: packageKeyOf(f.package) });
  if (!deps.length) return [];
  const incoming = deps.map((d, i) => ({
    ref: i,
    fingerprint: d.f.fingerprint,
    packageKey: d.key,
    ids: [d.f.vulnerabilityId, ...d.f.aliases],
  }));
  // A finding can only join another of a different fingerprint: one of this report's (seen here), or a stored one
  // this report does not list (asked below). In the usual re-upload there is neither, and the stored findings of every
  // package need not be read at all.
  const packages = new Set<string>();
  for (const ref of planMerges(incoming, []).adopt.keys()) packages.add(deps[ref]!.key);
  // Only fingerprint and package of the stored findings: which packages hold one this report does not list. (Asked in
  // SQL as an anti-join against the report's fingerprints, the planner's guess for unnest() made it a nested loop.)
  const listed = new Set(incoming.map((f) => f.fingerprint));
  const storedKeys = await queryRows<{ fingerprint: string; package_key: string }>(
    ctx.db,
    sql`select fingerprint, package_key from findings
        where service_id = ${serviceId} and kind = 'dependency'
          and package_key = any(${arrayLiteral([...new Set(deps.map((d) => d.key))])}::text[])`,
  );
  for (const r of storedKeys) if (!listed.has(r.fingerprint)) packages.add(r.package_key);
  if (packages.size === 0) return [];
  const stored = await queryRows<{
    id: string;
    fingerprint: string;
    package_key: string;
    ids: string[];
    first_seen_at: string | Date;
  }>(
    ctx.db,
    sql`select id, fingerprint, package_key, array_append(aliases, vulnerability_id) as ids, first_seen_at from findings
        where service_id = ${serviceId} and kind = 'dependency' and package_key = any(${arrayLiteral([...packages])}::text[])`,
  );
  // Groups never cross packages, so the findings of the other packages keep their fingerprints.
  const plan = planMerges(
    incoming.filter((f) => packages.has(f.packageKey)),
    stored.map((s) => ({
      id: s.id,
      fingerprint: s.fingerprint,
      packageKey: s.package_key,
      ids: s.ids ?? [],
      firstSeenAt: new Date(s.first_seen_at).getTime(),
    })),
  );
  for (const [ref, fp] of plan.adopt) deps[ref]!.f.fingerprint = fp;
  for (const m of plan.merges) await mergeFindings(ctx.db, serviceId, m, at);
  return plan.merges;
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
