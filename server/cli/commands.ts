// Operator commands. The same handlers run in the CLI process (PostgreSQL, or a free embedded
// database) and inside the running server (embedded database held by the server).
import { readFileSync } from "node:fs";
import { loadDemo } from "../demo/load-demo";
import { snapshotScorecards } from "../scoring/snapshot";
import { ACCESS_COMMANDS } from "./commands-access";
import { AUTH_COMMANDS } from "./commands-auth";
import { KEY_COMMANDS } from "./commands-keys";
import { NOTIFY_COMMANDS } from "./commands-notify";
import { INTEL_COMMANDS } from "./commands-intel";
import { z } from "zod";
import { migrate } from "@/db/migrate";
import { createService, createServiceInput, listServices } from "../services/services";
import { createTeam, createTeamInput, listTeams } from "../teams/teams";
import { createToken, createTokenInput, DEFAULT_TOKEN_DAYS, TOKEN_SCOPES } from "../tokens/tokens";
import { getPolicy, listPolicyVersions, parsePolicyText, setPolicy, validatePolicy } from "../gate/policies";
import { approveWaiver, createWaiver, createWaiverInput, listWaivers, revokeWaiver, type WaiverView } from "../gate/waivers";
import { emailSchema } from "../auth/setup-links";
import { personActor } from "../auth/users";
import { singleLineSchema, slugSchema } from "../validation";

import { define, table, type Command } from "./command-kit";

export type { Command, CommandResult } from "./command-kit";

