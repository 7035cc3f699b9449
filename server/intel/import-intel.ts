// Imports a threat-intelligence feed (CISA KEV or FIRST EPSS): one transaction that replaces the whole source,
// records when, what and how many, and audits it. A malformed file changes nothing.
import { createHash } from "node:crypto";
import { gunzipSync } from "node:zlib";
import { sql } from "drizzle-orm";
import { queryRows } from "@/db/client";
import { withTransaction, type ServiceContext } from "../context";
import { DomainError, validation } from "../errors";
import { recordAudit } from "../audit/record-audit";
import { onKevChanged } from "../recheck/triggers";
import { IntelFormatError, parseEpssCsv, parseKevCatalog, type EpssScore, type KevEntry } from "./parse";

export const INTEL_SOURCES = ["kev", "epss"] as const;
export type IntelSource = (typeof INTEL_SOURCES)[number];

/** The largest feed accepted, after decompression (the EPSS file is ≈ 10 MB unzipped, the KEV catalog ≈ 1.3 MB). */
export const MAX_INTEL_BYTES = 64 * 1024 * 1024;
const BATCH = 20_000;

export type IntelImportResult = {
  source: IntelSource;
  entries: number;
  version: string | null;
  publishedAt: string | null;
  importedAt: string;
  sha256: string;
  /** the same bytes as the last import: only the import time moved */
  unchanged: boolean;
};

/** Bytes (gzipped or not) → text, refusing what is too large or not UTF-8. */
export function intelText(bytes: Uint8Array, maxBytes = MAX_INTEL_BYTES): string {
  let raw = bytes;
  if (raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b) {
    try {
      raw = gunzipSync(raw, { maxOutputLength: maxBytes });
    } catch (e) {
      const tooBig = (e as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE" || /larger than|buffer/i.test(String(e));
      throw validation(
        tooBig ? `The feed is larger than ${maxBytes} bytes unzipped.` : "The feed is not valid gzip.",
        {},
        "malformed-intel",
      );
    }
  }
  if (raw.length > maxBytes) throw validation(`The feed is larger than ${maxBytes} bytes.`, {}, "malformed-intel");
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(raw);
  } catch {
    throw validation("The feed is not UTF-8 text.", {}, "malformed-intel");
  }
}

const arr = (values: readonly (string | number)[]) =>
  `{${values.map((v) => (typeof v === "number" ? String(v) : `"${v.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`)).join(",")}}`;

async function writeKev(tx: ServiceContext, rows: KevEntry[]): Promise<void> {
  await tx.db.execute(sql`delete from intel_kev where true`);
  for (let i = 0; i < rows.length; i += BATCH) {
    const b = rows.slice(i, i + BATCH);
    const col = (f: (r: KevEntry) => string) => arr(b.map(f));
    await tx.db.execute(
      sql`insert into intel_kev (cve_id, vendor_project, product, name, date_added, due_date, required_action, known_ransomware)
          select x.c, x.v, x.p, x.n, x.a::date, x.d::date, x.r, x.k
          from unnest(${col((r) => r.cveId)}::text[], ${col((r) => r.vendorProject)}::text[], ${col((r) => r.product)}::text[],
                      ${col((r) => r.name)}::text[], ${col((r) => r.dateAdded)}::text[], ${col((r) => r.dueDate)}::text[],
                      ${col((r) => r.requiredAction)}::text[], ${col((r) => r.knownRansomware)}::text[])
               as x(c, v, p, n, a, d, r, k)`,
    );
  }
}

async function writeEpss(tx: ServiceContext, rows: EpssScore[]): Promise<void> {
  await tx.db.execute(sql`delete from intel_epss where true`);
  for (let i = 0; i < rows.length; i += BATCH) {
    const b = rows.slice(i, i + BATCH);
    await tx.db.execute(
      sql`insert into intel_epss (cve_id, epss, percentile)
          select * from unnest(${arr(b.map((r) => r.cveId))}::text[], ${arr(b.map((r) => r.epss))}::real[],
                               ${arr(b.map((r) => r.percentile))}::real[])`,
    );
  }
}

