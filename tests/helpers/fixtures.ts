// Builders for integration tests: each test file makes its own team, service and token.
import { randomBytes } from "node:crypto";
import type { ServiceContext } from "@/server/context";
import { ingestReport, type IngestParams } from "@/server/ingest/ingest-report";
import { createService } from "@/server/services/services";
import { createTeam } from "@/server/teams/teams";
import { authenticateToken, createToken, type TokenScope } from "@/server/tokens/tokens";

export const uniqueSlug = (prefix: string) => `${prefix}-${randomBytes(3).toString("hex")}`;
export const sha = (n: number | string) => createCommit(String(n));

function createCommit(seed: string): string {
  let h = 0;
  for (const c of seed) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return (h.toString(16).padStart(8, "0") + "0".repeat(32)).slice(0, 40);
}

export async function teamWithService(ctx: ServiceContext, opts: { team?: string; service?: string } = {}) {
  const team = await createTeam(ctx, { slug: opts.team ?? uniqueSlug("team") });
  const service = await createService(ctx, { team: team.slug, slug: opts.service ?? uniqueSlug("svc") });
  return { team, service };
}

/** A context acting as a real token with these scopes (created and authenticated like any other). */
export async function tokenContext(
  ctx: ServiceContext,
  opts: { team: string; services?: string[]; scopes: TokenScope[] },
): Promise<ServiceContext & { token: string }> {
  const created = await createToken(ctx, { team: opts.team, services: opts.services, scopes: opts.scopes });
  const actor = await authenticateToken(ctx, created.token);
  return { ...ctx, actor, token: created.token };
}

export const text = (s: string) => new TextEncoder().encode(s);

export function upload(ctx: ServiceContext, params: IngestParams, body: string | Uint8Array, idempotencyKey?: string) {
  return ingestReport(ctx, params, typeof body === "string" ? text(body) : body, { idempotencyKey });
}

/** A small Gatehouse generic report. */
export function generic(tool: string, findings: Record<string, unknown>[], extra: Record<string, unknown> = {}) {
  return JSON.stringify({ gatehouse: "1", tool: { name: tool, version: "1.0" }, findings, ...extra });
}
