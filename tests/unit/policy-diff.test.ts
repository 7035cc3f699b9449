import { parse as parseYaml } from "yaml";
import { describe, expect, it } from "vitest";
import { DEFAULT_POLICIES } from "@/server/gate/policy";
import {
  canonicalize,
  diffLines,
  diffPolicies,
  hunkHeader,
  renderPolicy,
  toHunks,
  type DiffLine,
} from "@/server/gate/policy-diff";

const signs = (lines: DiffLine[]) => lines.map((l) => `${l.kind === "added" ? "+" : l.kind === "removed" ? "-" : " "}${l.text}`);

/** Rebuilds both texts from a diff: every old line and every new line appears once, in order. */
const sides = (lines: DiffLine[]) => ({
  old: lines.filter((l) => l.kind !== "added").map((l) => l.text),
  new: lines.filter((l) => l.kind !== "removed").map((l) => l.text),
});

describe("canonicalize and renderPolicy", () => {
  it("sorts object keys at every depth and keeps array order", () => {
    const doc = {
      rules: {
        noSecrets: { mode: "fail" },
        maxFindings: [
          { severity: "high", max: 0 },
          { max: 1, severity: "low" },
        ],
      },
      a: 1,
    };
    expect(JSON.stringify(canonicalize(doc))).toBe(
      '{"a":1,"rules":{"maxFindings":[{"max":0,"severity":"high"},{"max":1,"severity":"low"}],"noSecrets":{"mode":"fail"}}}',
    );
  });

  it("renders the same document identically whatever its key order (jsonb reorders keys)", () => {
    const a = { version: 1, description: "d", rules: { sla: { mode: "warn" }, noSecrets: { mode: "fail" } } };
    const b = { rules: { noSecrets: { mode: "fail" }, sla: { mode: "warn" } }, description: "d", version: 1 };
    for (const format of ["yaml", "json"] as const) expect(renderPolicy(a, format)).toBe(renderPolicy(b, format));
  });

  it("renders YAML and JSON that parse back to the same document, one key per line", () => {
    const policy = DEFAULT_POLICIES.production;
    expect(parseYaml(renderPolicy(policy, "yaml"))).toEqual(policy);
    expect(JSON.parse(renderPolicy(policy, "json"))).toEqual(policy);
    const json = renderPolicy(policy, "json");
    expect(json.endsWith("}\n")).toBe(true);
    expect(json).toContain('\n  "rules": {\n');
    // Long descriptions stay on one line (no folding), so a changed word changes one line.
    expect(
      renderPolicy(policy, "yaml")
        .split("\n")
        .filter((l) => l.startsWith("description:")),
    ).toHaveLength(1);
  });
});

describe("diffLines", () => {
  it("marks nothing for identical texts", () => {
    const lines = diffLines("a\nb\nc\n", "a\nb\nc\n");
    expect(lines.every((l) => l.kind === "unchanged")).toBe(true);
    expect(lines.map((l) => [l.oldLine, l.newLine])).toEqual([
      [1, 1],
      [2, 2],
      [3, 3],
    ]);
  });

  it("finds a minimal edit: one changed line in the middle is one removal and one addition", () => {
    const lines = diffLines("a\nb\nc\nd\n", "a\nb\nX\nd\n");
    expect(signs(lines)).toEqual([" a", " b", "-c", "+X", " d"]);
    expect(lines[2]).toMatchObject({ oldLine: 3, newLine: null });
    expect(lines[3]).toMatchObject({ oldLine: null, newLine: 3 });
    expect(lines[4]).toMatchObject({ oldLine: 4, newLine: 4 });
  });

  it("aligns on the longest common subsequence, not just the common prefix and suffix", () => {
    const lines = diffLines("x\na\nb\nc\ny\n", "z\na\nc\nb\ny\n");
    const unchanged = lines.filter((l) => l.kind === "unchanged").map((l) => l.text);
    // The LCS of [x a b c y] and [z a c b y] has length 3 (a, b|c, y).
    expect(unchanged).toHaveLength(3);
    expect(unchanged[0]).toBe("a");
    expect(unchanged[2]).toBe("y");
    expect(sides(lines)).toEqual({ old: ["x", "a", "b", "c", "y"], new: ["z", "a", "c", "b", "y"] });
  });

  it("handles empty texts and whole insertions or removals", () => {
    expect(diffLines("", "")).toEqual([]);
    expect(signs(diffLines("", "a\nb"))).toEqual(["+a", "+b"]);
    expect(signs(diffLines("a\nb\n", ""))).toEqual(["-a", "-b"]);
    expect(signs(diffLines("a\r\nb\r\n", "a\nb\n"))).toEqual([" a", " b"]);
  });

  it("keeps every line of both texts in order on random edits", () => {
    let seed = 7;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    for (let round = 0; round < 50; round++) {
      const a = Array.from({ length: rand(20) }, () => "abcde"[rand(5)]!);
      const b = Array.from({ length: rand(20) }, () => "abcde"[rand(5)]!);
      const lines = diffLines(a.join("\n"), b.join("\n"));
      expect(sides(lines)).toEqual({ old: a, new: b });
    }
  });
});

