// Operator commands for machine tokens and the audit trail (token list|revoke|rotate, audit export).
import { z } from "zod";
import { exportAuditInput, ndjsonLine, openAuditExport } from "../audit/export-audit";
import {
  DEFAULT_GRACE_HOURS,
  listTokens,
  listTokensInput,
  revokeToken,
  revokeTokenInput,
  rotateToken,
  rotateTokenInput,
} from "../tokens/tokens";
import { define, table, type Command } from "./command-kit";

const day = (d: Date | null) => (d ? d.toISOString().slice(0, 16).replace("T", " ") : "never");
const str = (v: unknown) => (typeof v === "string" ? v : undefined);
const num = (v: unknown) => (typeof v === "string" && v.trim() !== "" ? Number(v) : undefined);

export const ACCESS_COMMANDS: Command[] = [
  define({
    name: "token list",
    summary: "list machine tokens (never their secrets)",
    usage: "token list [--team <team>] [--json]",
    options: { team: { type: "string" }, json: { type: "boolean" } },
    input: listTokensInput.extend({ json: z.boolean().default(false) }),
    toInput: ({ values }) => ({ team: values.team, json: values.json === true }),
    run: async (ctx, input) => {
      const rows = await listTokens(ctx, { team: input.team });
      if (input.json) return { output: [JSON.stringify(rows)] };
      if (rows.length === 0) return { output: ["No tokens."] };
      return {
        output: table(
          rows.map((t) => ({
            id: t.id,
            name: t.name,
            team: t.team ?? "(organisation)",
            prefix: `${t.displayPrefix}…`,
            scopes: t.scopes.join(","),
            services: t.services ? t.services.join(",") : "all",
            status: t.status,
            expires: day(t.expiresAt),
            "last used": t.lastUsedAt ? `${day(t.lastUsedAt)}${t.lastUsedIp ? ` from ${t.lastUsedIp}` : ""}` : "never",
          })),
          ["id", "name", "team", "prefix", "scopes", "services", "status", "expires", "last used"],
        ),
      };
    },
  }),
  define({
    name: "token revoke",
    summary: "revoke a machine token at once",
    usage: "token revoke <id>",
    options: {},
    input: revokeTokenInput,
    toInput: ({ positionals }) => ({ id: positionals[0] }),
    run: async (ctx, input) => {
      const r = await revokeToken(ctx, input);
      return {
        output: [
          r.alreadyRevoked
            ? `Token ${r.id} (${r.name}) was already revoked on ${r.revokedAt.toISOString()}.`
            : `Revoked token ${r.id} (${r.name}).`,
        ],
      };
    },
  }),
  define({
    name: "token rotate",
    summary: "replace a machine token; the old one works for a grace period; prints the new one alone on the last line",
    usage: `token rotate <id> [--grace-hours ${DEFAULT_GRACE_HOURS}]`,
    options: { "grace-hours": { type: "string" } },
    input: rotateTokenInput,
    toInput: ({ values, positionals }) => ({ id: positionals[0], graceHours: num(values["grace-hours"]) }),
    run: async (ctx, input) => {
      const r = await rotateToken(ctx, input);
      return {
        output: [
          `Rotated token ${r.replaced.id}: it keeps working until ${r.replaced.expiresAt.toISOString()}.`,
          `New token ${r.id} for ${r.team === null ? "the organisation" : `team ${r.team}`} (scopes ${r.scopes.join(",")}), expires ${r.expiresAt.toISOString()}. Store it now; it is not shown again:`,
          r.token,
        ],
      };
    },
  }),
  define({
    name: "audit export",
    summary: "write the audit trail as NDJSON (oldest first; since inclusive, until exclusive)",
    usage: "audit export [--since <ISO time>] [--until <ISO time>] [--limit <n>]",
    options: { since: { type: "string" }, until: { type: "string" }, limit: { type: "string" } },
    input: exportAuditInput,
    toInput: ({ values }) => ({ since: str(values.since), until: str(values.until), limit: str(values.limit) }),
    run: async (ctx, input) => {
      const lines: string[] = [];
      for await (const line of await openAuditExport(ctx, input)) lines.push(ndjsonLine(line).trimEnd());
      return { output: lines };
    },
  }),
];
