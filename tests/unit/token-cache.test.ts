// The REST routes' token memory (server/tokens/token-cache.ts): a verb that changes a token empties it, and tells
// whoever listens (the gate workers of this process: server/workers/gate-workers.ts); a worker told so empties only
// its own, so the word does not travel back.
import { afterEach, describe, expect, it } from "vitest";
import { forgetCachedTokens, forgetHere, onForgetTokens, rememberedTokens } from "@/server/tokens/token-cache";

const remember = (key: string) => rememberedTokens<string>().set(key, { found: key, readAt: 0 });
const stops: (() => void)[] = [];
afterEach(() => {
  for (const stop of stops.splice(0)) stop();
  forgetHere();
});

describe("token memory", () => {
  it("forgetCachedTokens empties this thread's memory and calls every listener, once each", () => {
    remember("a");
    remember("b");
    const heard: string[] = [];
    stops.push(onForgetTokens(() => heard.push("one")));
    stops.push(onForgetTokens(() => heard.push("two")));
    forgetCachedTokens();
    expect(rememberedTokens().size).toBe(0);
    expect(heard).toEqual(["one", "two"]);
  });

  it("forgetHere empties the memory without telling the listeners", () => {
    remember("a");
    let heard = 0;
    stops.push(onForgetTokens(() => heard++));
    forgetHere();
    expect(rememberedTokens().size).toBe(0);
    expect(heard).toBe(0);
  });

  it("a listener stopped is not called again", () => {
    let heard = 0;
    const stop = onForgetTokens(() => heard++);
    forgetCachedTokens();
    stop();
    forgetCachedTokens();
    expect(heard).toBe(1);
  });
});
