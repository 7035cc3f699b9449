// Starts the real Gatehouse server (the production build) and runs the real CLI, as users do.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";

export const repoRoot = path.resolve(import.meta.dirname, "../..");

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

export const tempDir = (prefix = "gatehouse-") => mkdtempSync(path.join(tmpdir(), prefix));

/** The environment a child process gets: no inherited DATABASE_URL unless given. */
function childEnv(extra: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const base: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: "production",
    NEXT_TELEMETRY_DISABLED: "1",
    GATEHOUSE_LOG_LEVEL: "warn",
  };
  delete base.DATABASE_URL;
  delete base.VITEST;
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete base[k];
    else base[k] = v;
  }
  return base;
}

export type RunningServer = {
  url: string;
  port: number;
  child: ChildProcess;
  output: () => string;
  stop: () => Promise<number | null>;
};

export type ExitResult = { code: number | null; stdout: string; stderr: string };

/** Spawns `node scripts/start.mjs` in its own process group. Resolves when /api/health answers, or with the exit. */
export async function startServer(env: Record<string, string | undefined>, timeoutMs = 300_000): Promise<RunningServer> {
  const port = env.PORT ? Number(env.PORT) : await freePort();
  // GATEHOUSE_SERVER_CPU_PROF=<dir>: the server writes a V8 CPU profile there when it stops (benches only).
  const prof = process.env.GATEHOUSE_SERVER_CPU_PROF;
  const nodeArgs = prof ? ["--cpu-prof", `--cpu-prof-dir=${prof}`] : [];
  const child = spawn(process.execPath, [...nodeArgs, path.join(repoRoot, "scripts/start.mjs")], {
    cwd: repoRoot,
    env: childEnv({ ...env, PORT: String(port) }),
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const url = `http://localhost:${port}`;
  const deadline = Date.now() + timeoutMs;
  let done = false;
  void exited.then(() => (done = true));
  while (!done) {
    try {
      const r = await fetch(`${url}/api/health`);
      if (r.ok) break;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) {
      process.kill(-child.pid!, "SIGKILL");
      throw new Error(`server did not come up in ${timeoutMs} ms:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  if (done) throw Object.assign(new Error(`server exited during start-up:\n${out}`), { output: out });
  return {
    url,
    port,
    child,
    output: () => out,
    stop: async () => {
      try {
        process.kill(-child.pid!, "SIGTERM");
      } catch {
        /* already gone */
      }
      return exited;
    },
  };
}

/** Runs a process to completion and collects its output. */
export function run(
  cmd: string,
  args: string[],
  env: Record<string, string | undefined>,
  timeoutMs = 120_000,
  cwd = repoRoot,
): Promise<ExitResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env: childEnv(env), stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${cmd} ${args.join(" ")} timed out:\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** The operator CLI, exactly as `npm run gatehouse -- …` runs it. */
export const cli = (args: string[], env: Record<string, string | undefined>) =>
  run(process.execPath, [path.join(repoRoot, "bin/gatehouse.mjs"), ...args], env);

/** `node scripts/start.mjs` expected to fail fast. */
export const startExpectingFailure = (env: Record<string, string | undefined>) =>
  run(process.execPath, [path.join(repoRoot, "scripts/start.mjs")], env, 120_000);
