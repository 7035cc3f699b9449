// How old the imported intelligence is: shown on the posture page, and a scorecard signal when sync is on.
import { sql } from "drizzle-orm";
import { queryRows } from "@/db/client";
import type { ServiceContext } from "../context";
import type { IntelSource } from "./import-intel";

export type IntelSourceStatus = {
  source: IntelSource;
  importedAt: string;
  publishedAt: string | null;
  version: string | null;
  entries: number;
  origin: string;
};

export type IntelStatus = { kev: IntelSourceStatus | null; epss: IntelSourceStatus | null };

const iso = (v: unknown) => (v === null || v === undefined ? null : (v instanceof Date ? v : new Date(String(v))).toISOString());

export async function intelStatus(ctx: ServiceContext): Promise<IntelStatus> {
  const rows = await queryRows<Record<string, unknown>>(
    ctx.db,
    sql`select source, imported_at, published_at, version, entries, origin from intel_imports`,
  );
  const out: IntelStatus = { kev: null, epss: null };
  for (const r of rows) {
    const source = r.source as IntelSource;
    out[source] = {
      source,
      importedAt: iso(r.imported_at)!,
      publishedAt: iso(r.published_at),
      version: r.version === null ? null : String(r.version),
      entries: Number(r.entries),
      origin: String(r.origin),
    };
  }
  return out;
}
