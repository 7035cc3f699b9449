// How far V8 lets the heap grow between full collections. Left to itself, V8 lets the old generation grow to as much
// as 4× what survived the last full collection before it collects again; during a large upload most of that growth
// is garbage (each findings statement's parameters live across its round trip and get promoted), so the server
// peaked at 900–960 MiB RSS taking a 100 MB report. Capping the growth at 1.5× brings that to ≈ 650–760 MiB, for
// more CPU in garbage collection while a large report is ingested (docs/performance.md, "Ingest").
import { setFlagsFromString } from "node:v8";

/**
 * Caps the heap's growth between full collections (GATEHOUSE_HEAP_GROWTH_PERCENT, validated by env.ts, default 50; 0:
 * V8's own adaptive growth). Called once at start-up, before the app is loaded: V8 reads it whenever it sizes the heap after a full
 * collection.
 */
export function limitHeapGrowth(percent: number): void {
  if (percent > 0) setFlagsFromString(`--heap-growing-percent=${percent}`);
}