export const COMMANDS: Command[] = [
  define({
    name: "migrate",
    summary: "apply database migrations (the server also does this at start-up)",
    usage: "migrate",
    options: {},
    input: z.object({}),
    toInput: () => ({}),
    run: async (ctx) => {
      const r = await migrate(ctx.db);
      return {
        output: r.applied.length
          ? [`Applied ${r.applied.length} migration(s): ${r.applied.join(", ")}`]
          : [`Database is up to date (latest migration ${r.latest ?? "none"}).`],
      };
    },
  }),
  define({
    name: "team create",
    summary: "create a team",
    usage: "team create <slug> [--name <name>]",
    options: { name: { type: "string" } },
    input: createTeamInput,
    toInput: ({ values, positionals }) => ({ slug: positionals[0], name: values.name }),
    run: async (ctx, input) => {
      const t = await createTeam(ctx, input);
      return { output: [`Created team ${t.slug} (${t.id})`] };
    },
  }),
  define({
    name: "team list",
    summary: "list teams",
    usage: "team list [--json]",
    options: { json: { type: "boolean" } },
    input: z.object({ json: z.boolean().default(false) }),
    toInput: ({ values }) => ({ json: values.json === true }),
    run: async (ctx, input) => {
      const rows = await listTeams(ctx);
      if (input.json) return { output: [JSON.stringify(rows)] };
      return {
        output: rows.length
          ? table(
              rows.map((t) => ({ slug: t.slug, name: t.name, id: t.id })),
              ["slug", "name", "id"],
            )
          : ["No teams yet."],
      };
    },
  }),
  define({
    name: "service create",
    summary: "register a service in a team",
    usage:
      "service create <slug> --team <team> [--name <name>] [--repo <url>] [--branch <name>] [--criticality critical|high|medium|low]",
    options: {
      team: { type: "string" },
      name: { type: "string" },
      repo: { type: "string" },
      branch: { type: "string" },
      criticality: { type: "string" },
    },
    input: createServiceInput,
    toInput: ({ values, positionals }) => ({
      slug: positionals[0],
      team: values.team,
      name: values.name,
      repoUrl: values.repo,
      defaultBranch: values.branch,
      criticality: values.criticality,
    }),
    run: async (ctx, input) => {
      const s = await createService(ctx, input);
      return { output: [`Created service ${s.slug} in team ${s.teamSlug} (${s.id})`] };
    },
  }),
  define({
    name: "service list",
    summary: "list services",
    usage: "service list [--team <team>] [--json]",
    options: { team: { type: "string" }, json: { type: "boolean" } },
    input: z.object({ team: slugSchema.optional(), json: z.boolean().default(false) }),
    toInput: ({ values }) => ({ team: values.team, json: values.json === true }),
    run: async (ctx, input) => {
      const rows = await listServices(ctx, { team: input.team });
      if (input.json) return { output: [JSON.stringify(rows)] };
      if (!rows.length) return { output: ["No services yet."] };
      return {
        output: table(
          rows.map((s) => ({
            slug: s.slug,
            team: s.teamSlug,
            criticality: s.criticality,
            branch: s.defaultBranch,
            repo: s.repoUrl ?? "",
            id: s.id,
          })),
          ["slug", "team", "criticality", "branch", "repo", "id"],
        ),
      };
    },
  }),
  define({
    name: "token create",
    summary:
      "create a machine token (policies:write only on an --org token, bound to no team); prints it once, alone on the last line",
    usage: `token create (--team <team> [--service <slug>]... | --org) --scopes ${TOKEN_SCOPES.join(",")} [--name <name>] [--expires-in-days ${DEFAULT_TOKEN_DAYS}]`,
    options: {
      team: { type: "string" },
      org: { type: "boolean" },
      service: { type: "string", multiple: true },
      scopes: { type: "string" },
      name: { type: "string" },
      "expires-in-days": { type: "string" },
    },
    input: createTokenInput,
    toInput: ({ values }) => ({
      team: values.team,
      org: values.org === true,
      services: Array.isArray(values.service) ? values.service.flatMap((s) => s.split(",")).filter(Boolean) : undefined,
      scopes:
        typeof values.scopes === "string"
          ? values.scopes
              .split(",")
              .map((s) => s.trim())
              .filter(Boolean)
          : [],
      name: values.name,
      expiresInDays: typeof values["expires-in-days"] === "string" ? Number(values["expires-in-days"]) : undefined,
    }),
    run: async (ctx, input) => {
      const t = await createToken(ctx, input);
      return {
        output: [
          t.team === null
            ? `Created organisation token ${t.id} (bound to no team: for the stage policies)`
            : `Created token ${t.id} for team ${t.team}${t.services ? ` (services: ${t.services.join(", ")})` : " (every service of the team)"}`,
          `Scopes: ${t.scopes.join(", ")}; expires ${t.expiresAt.toISOString()}.`,
          "Store it now: it is shown only once and only its hash is kept.",
          t.token,
        ],
      };
    },
  }),
  define({
    name: "policy get",
    summary: "print the policy in force for a stage (or one version)",
    usage: "policy get <stage> [--version <n>] [--history]",
    options: { version: { type: "string" }, history: { type: "boolean" } },
    input: z.object({ stage: slugSchema, version: z.number().int().min(1).optional(), history: z.boolean().default(false) }),
    toInput: ({ values, positionals }) => ({
      stage: positionals[0],
      version: typeof values.version === "string" ? Number(values.version) : undefined,
      history: values.history === true,
    }),
    run: async (ctx, input) => {
      if (input.history) {
        const versions = await listPolicyVersions(ctx, input.stage);
        return {
          output: table(
            versions.map((v) => ({ version: String(v.version), by: v.createdBy, at: v.createdAt, comment: v.comment ?? "" })),
            ["version", "by", "at", "comment"],
          ),
        };
      }
      const p = await getPolicy(ctx, input.stage, input.version);
      return {
        output: [
          `# ${p.stage} policy, version ${p.version} (${p.id}), by ${p.createdBy} at ${p.createdAt}`,
          JSON.stringify(p.document, null, 2),
        ],
      };
    },
  }),
  define({
    name: "policy set",
    summary: "set a stage's policy from a JSON or YAML document (validated; a new version)",
    usage: "policy set <stage> --file <policy.json|policy.yaml> [--comment <why>]",
    options: { file: { type: "string" }, comment: { type: "string" } },
    input: z.object({ stage: slugSchema, document: z.unknown(), comment: z.string().max(500).optional() }),
    // The CLI reads the file; the server (or the local database) receives the parsed document.
    toInput: ({ values, positionals }) => ({
      stage: positionals[0],
      document: readPolicyFile(values.file),
      comment: values.comment,
    }),
    run: async (ctx, input) => {
      validatePolicy(input.document);
      const p = await setPolicy(ctx, input.stage, input.document, input.comment);
      return { output: [`The ${p.stage} policy is now version ${p.version} (${p.id}).`] };
    },
  }),
  define({
    name: "waiver create",
    summary:
      "request a risk acceptance (a finding fingerprint, a vulnerability id or a rule) with a reason and an expiry; pending until a security reviewer approves it",
    usage:
      "waiver create (--service <slug> | --all-services) --match fingerprint:<fp>|vulnerability:<CVE/GHSA>|rule:<id> --reason <text> (--expires-in-days <n> | --false-positive [--expires-in-days <n ≤ 365>]) [--stages test,production]",
    options: {
      service: { type: "string" },
      "all-services": { type: "boolean" },
      match: { type: "string" },
      reason: { type: "string" },
      "expires-in-days": { type: "string" },
      "false-positive": { type: "boolean" },
      stages: { type: "string" },
      pending: { type: "boolean" },
    },
    input: createWaiverInput,
    toInput: ({ values }) => {
      const m = typeof values.match === "string" ? /^(fingerprint|vulnerability|rule):(.+)$/.exec(values.match) : null;
      return {
        service: values["all-services"] ? undefined : values.service,
        match: m ? { type: m[1], value: m[2] } : undefined,
        reason: values.reason,
        kind: values["false-positive"] ? "false_positive" : "waiver",
        expiresInDays: typeof values["expires-in-days"] === "string" ? Number(values["expires-in-days"]) : undefined,
        stages:
          typeof values.stages === "string"
            ? values.stages
                .split(",")
                .map((x) => x.trim())
                .filter(Boolean)
            : undefined,
        // Always pending: a second person approves (waiver approve --as); --pending is accepted, as before, and changes nothing.
        approve: false,
      };
    },
    run: async (ctx, input) => {
      const w = await createWaiver(ctx, input, { maxDays: Number(process.env.GATEHOUSE_WAIVER_MAX_DAYS ?? 90) || 90 });
      return {
        output: [
          `Created ${w.kind === "false_positive" ? "false positive" : "waiver"} ${w.id} (${w.status}${w.expiresAt ? `, expires ${w.expiresAt}` : ""}).`,
          `A security reviewer approves it, signed in or here: gatehouse waiver approve ${w.id} --as <their email>`,
        ],
      };
    },
  }),
  define({
    name: "waiver list",
    summary: "list waivers",
    usage: "waiver list [--service <slug>] [--json]",
    options: { service: { type: "string" }, json: { type: "boolean" } },
    input: z.object({ service: slugSchema.optional(), json: z.boolean().default(false) }),
    toInput: ({ values }) => ({ service: values.service, json: values.json === true }),
    run: async (ctx, input) => {
      const rows = await listWaivers(ctx, { service: input.service });
      if (input.json) return { output: [JSON.stringify(rows)] };
      return { output: rows.length ? waiverTable(rows) : ["No waivers."] };
    },
  }),
  define({
    name: "waiver approve",
    summary: "approve a pending waiver as a security reviewer or admin (--as), who did not request it; audited as them",
    usage: "waiver approve <id> --as <email>",
    options: { as: { type: "string" } },
    input: z.object({
      id: singleLineSchema(100),
      as: emailSchema.optional().refine((v) => v !== undefined, "--as <email> is required: the security reviewer who approves"),
    }),
    toInput: ({ values, positionals }) => ({ id: positionals[0], as: values.as }),
    run: async (ctx, input) => {
      const person = await personActor(ctx, input.as!);
      const w = await approveWaiver({ ...ctx, actor: person }, input.id, { via: ctx.actor.label });
      return { output: [`Approved waiver ${w.id} as ${person.label}.`] };
    },
  }),
  define({
    name: "waiver revoke",
    summary: "revoke a waiver or a false-positive mark",
    usage: "waiver revoke <id>",
    options: {},
    input: z.object({ id: z.string().min(1) }),
    toInput: ({ positionals }) => ({ id: positionals[0] }),
    run: async (ctx, input) => {
      const w = await revokeWaiver(ctx, input.id);
      return { output: [`Revoked waiver ${w.id}.`] };
    },
  }),
];

