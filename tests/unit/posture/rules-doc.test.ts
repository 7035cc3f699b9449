// docs/rules/pipeline-posture.md documents every rule Gatehouse reports, with its severity and gate-wiring flag.
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { GATE_WIRING_RULE_IDS, POSTURE_RULE_IDS, POSTURE_RULES } from "@/server/posture/rules";

const doc = readFileSync(path.resolve(import.meta.dirname, "../../../docs/rules/pipeline-posture.md"), "utf8");

describe("docs/rules/pipeline-posture.md", () => {
  it.each(POSTURE_RULE_IDS)("documents %s: a table row with its severity and gate-wiring flag, and a section", (id) => {
    const rule = POSTURE_RULES[id];
    const row = doc.split("\n").find((l) => l.startsWith(`| [\`${id}\`]`));
    expect(row, id).toBeDefined();
    const cells = row!.split("|").map((c) => c.trim());
    expect(cells[2]!.startsWith(rule.severity)).toBe(true);
    expect(cells[3]).toBe(rule.gateWiring ? "yes" : "no");
    expect(doc).toContain(`\n### ${id}\n`);
  });

  it("names exactly the four gate-wiring rules the policy blocks on", () => {
    expect([...GATE_WIRING_RULE_IDS].sort()).toEqual([
      "deploy-unrecorded",
      "gate-fail-open",
      "gate-missing",
      "scanner-fail-open",
    ]);
  });
});
