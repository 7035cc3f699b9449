// Builders for integration tests: each test file makes its own team, service and token.
import { randomBytes } from "node:crypto";
import type { Actor, ServiceContext } from "@/server/context";
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

/** A signed-in security person, the kind who approves waivers (never their own request). */
export const securityReviewer = {
  type: "user",
  id: "usr_sec",
  label: "sec@example.com",
  role: "security",
  teamIds: [],
} as const satisfies Actor;

export const text = (s: string) => new TextEncoder().encode(s);

export function upload(ctx: ServiceContext, params: IngestParams, body: string | Uint8Array, idempotencyKey?: string) {
  return ingestReport(ctx, params, typeof body === "string" ? text(body) : body, { idempotencyKey });
}

/** A small Gatehouse generic report. */
export function generic(tool: string, findings: Record<string, unknown>[], extra: Record<string, unknown> = {}) {
  return JSON.stringify({ gatehouse: "1", tool: { name: tool, version: "1.0" }, findings, ...extra });
}

/** A finding of a code scanner, as a generic report lists it. */
export const codeFinding = (rule: string, severity: string) => ({
  kind: "code",
  ruleId: rule,
  title: rule,
  severity,
  location: { file: "src/app.ts", snippet: rule },
});

/** A vulnerable npm package, as a generic report lists it. */
export const dependencyFinding = (
  id: string,
  severity: string,
  pkg = { name: "lodash", version: "4.17.15", fixed: "4.17.21" },
) => ({
  kind: "dependency",
  ruleId: id,
  title: `${id} in ${pkg.name}`,
  severity,
  vulnerabilityId: id,
  package: { ecosystem: "npm", name: pkg.name, version: pkg.version, fixedVersions: [pkg.fixed] },
});

/** A hardened deploy workflow with the gate wired in: posture evidence without findings of medium or higher. */
export const GATED_WORKFLOW = `name: ship
on:
  push:
    branches: [main]
permissions: {}
jobs:
  deploy:
    runs-on: ubuntu-latest
    environment: production
    permissions:
      contents: read
      id-token: write
    steps:
      - uses: actions/checkout@08eba0b27e820071cde6df949e0beb9ba4906955 # v4.3.0
        with:
          persist-credentials: false
      - name: Gate
        run: node .ci/gatehouse.mjs gate --stage production --artifact "$DIGEST"
        env:
          GATEHOUSE_TOKEN: \${{ secrets.GATEHOUSE_TOKEN }}
      - name: Roll out
        run: kubectl set image deployment/api api="registry.example.com/api@$DIGEST"
      - name: Record
        run: node .ci/gatehouse.mjs deploy --stage production --artifact "$DIGEST"
        env:
          GATEHOUSE_TOKEN: \${{ secrets.GATEHOUSE_TOKEN }}
`;

/** The same workflow with the gate call removed: a gate-wiring finding. */
export const UNGATED_WORKFLOW = GATED_WORKFLOW.replace(/ {6}- name: Gate\n.*\n.*\n.*\n/, "");
