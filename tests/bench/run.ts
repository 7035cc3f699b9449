// Runs the benchmarks: every tests/bench/<name>.ts that exports `benchmark` (see lib/types.ts), in name order.
//   npm run bench                      all of them
//   npm run bench -- ingest            only these (names as positional arguments)
//   npm run bench -- ingest --findings=20000   flags go to every selected benchmark
//   npm run bench -- --list            names and descriptions
// Benchmarks print figures and do not fail on a missed target; the exit code is non-zero only on errors.
import { readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { runCleanups } from "./lib/child";
import type { Benchmark } from "./lib/types";

const dir = path.dirname(fileURLToPath(import.meta.url));

async function load(name: string): Promise<Benchmark> {
  const mod = (await import(pathToFileURL(path.join(dir, `${name}.ts`)).href)) as { benchmark?: Benchmark };
  if (!mod.benchmark) throw new Error(`tests/bench/${name}.ts exports no \`benchmark\``);
  return mod.benchmark;
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  const available = readdirSync(dir)
    .filter((f) => f.endsWith(".ts") && f !== "run.ts" && !f.endsWith(".d.ts"))
    .map((f) => f.slice(0, -3))
    .sort();
  const names = argv.filter((a) => !a.startsWith("--"));
  const flags = argv.filter((a) => a.startsWith("--"));

  if (flags.includes("--list")) {
    for (const name of available) console.log(`${name.padEnd(12)} ${(await load(name)).description}`);
    return 0;
  }
  const unknown = names.filter((n) => !available.includes(n));
  if (unknown.length) {
    console.error(`Unknown benchmark: ${unknown.join(", ")}. Available: ${available.join(", ")}`);
    return 2;
  }
  const selected = names.length ? names : available;
  const started = performance.now();
  for (const name of selected) {
    const benchmark = await load(name);
    console.log(`\n# bench: ${name} — ${benchmark.description}\n`);
    const t0 = performance.now();
    await benchmark.run(flags);
    console.log(`\n(${name} took ${((performance.now() - t0) / 1000).toFixed(0)} s)`);
  }
  if (selected.length > 1) console.log(`\nAll benchmarks took ${((performance.now() - started) / 1000).toFixed(0)} s`);
  return 0;
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    void runCleanups().finally(() => process.exit(130));
  });
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(`\nbench failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    process.exit(1);
  },
);
