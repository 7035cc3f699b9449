// Which waivers cover a finding, as the reader sees them (pending, active, expired), for badges and history.
import { and, eq, isNull, or } from "drizzle-orm";
import { waivers } from "@/db/schema";
import type { ServiceContext } from "../context";
import { waiverStatus } from "../gate/waivers";
import { canonicalVulnId } from "../ingest/util";

export type WaiverBadge = {
  id: string;
  kind: "waiver" | "false_positive";
  status: "pending" | "active" | "expired" | "revoked";
  match: { type: "fingerprint" | "vulnerability" | "rule"; value: string };
  stages: string[] | null;
  reason: string;
  expiresAt: string | null;
  createdBy: string;
  createdAt: string;
  approvedBy: string | null;
};

export type MatchableFinding = { fingerprint: string; ruleId: string; vulnerabilityId: string | null; aliases: string[] };

const vulnKey = (id: string) => canonicalVulnId(id).toLowerCase();

/** The gate's own matching rule (server/gate/evaluate.ts), applied for display. */
export function waiverCovers(w: Pick<WaiverBadge, "match">, f: MatchableFinding): boolean {
  const value = w.match.value.trim();
  if (!value) return false;
  switch (w.match.type) {
    case "fingerprint":
      return f.fingerprint.toLowerCase() === value.toLowerCase();
    case "rule":
      return f.ruleId === value;
    case "vulnerability":
      return [f.vulnerabilityId, ...f.aliases].some((id) => id !== null && vulnKey(id) === vulnKey(value));
  }
}

/** Every waiver of a service (and the global ones), newest first, with its status at `now`. */
export async function serviceWaivers(ctx: ServiceContext, serviceId: string, opts: { includeRevoked?: boolean } = {}) {
  const rows = await ctx.db
    .select()
    .from(waivers)
    .where(
      and(
        or(eq(waivers.serviceId, serviceId), isNull(waivers.serviceId)),
        opts.includeRevoked ? undefined : isNull(waivers.revokedAt),
      ),
    );
  const now = ctx.now();
  return rows
    .map((w): WaiverBadge => ({
      id: w.id,
      kind: w.kind,
      status: waiverStatus(w, now),
      match: { type: w.matchType, value: w.matchValue },
      stages: w.stages,
      reason: w.reason,
      expiresAt: w.expiresAt?.toISOString() ?? null,
      createdBy: w.createdBy,
      createdAt: w.createdAt.toISOString(),
      approvedBy: w.approvedBy,
    }))
    .sort((a, b) => (a.createdAt < b.createdAt ? 1 : -1));
}

/** The waivers that cover a finding (expired ones left out unless asked). */
export function waiversOf(all: WaiverBadge[], f: MatchableFinding, opts: { includeExpired?: boolean } = {}): WaiverBadge[] {
  return all.filter((w) => (opts.includeExpired || w.status === "pending" || w.status === "active") && waiverCovers(w, f));
}
