import { setImmediate as nextTurn } from "node:timers/promises";
import { getHeapStatistics } from "node:v8";
import { describe, expect, it } from "vitest";
import { collectGarbage, forcedCollections, heapBudget } from "@/server/heap";

const MiB = 1024 * 1024;

/** A WeakRef to an object nothing else holds; a WeakRef's target stays alive to the end of the turn that made it. */
async function garbage(): Promise<WeakRef<object>> {
  const ref = new WeakRef({ payload: new Array(1000).fill("x") });
  await nextTurn();
  return ref;
}

describe("collectGarbage", () => {
  it("collects what nothing holds, and can be called again", async () => {
    const before = forcedCollections();
    const first = await garbage();
    collectGarbage();
    expect(first.deref()).toBeUndefined();
    const second = await garbage();
    collectGarbage();
    expect(second.deref()).toBeUndefined();
    expect(forcedCollections()).toBe(before + 2);
  });

  it("does not leave gc() to the code of this context", () => {
    collectGarbage();
    expect((globalThis as { gc?: unknown }).gc).toBeUndefined();
  });
});

describe("heapBudget", () => {
  it("collects only once the heap has grown past its slack since the last collection", async () => {
    const check = heapBudget(16 * MiB);
    expect(check()).toBe(false);
    const dropped = await garbage();
    // Held, so that the heap stays this large whatever V8 collects meanwhile.
    const held: string[][] = [];
    const start = getHeapStatistics().used_heap_size;
    while (getHeapStatistics().used_heap_size < start + 24 * MiB) held.push(new Array(100_000).fill(`${held.length}`));
    expect(check()).toBe(true);
    expect(dropped.deref()).toBeUndefined();
    // Measured again from after that collection: what is still held is not growth.
    expect(check()).toBe(false);
    expect(held.length).toBeGreaterThan(0);
  });
});
