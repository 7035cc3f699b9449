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
  const used = () => getHeapStatistics().used_heap_size;

  it("collects once the heap has grown past its slack since the last collection, then measures from there", async () => {
    const check = heapBudget(16 * MiB);
    const base = used();
    expect(check()).toBe(false);
    const dropped = await garbage();
    // Held, so that V8's own collections cannot undo the growth.
    const held: string[][] = [];
    while (used() < base + 24 * MiB) held.push(new Array(100_000).fill(`${held.length}`));
    expect(check()).toBe(true);
    expect(dropped.deref()).toBeUndefined();
    // What is still held is not growth since that collection.
    expect(check()).toBe(false);
    expect(held.length).toBeGreaterThan(0);
  });
});
