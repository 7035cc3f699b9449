// Operator commands for threat intelligence: import CISA KEV or FIRST EPSS from a file or URL, sync, status.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { importIntel, INTEL_SOURCES, readIntelSource } from "../intel/import-intel";
import { intelStatus } from "../intel/status";
import { intelSyncConfig, runIntelSync } from "../intel/sync";
import { define, table, type Command } from "./command-kit";

const isUrl = (s: string) => /^https?:\/\//i.test(s);

export const INTEL_COMMANDS: Command[] = [
  define({
    name: "intel import",
    summary: "import CISA's KEV catalog (JSON) or FIRST's EPSS scores (CSV, gzipped or not) from a file or URL",
    usage: "intel import kev|epss <file|url>",
    options: {},
    input: z.object({
      source: z.enum(INTEL_SOURCES, { error: "the source is kev or epss" }),
      location: z.string().min(1, "a file or an http(s) URL is required").max(2000),
    }),
    // A relative path is the caller's: resolved here, so that the running server (same host) reads the same file.
    toInput: ({ positionals }) => ({
      source: positionals[0],
      location:
        positionals[1] && !isUrl(positionals[1])
          ? path.resolve(process.env.GATEHOUSE_CALLER_CWD ?? process.cwd(), positionals[1])
          : positionals[1],
    }),
    run: async (ctx, input) => {
      let bytes: Uint8Array;
      try {
        bytes = await readIntelSource(input.location, { readFile: (p) => readFile(p) });
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === "ENOENT" || code === "EISDIR" || code === "EACCES")
          return { output: [`error: cannot read ${input.location} (${code})`], exitCode: 2 };
        throw e;
      }
      const started = Date.now();
      const r = await importIntel(ctx, { source: input.source, bytes, origin: input.location });
      const what = input.source === "kev" ? "CISA KEV" : "EPSS";
      return {
        output: [
          `${r.unchanged ? "Unchanged since the last import:" : "Imported"} ${what} ${r.version ? `${r.version} ` : ""}` +
            `(${r.entries} entries${r.publishedAt ? `, published ${r.publishedAt}` : ""}) in ${((Date.now() - started) / 1000).toFixed(1)} s.`,
        ],
      };
    },
  }),
  define({
    name: "intel sync",
    summary: "fetch KEV and EPSS now from the configured URLs (the server does it daily with GATEHOUSE_INTEL_SYNC=1)",
    usage: "intel sync",
    options: {},
    input: z.object({}),
    toInput: () => ({}),
    run: async (ctx) => {
      const r = await runIntelSync(ctx, intelSyncConfig(), { force: true });
      if (r.status !== "synced") return { output: ["Another instance is syncing now; try again in a few minutes."], exitCode: 1 };
      const lines = [
        ...r.imported.map(
          (i) => `Imported ${i.source} ${i.version ?? ""} (${i.entries} entries)${i.unchanged ? ", unchanged" : ""}.`,
        ),
        ...r.failed.map((f) => `error: ${f.source}: ${f.error}`),
      ];
      return { output: lines, exitCode: r.failed.length ? 1 : 0 };
    },
  }),
  define({
    name: "intel status",
    summary: "when KEV and EPSS were last imported, from where, and how many entries",
    usage: "intel status [--json]",
    options: { json: { type: "boolean" } },
    input: z.object({ json: z.boolean().default(false) }),
    toInput: ({ values }) => ({ json: values.json === true }),
    run: async (ctx, input) => {
      const s = await intelStatus(ctx);
      if (input.json) return { output: [JSON.stringify(s)] };
      const rows = [s.kev, s.epss]
        .filter((x) => x !== null)
        .map((x) => ({
          source: x.source,
          version: x.version ?? "",
          entries: String(x.entries),
          imported: x.importedAt,
          published: x.publishedAt ?? "",
          from: x.origin,
        }));
      return {
        output: rows.length
          ? table(rows, ["source", "version", "entries", "imported", "published", "from"])
          : ["No threat intelligence imported yet: gatehouse intel import kev|epss <file|url>."],
      };
    },
  }),
];
