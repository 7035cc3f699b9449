// The layering rules in eslint.config.mjs bite: fixtures that break them, linted as if they sat in each layer with
// ESLint's own API, get an error on every offending line (and none where the rule allows it).
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { ESLint } from "eslint";
import { beforeAll, describe, expect, it } from "vitest";
import { PURE_CORE, TRANSPORTS } from "../../eslint.config.mjs";

const root = path.resolve(__dirname, "../..");
const fixture = (name: string) => readFileSync(path.join(root, "tests/fixtures/layering", name), "utf8");
const LAYER_RULES = [
  "@typescript-eslint/no-restricted-imports",
  "no-restricted-globals",
  "no-restricted-properties",
  "no-restricted-syntax",
];

/** A file path inside a layer's glob ("server/api/**" → "server/api/lint-fixture.ts"). */
const inside = (glob: string) => (glob.endsWith("/**") ? `${glob.slice(0, -3)}/lint-fixture.ts` : glob);

/** Lines (1-based) of the fixture containing any of the needles. */
const linesOf = (text: string, test: (line: string) => boolean) =>
  text
    .split("\n")
    .map((l, i) => [l, i + 1] as const)
    .filter(([l]) => test(l))
    .map(([, n]) => n);

let eslint: ESLint;
async function layerErrors(text: string, filePath: string): Promise<{ line: number; rule: string }[]> {
  const [result] = await eslint.lintText(text, { filePath: path.join(root, filePath) });
  expect(result!.messages.filter((m) => m.fatal)).toEqual([]);
  return result!.messages
    .filter((m) => m.ruleId && LAYER_RULES.includes(m.ruleId))
    .map((m) => ({ line: m.line, rule: m.ruleId! }))
    .sort((a, b) => a.line - b.line || a.rule.localeCompare(b.rule));
}

beforeAll(() => {
  eslint = new ESLint({ cwd: root });
});

describe("transports never query the database", () => {
  const text = fixture("reaches-database.ts");
  const valueImports = linesOf(text, (l) => l.startsWith("import ") && !l.startsWith("import type"));

  it.each(TRANSPORTS.map(inside))("%s: every value import from the database is an error; types are fine", async (file) => {
    expect(valueImports.length).toBeGreaterThanOrEqual(6);
    const errors = await layerErrors(text, file);
    expect(errors).toEqual(valueImports.map((line) => ({ line, rule: "@typescript-eslint/no-restricted-imports" })));
  });

  it("covers the tRPC routers, the REST helpers, route files and pages", async () => {
    for (const file of ["server/api/trpc/routers/me.ts", "server/api/rest/route.ts", "app/api/v1/scans/route.ts", "app/page.tsx"])
      expect((await layerErrors(text, file)).length, file).toBe(valueImports.length);
  });

  it("leaves verbs alone", async () => {
    expect(await layerErrors(text, "server/views/findings.ts")).toEqual([]);
  });
});

describe("the pure core touches no database, env, runtime, node:* or clock", () => {
  const text = fixture("impure-core.ts");
  const expected = [
    ...linesOf(text, (l) => l.startsWith("import ") && !l.startsWith("import type")).map((line) => ({
      line,
      rule: "@typescript-eslint/no-restricted-imports",
    })),
    ...linesOf(text, (l) => l.includes("process.env") || l.includes("fetch(")).map((line) => ({
      line,
      rule: "no-restricted-globals",
    })),
    ...linesOf(text, (l) => l.includes("Date.now()") || l.includes("Math.random()")).map((line) => ({
      line,
      rule: "no-restricted-properties",
    })),
    ...linesOf(text, (l) => l.includes("new Date()") || l.includes("=> Date()")).map((line) => ({
      line,
      rule: "no-restricted-syntax",
    })),
  ].sort((a, b) => a.line - b.line || a.rule.localeCompare(b.rule));

  it.each(PURE_CORE.map(inside))("%s", async (file) => {
    expect(expected.length).toBe(13);
    expect(await layerErrors(text, file)).toEqual(expected);
  });

  it("leaves verbs alone", async () => {
    expect(await layerErrors(text, "server/gate/evaluate-gate.ts")).toEqual([]);
  });

  it("lists only modules that exist", () => {
    for (const entry of PURE_CORE) {
      const p = path.join(root, entry.endsWith("/**") ? entry.slice(0, -3) : entry);
      expect(existsSync(p), entry).toBe(true);
    }
  });
});
