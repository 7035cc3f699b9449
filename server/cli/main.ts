// `npm run gatehouse -- <command>`: operator commands. Exit codes: 0 ok, 1 refused, 2 usage/config/connection.
import { userInfo } from "node:os";
import { parseArgs } from "node:util";
import { DatabaseUnavailableError } from "@/db/client";
import { DataDirLockedError, readLock, type LockInfo } from "@/db/lock";
import { openConfiguredDatabase } from "../boot";
import { ConfigError, env } from "../env";
import { InstanceKeyError } from "../security/instance-secrets";
import { COMMANDS, type Command, type CommandResult } from "./commands";
import { ADMIN_PATH } from "./admin-endpoint";
import { formatZodError, runCommand } from "./run-command";

function help(): string {
  const lines = COMMANDS.map((c) => `  ${c.usage.padEnd(70)} ${c.summary}`);
  return ["usage: gatehouse <command> [options]", "", "commands:", ...lines].join("\n");
}

function match(argv: string[]): { cmd: Command; rest: string[] } | undefined {
  for (const words of [2, 1]) {
    const name = argv.slice(0, words).join(" ");
    const cmd = COMMANDS.find((c) => c.name === name);
    if (cmd) return { cmd, rest: argv.slice(words) };
  }
  return undefined;
}

const print = (r: CommandResult) => {
  const out = r.output.join("\n");
  if ((r.exitCode ?? 0) === 0) process.stdout.write(out ? `${out}\n` : "");
  else process.stderr.write(`${out}\n`);
  return r.exitCode ?? 0;
};

async function viaServer(lock: LockInfo, name: string, input: unknown): Promise<CommandResult> {
  let res: Response;
  try {
    res = await fetch(`${lock.adminUrl}${ADMIN_PATH}`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-gatehouse-admin-token": lock.adminToken ?? "" },
      body: JSON.stringify({ command: name, input, user: safeUser() }),
    });
  } catch {
    return {
      output: [`error: the running server (pid ${lock.pid}) holds the database but did not answer at ${lock.adminUrl}`],
      exitCode: 2,
    };
  }
  if (!res.ok) return { output: [`error: the running server refused the command (HTTP ${res.status})`], exitCode: 2 };
  return (await res.json()) as CommandResult;
}

function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return "unknown";
  }
}

/** Waits for a starting server to publish its admin endpoint in the lock file. */
async function serverLock(dataDir: string, timeoutMs = 30_000): Promise<LockInfo | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const lock = readLock(dataDir);
    if (!lock || lock.holder !== "server") return lock;
    if (lock.adminUrl && lock.adminToken) return lock;
    if (Date.now() > deadline) return lock;
    await new Promise((r) => setTimeout(r, 250));
  }
}

export async function main(argv: string[]): Promise<number> {
  if (argv.length === 0 || argv[0] === "help" || argv[0] === "--help" || argv[0] === "-h") {
    process.stdout.write(`${help()}\n`);
    return argv.length === 0 ? 2 : 0;
  }
  const found = match(argv);
  if (!found) {
    process.stderr.write(`error: unknown command "${argv.slice(0, 2).join(" ")}"\n\n${help()}\n`);
    return 2;
  }
  const { cmd, rest } = found;
  let input: unknown;
  try {
    const parsed = parseArgs({ args: rest, options: cmd.options, allowPositionals: true, strict: true });
    input = cmd.toInput({
      values: parsed.values as Record<string, string | boolean | undefined>,
      positionals: parsed.positionals,
    });
  } catch (e) {
    process.stderr.write(`error: ${(e as Error).message}\nusage: gatehouse ${cmd.usage}\n`);
    return 2;
  }
  const checked = cmd.input.safeParse(input);
  if (!checked.success) {
    process.stderr.write(`error: ${formatZodError(checked.error)}\nusage: gatehouse ${cmd.usage}\n`);
    return 2;
  }
  let e;
  try {
    e = env();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`gatehouse: ${err.message}\n`);
      return 2;
    }
    throw err;
  }

  if (!e.DATABASE_URL) {
    const lock = await serverLock(e.GATEHOUSE_DATA_DIR);
    if (lock?.holder === "server" && lock.adminUrl) return print(await viaServer(lock, cmd.name, input));
  }
  let opened;
  try {
    opened = await openConfiguredDatabase(e, "cli");
  } catch (err) {
    if (err instanceof DataDirLockedError && err.info.holder === "server") {
      const lock = await serverLock(e.GATEHOUSE_DATA_DIR);
      if (lock?.adminUrl) return print(await viaServer(lock, cmd.name, input));
    }
    if (err instanceof DataDirLockedError || err instanceof DatabaseUnavailableError || err instanceof InstanceKeyError) {
      process.stderr.write(`gatehouse: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  try {
    const result = await runCommand(
      { db: opened.handle.db, actor: { type: "cli", label: `cli:${safeUser()}` }, now: () => new Date() },
      cmd.name,
      input,
    );
    return print(result);
  } finally {
    await opened.close();
  }
}
