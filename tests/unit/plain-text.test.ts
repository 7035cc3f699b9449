// plainText skips its replacements for text that has nothing to replace; the answer must be the same either way.
import { describe, expect, it } from "vitest";
import { markupToText, plainText } from "@/server/ingest/util";

/** What plainText computed for every text before the shortcut: the full replacement, then the length limit. */
function reference(s: string, max: number): string | undefined {
  const t = markupToText(s);
  if (!t) return undefined;
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}

describe("plainText", () => {
  it("strips tags, decodes the common entities and collapses whitespace", () => {
    expect(plainText("<p>a &lt;b&gt;  &amp;\n\tc</p>")).toBe("a <b> & c");
    expect(plainText("  plain words  ")).toBe("plain words");
    expect(plainText("a\u00a0b")).toBe("a b");
    expect(plainText("   ")).toBeUndefined();
    expect(plainText("abcdef", 4)).toBe("abc…");
  });

  it("answers as the full replacement does for random text, with and without anything to replace", () => {
    const pieces = [
      "a",
      "word",
      " ",
      "  ",
      "\n",
      "\t",
      "\u00a0",
      "\u2028",
      "\ufeff",
      "<",
      ">",
      "<b>",
      "&",
      "&amp;",
      "&lt;",
      "é",
      "x",
    ];
    let seed = 7;
    const next = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) / 2 ** 24;
    for (let i = 0; i < 5000; i++) {
      const n = Math.floor(next() * 12);
      let s = "";
      for (let k = 0; k < n; k++) s += pieces[Math.floor(next() * pieces.length)];
      const max = 1 + Math.floor(next() * 20);
      expect(plainText(s, max), JSON.stringify(s)).toBe(s ? reference(s, max) : undefined);
    }
  });
});