function waiverTable(rows: WaiverView[]): string[] {
  return table(
    rows.map((w) => ({
      id: w.id,
      status: w.status,
      service: w.service ?? "(all)",
      match: `${w.match.type}:${w.match.value}`,
      stages: w.stages?.join(",") ?? "(all)",
      expires: w.expiresAt ?? "never",
      reason: w.reason.length > 40 ? `${w.reason.slice(0, 39)}…` : w.reason,
    })),
    ["id", "status", "service", "match", "stages", "expires", "reason"],
  );
}

function readPolicyFile(file: unknown): unknown {
  if (typeof file !== "string") throw new Error("--file is required");
  const text = readFileSync(file, "utf8");
  return parsePolicyText(text, /\.ya?ml$/i.test(file) ? "application/yaml" : "application/json");
}

COMMANDS.push(
  ...AUTH_COMMANDS,
  ...ACCESS_COMMANDS,
  ...KEY_COMMANDS,
  ...NOTIFY_COMMANDS,
  ...INTEL_COMMANDS,
  define({
    name: "scorecard snapshot",
    summary: "compute today's scorecard for every service (the server also does it daily)",
    usage: "scorecard snapshot",
    options: {},
    input: z.object({}),
    toInput: () => ({}),
    run: async (ctx) => {
      const rows = await snapshotScorecards(ctx, {});
      return { output: [`Scored ${rows.length} service(s).`] };
    },
  }),
  define({
    name: "demo",
    summary: "load realistic demo data (teams, services, 60 days of reports, decisions, scorecards)",
    usage: "demo",
    options: {},
    input: z.object({}),
    toInput: () => ({}),
    run: async (ctx) => {
      const started = Date.now();
      const r = await loadDemo(ctx);
      return {
        output: [
          `Loaded the demo in ${Math.round((Date.now() - started) / 1000)} s: ${r.teams} teams, ${r.services} services, ${r.scans} scans, ` +
            `${r.decisions} gate decisions, ${r.deployments} deployments, ${r.snapshots} daily scorecards.`,
        ],
      };
    },
  }),
);

export const findCommand = (name: string): Command | undefined => COMMANDS.find((c) => c.name === name);
