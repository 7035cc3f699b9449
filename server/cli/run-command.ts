import { ZodError } from "zod";
import type { ServiceContext } from "../context";
import { DomainError } from "../errors";
import { findCommand, type CommandResult } from "./commands";

export function formatZodError(e: ZodError): string {
  return e.issues.map((i) => `${i.path.length ? `${i.path.join(".")}: ` : ""}${i.message}`).join("; ");
}

/** Runs a command by name with already-collected input; errors become output and an exit code. */
export async function runCommand(ctx: ServiceContext, name: string, rawInput: unknown): Promise<CommandResult> {
  const cmd = findCommand(name);
  if (!cmd) return { output: [`error: unknown command "${name}"`], exitCode: 2 };
  const parsed = cmd.input.safeParse(rawInput);
  if (!parsed.success)
    return { output: [`error: ${formatZodError(parsed.error)}`, `usage: gatehouse ${cmd.usage}`], exitCode: 2 };
  try {
    return await cmd.run(ctx, parsed.data);
  } catch (e) {
    if (e instanceof DomainError) return { output: [`error: ${e.message}`], exitCode: 1 };
    if (e instanceof ZodError) return { output: [`error: ${formatZodError(e)}`], exitCode: 2 };
    throw e;
  }
}
