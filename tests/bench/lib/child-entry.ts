// Entry of a bench worker process (see child.ts): argv = <module path> <worker name>; the input arrives by IPC.
import { pathToFileURL } from "node:url";
import { limitHeapGrowth } from "@/server/heap";
import { heapGrowthPercent, runCleanups } from "./child";

// Workers measure what the server does, so their heap grows as the server's does (GATEHOUSE_HEAP_GROWTH_PERCENT).
limitHeapGrowth(heapGrowthPercent());

const [modulePath, worker] = process.argv.slice(2);

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    console.error(`[bench worker] ${signal}: cleaning up`);
    void runCleanups().finally(() => process.exit(130));
  });
}

process.once("message", (input: unknown) => {
  void (async () => {
    try {
      const mod = (await import(pathToFileURL(modulePath!).href)) as {
        workers?: Record<string, (input: unknown) => Promise<unknown>>;
      };
      const fn = mod.workers?.[worker!];
      if (!fn) throw new Error(`${modulePath} exports no worker "${worker}"`);
      const result = await fn(input);
      process.send!({ ok: true, result }, () => process.exit(0));
    } catch (e) {
      await runCleanups();
      const error = e instanceof Error ? (e.stack ?? e.message) : String(e);
      process.send!({ ok: false, error }, () => process.exit(1));
    }
  })();
});