/** Parses and imports one feed. `origin` is the file or URL it came from (recorded, never fetched here). */
export async function importIntel(
  ctx: ServiceContext,
  input: { source: IntelSource; bytes: Uint8Array; origin: string },
): Promise<IntelImportResult> {
  const sha256 = createHash("sha256").update(input.bytes).digest("hex");
  const text = intelText(input.bytes);
  let parsed: { version: string | null; publishedAt: Date | null; count: number; write: (tx: ServiceContext) => Promise<void> };
  try {
    if (input.source === "kev") {
      const k = parseKevCatalog(text);
      parsed = { version: k.version, publishedAt: k.releasedAt, count: k.entries.length, write: (tx) => writeKev(tx, k.entries) };
    } else {
      const e = parseEpssCsv(text);
      parsed = {
        version: e.modelVersion,
        publishedAt: e.scoreDate,
        count: e.scores.length,
        write: (tx) => writeEpss(tx, e.scores),
      };
    }
  } catch (e) {
    if (e instanceof IntelFormatError) throw validation(e.message, { source: input.source }, "malformed-intel");
    throw e;
  }
  const origin = input.origin.slice(0, 1000);
  return withTransaction(ctx, async (tx) => {
    // One import of a source at a time, across instances and the CLI.
    await tx.db.execute(sql`select pg_advisory_xact_lock(hashtext(${`gatehouse:intel:${input.source}`}))`);
    const [prev] = await queryRows<{ sha256: string; entries: number }>(
      tx.db,
      sql`select sha256, entries from intel_imports where source = ${input.source}`,
    );
    const unchanged = prev?.sha256 === sha256;
    if (!unchanged) await parsed.write(tx);
    // A stage running a commit whose findings just joined KEV may be out of policy now: re-check what runs.
    if (!unchanged && input.source === "kev") await onKevChanged(tx);
    const now = tx.now();
    await tx.db.execute(
      sql`insert into intel_imports (source, imported_at, published_at, version, entries, origin, sha256, imported_by)
          values (${input.source}, ${now.toISOString()}::timestamptz, ${parsed.publishedAt?.toISOString() ?? null}::timestamptz,
                  ${parsed.version}, ${parsed.count}, ${origin}, ${sha256}, ${tx.actor.label})
          on conflict (source) do update set imported_at = excluded.imported_at, published_at = excluded.published_at,
            version = excluded.version, entries = excluded.entries, origin = excluded.origin, sha256 = excluded.sha256,
            imported_by = excluded.imported_by`,
    );
    const result: IntelImportResult = {
      source: input.source,
      entries: parsed.count,
      version: parsed.version,
      publishedAt: parsed.publishedAt?.toISOString() ?? null,
      importedAt: now.toISOString(),
      sha256,
      unchanged,
    };
    await recordAudit(tx, {
      action: "intel.import",
      targetType: "intel",
      targetId: input.source,
      before: prev ? { entries: Number(prev.entries), sha256: prev.sha256 } : null,
      after: { ...result, origin },
    });
    return result;
  });
}

/** Reads a feed from a file or an http(s) URL, with a size cap and (for URLs) a time limit. */
export async function readIntelSource(
  location: string,
  opts: { maxBytes?: number; timeoutMs?: number; readFile: (path: string) => Promise<Uint8Array> },
): Promise<Uint8Array> {
  const maxBytes = opts.maxBytes ?? MAX_INTEL_BYTES;
  if (!/^https?:\/\//i.test(location)) return opts.readFile(location);
  let res: Response;
  try {
    res = await fetch(location, { signal: AbortSignal.timeout(opts.timeoutMs ?? 60_000), redirect: "follow" });
  } catch (e) {
    const timedOut = (e as Error).name === "TimeoutError";
    throw new DomainError(
      "unavailable",
      timedOut ? `Fetching ${location} timed out.` : `Could not fetch ${location}.`,
      "intel-fetch-failed",
    );
  }
  if (!res.ok || !res.body) {
    await res.body?.cancel().catch(() => {});
    throw new DomainError("unavailable", `Fetching ${location} answered HTTP ${res.status}.`, "intel-fetch-failed");
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = res.body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.length;
      if (size > maxBytes) {
        await reader.cancel().catch(() => {});
        throw new DomainError("payload_too_large", `${location} is larger than ${maxBytes} bytes.`, "intel-too-large");
      }
      chunks.push(value);
    }
  } catch (e) {
    if (e instanceof DomainError) throw e;
    throw new DomainError("unavailable", `Fetching ${location} failed or timed out.`, "intel-fetch-failed");
  }
  return Buffer.concat(chunks);
}
