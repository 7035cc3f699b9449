// What every file tests/bench/<name>.ts exports, so that run.ts can find and run it.

export type Benchmark = {
  /** one line for `npm run bench -- --list` */
  description: string;
  /** runs the benchmark and prints its figures; throws on errors (a missed target is not an error) */
  run: (args: string[]) => Promise<void>;
};

/** `--key=value` flags; a bare `--key` reads as "true". */
export function parseFlags(args: string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const a of args) {
    const m = /^--([^=]+)(?:=(.*))?$/.exec(a);
    if (m) out.set(m[1]!, m[2] ?? "true");
  }
  return out;
}
