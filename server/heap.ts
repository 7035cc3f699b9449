// How the server keeps its heap in check while it takes large reports.
//
// Left to itself, V8 lets the old generation grow to as much as 4× what survived the last full collection before it
// collects again; during a large upload most of that growth is garbage (each findings statement's parameters live
// across its round trip and get promoted), so the server peaked at 900–960 MiB RSS taking a 100 MB report. Capping the
// growth at 1.5× brought that to ≈ 650–760 MiB; collecting at the points where ingest knows it left a lot of garbage
// (the body once decoded, its text and raw findings once normalized, the bulk statements' parameters) brings it to
// ≈ 510–580 MiB (docs/performance.md, "Ingest").
import { getHeapStatistics, setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

/**
 * Caps the heap's growth between full collections (GATEHOUSE_HEAP_GROWTH_PERCENT, validated by env.ts, default 50; 0:
 * V8's own adaptive growth). Called once at start-up, before the app is loaded: V8 reads it whenever it sizes the heap after a full
 * collection.
 */
export function limitHeapGrowth(percent: number): void {
  if (percent > 0) setFlagsFromString(`--heap-growing-percent=${percent}`);
}

let fullCollection: (() => void) | undefined;
let collections = 0;

/** How many full collections collectGarbage has made in this process. */
export const forcedCollections = (): number => collections;

/**
 * A full garbage collection now. For after a large upload is decoded or normalized: its body, then its text (each the
 * size of the report, off V8's heap) are garbage then, but V8 does not see that as worth a full collection until well
 * into the findings statements, so they stay resident while the findings are planned and written (measured: a 100 MB
 * report's 196 MiB).
 * `gc` is exposed in a context of its own only, and the flag is turned off again at once.
 */
export function collectGarbage(): void {
  if (!fullCollection) {
    setFlagsFromString("--expose-gc");
    try {
      fullCollection = runInNewContext("gc") as () => void;
    } finally {
      setFlagsFromString("--no-expose-gc");
    }
  }
  fullCollection();
  collections++;
}

/**
 * A check to call between the steps of a large piece of work: a full collection whenever the heap has grown more than
 * `slackBytes` since the last one. For bulk writes whose garbage (each statement's parameters, a few MB) outlives the
 * young generation: V8 would let it pile up to half the live heap again before collecting. Says whether it collected.
 */
export function heapBudget(slackBytes: number): () => boolean {
  let base = getHeapStatistics().used_heap_size;
  return () => {
    if (getHeapStatistics().used_heap_size <= base + slackBytes) return false;
    collectGarbage();
    base = getHeapStatistics().used_heap_size;
    return true;
  };
}