describe("toHunks", () => {
  const old = Array.from({ length: 30 }, (_, i) => `line ${i + 1}`);

  it("keeps only the changes with their context, and numbers hunks like a unified diff", () => {
    const changed = [...old];
    changed[4] = "line 5 changed";
    changed[24] = "line 25 changed";
    const hunks = toHunks(diffLines(old.join("\n"), changed.join("\n")), 2);
    expect(hunks).toHaveLength(2);
    expect(hunkHeader(hunks[0]!)).toBe("@@ -3,5 +3,5 @@");
    expect(signs(hunks[0]!.lines)).toEqual([" line 3", " line 4", "-line 5", "+line 5 changed", " line 6", " line 7"]);
    expect(hunkHeader(hunks[1]!)).toBe("@@ -23,5 +23,5 @@");
  });

  it("merges changes whose context touches into one hunk", () => {
    const changed = [...old];
    changed[9] = "ten";
    changed[13] = "fourteen";
    const hunks = toHunks(diffLines(old.join("\n"), changed.join("\n")), 2);
    expect(hunks).toHaveLength(1);
    expect(hunks[0]!.lines.filter((l) => l.kind !== "unchanged")).toHaveLength(4);
  });

  it("is empty when nothing changed, and starts a pure insertion after the previous line", () => {
    expect(toHunks(diffLines("a\nb", "a\nb"))).toEqual([]);
    const [h] = toHunks(diffLines("", "a\n"));
    expect(hunkHeader(h!)).toBe("@@ -0,0 +1,1 @@");
  });
});

describe("diffPolicies", () => {
  it("shows a rule's mode change as one removed and one added line, in YAML and in JSON", () => {
    const from = structuredClone(DEFAULT_POLICIES.test);
    const to = structuredClone(DEFAULT_POLICIES.test);
    to.rules.sla = { mode: "fail" };
    for (const format of ["yaml", "json"] as const) {
      const d = diffPolicies(from, to, { format });
      expect(d).toMatchObject({ format, added: 1, removed: 1 });
      expect(d.hunks).toHaveLength(1);
      const changes = d.hunks[0]!.lines.filter((l) => l.kind !== "unchanged").map((l) => `${l.kind}:${l.text.trim()}`);
      expect(changes).toEqual(
        format === "yaml" ? ["removed:mode: warn", "added:mode: fail"] : ['removed:"mode": "warn"', 'added:"mode": "fail"'],
      );
    }
  });

  it("reports no change for the same policy stored with another key order", () => {
    const p = DEFAULT_POLICIES.production;
    const reordered = Object.fromEntries(Object.entries(p).reverse());
    expect(diffPolicies(p, reordered)).toEqual({
      format: "yaml",
      added: 0,
      removed: 0,
      hunks: [],
    });
  });
});
