// Runs one worker of a benchmark module in a fresh Node process: each figure of peak RSS (getrusage
// ru_maxrss cannot be reset) then belongs to that worker alone, and the heap size is set explicitly.
import { fork } from "node:child_process";
import { parseEnv } from "@/server/env";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ENTRY = path.join(path.dirname(fileURLToPath(import.meta.url)), "child-entry.ts");

type Reply = { ok: true; result: unknown } | { ok: false; error: string };

export type ChildOptions = { heapMb?: number };

/** Calls `workers[worker](input)` of `modulePath` in a child process and returns its result. */
export function runInChild<T>(modulePath: string, worker: string, input: unknown, opts: ChildOptions = {}): Promise<T> {
  const child = fork(ENTRY, [modulePath, worker], {
    // process.execArgv carries tsx's loader, so the child runs TypeScript with the same path aliases.
    // GATEHOUSE_BENCH_WORKER_ARGS: more Node.js options for the workers only, such as "--cpu-prof --cpu-prof-dir=<dir>"
    // or "--trace-gc" (which NODE_OPTIONS does not take).
    execArgv: [
      ...process.execArgv,
      `--max-old-space-size=${opts.heapMb ?? 4096}`,
      "--expose-gc",
      ...(process.env.GATEHOUSE_BENCH_WORKER_ARGS?.split(/\s+/).filter(Boolean) ?? []),
    ],
    stdio: ["inherit", "inherit", "inherit", "ipc"],
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  // If this process is interrupted, the worker gets SIGTERM to clean up after itself (it drops its PostgreSQL
  // database), and SIGKILL if it has not exited within 5 s: a worker busy inside PGlite was seen to ignore signals.
  const unregister = onInterrupt(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGTERM");
    const timer = new Promise<void>((resolve) => setTimeout(resolve, 5000).unref());
    await Promise.race([exited, timer]);
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  });
  return new Promise<T>((resolve, reject) => {
    let reply: Reply | undefined;
    child.on("message", (m) => {
      // tsx's preflight also talks on this channel ({ type: "signal" }); only our replies carry `ok`.
      if (typeof m === "object" && m !== null && "ok" in m) reply = m as Reply;
    });
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      unregister();
      if (reply?.ok) resolve(reply.result as T);
      else if (reply) reject(new Error(`bench worker "${worker}" failed:\n${reply.error}`));
      else reject(new Error(`bench worker "${worker}" exited without a result (code ${code}, signal ${signal})`));
    });
    child.send(input as object);
  });
}

const cleanups: (() => Promise<void> | void)[] = [];

/** Registers work to undo (drop a database, remove a folder) if the worker is interrupted. Returns an unregister. */
export function onInterrupt(fn: () => Promise<void> | void): () => void {
  cleanups.push(fn);
  return () => {
    const i = cleanups.indexOf(fn);
    if (i >= 0) cleanups.splice(i, 1);
  };
}

export async function runCleanups(): Promise<void> {
  for (const fn of cleanups.splice(0).reverse()) {
    try {
      await fn();
    } catch (e) {
      console.error(`cleanup failed: ${(e as Error).message}`);
    }
  }
}

/** The server's heap growth setting (GATEHOUSE_HEAP_GROWTH_PERCENT, 0: V8's own), which bench workers apply too. */
export const heapGrowthPercent = () =>
  parseEnv({ GATEHOUSE_HEAP_GROWTH_PERCENT: process.env.GATEHOUSE_HEAP_GROWTH_PERCENT }).GATEHOUSE_HEAP_GROWTH_PERCENT;
