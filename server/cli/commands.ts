// Operator commands. The same handlers run in the CLI process (PostgreSQL, or a free embedded
// database) and inside the running server (embedded database held by the server).
import { z } from "zod";
import { migrate } from "@/db/migrate";
import type { ServiceContext } from "../context";
import { createService, createServiceInput, listServices } from "../services/services";
import { createTeam, createTeamInput, listTeams } from "../teams/teams";
import { slugSchema } from "../validation";

export type CommandResult = { output: string[]; exitCode?: number };
export type OptionSpec = Record<string, { type: "string" | "boolean"; multiple?: boolean }>;
export type ParsedArgs = { values: Record<string, string | boolean | string[] | undefined>; positionals: string[] };

export type Command<S extends z.ZodType = z.ZodType> = {
  name: string;
  summary: string;
  usage: string;
  options: OptionSpec;
  input: S;
  toInput: (args: ParsedArgs) => unknown;
  run: (ctx: ServiceContext, input: z.output<S>) => Promise<CommandResult>;
};

const define = <S extends z.ZodType>(c: Command<S>): Command => c as unknown as Command;

function table(rows: Record<string, string>[], columns: string[]): string[] {
  if (rows.length === 0) return [];
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => (r[c] ?? "").length)));
  const fmt = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join("  ")
      .trimEnd();
  return [fmt(columns.map((c) => c.toUpperCase())), ...rows.map((r) => fmt(columns.map((c) => r[c] ?? "")))];
}

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
];

export const findCommand = (name: string): Command | undefined => COMMANDS.find((c) => c.name === name);
