// The shape of an operator command, shared by every command file.
import type { z } from "zod";
import type { ServiceContext } from "../context";

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

export const define = <S extends z.ZodType>(c: Command<S>): Command => c as unknown as Command;

export function table(rows: Record<string, string>[], columns: string[]): string[] {
  if (rows.length === 0) return [];
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => (r[c] ?? "").length)));
  const fmt = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join("  ")
      .trimEnd();
  return [fmt(columns.map((c) => c.toUpperCase())), ...rows.map((r) => fmt(columns.map((c) => r[c] ?? "")))];
}
