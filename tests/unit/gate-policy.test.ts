import { describe, expect, it } from "vitest";
import {
  DEFAULT_POLICIES,
  DEFAULT_SLA_DAYS,
  defaultPolicyFor,
  formatPath,
  formatPolicyError,
  policySchema,
  type PolicyInput,
} from "@/server/gate/policy";

function errorsOf(input: unknown) {
  const result = policySchema.safeParse(input);
  if (result.success) throw new Error("expected the policy to be refused");
  return formatPolicyError(result.error);
}

describe("policySchema", () => {
  it("fills in the defaults: version 1 and mode fail", () => {
    const policy = policySchema.parse({
      rules: {
        maxFindings: [{ severity: "high", max: 2, area: 3 }],
        noSecrets: {},
        requiredEvidence: [{ kind: "sca-or-sbom", maxAgeDays: 7 }],
        maxScannerDbAgeDays: { days: 3 },
        sla: { days: { critical: 3 } },
        previousStage: {},
        artifactBinding: {},
        minScorecardGrade: { grade: "B", mode: "warn" },
      },
    } satisfies PolicyInput);
    expect(policy).toEqual({
      version: 1,
      rules: {
        maxFindings: [{ severity: "high", max: 2, area: 3, mode: "fail" }],
        noSecrets: { mode: "fail" },
        requiredEvidence: [{ kind: "sca-or-sbom", maxAgeDays: 7, mode: "fail" }],
        maxScannerDbAgeDays: { days: 3, mode: "fail", unknown: "pass" },
        sla: { days: { critical: 3 }, mode: "fail" },
        previousStage: { mode: "fail" },
        artifactBinding: { mode: "fail" },
        minScorecardGrade: { grade: "B", mode: "warn" },
      },
    });
  });

  it("accepts an empty rule set and a description", () => {
    expect(policySchema.parse({ description: "nothing", rules: {} })).toEqual({ version: 1, description: "nothing", rules: {} });
  });

  it("accepts every evidence kind and sca-or-sbom", () => {
    for (const kind of ["sast", "sca", "sbom", "secrets", "iac", "container", "dast", "posture", "config", "sca-or-sbom"]) {
      expect(policySchema.safeParse({ rules: { requiredEvidence: [{ kind }] } }).success).toBe(true);
    }
  });

  it("keeps the built-in policies valid and unchanged by parsing", () => {
    for (const policy of Object.values(DEFAULT_POLICIES)) expect(policySchema.parse(policy)).toEqual(policy);
  });
});

describe("formatPolicyError", () => {
  it("names an unknown rule with its exact path", () => {
    expect(errorsOf({ rules: { maxFinding: [] } })).toEqual([{ path: "rules.maxFinding", message: "Unknown key" }]);
  });

  it("names unknown keys inside array items and at the top", () => {
    expect(errorsOf({ rules: { maxFindings: [{ severity: "high", max: 0, sevrity: "x" }] }, extra: 1 })).toEqual([
      { path: "rules.maxFindings[0].sevrity", message: "Unknown key" },
      { path: "extra", message: "Unknown key" },
    ]);
  });

  it("names a bad severity", () => {
    const errors = errorsOf({ rules: { maxFindings: [{ severity: "urgent", max: 0 }] } });
    expect(errors).toHaveLength(1);
    expect(errors[0]?.path).toBe("rules.maxFindings[0].severity");
    expect(errors[0]?.message).toMatch(/critical/);
  });

  it("names a negative or fractional max", () => {
    expect(
      errorsOf({
        rules: {
          maxFindings: [
            { severity: "low", max: 0 },
            { severity: "high", max: -1 },
          ],
        },
      }),
    ).toEqual([{ path: "rules.maxFindings[1].max", message: expect.stringMatching(/>=0/) }]);
    expect(errorsOf({ rules: { maxFindings: [{ severity: "high", max: 1.5 }] } })[0]?.path).toBe("rules.maxFindings[0].max");
  });

  it("refuses other bad values with their paths", () => {
    const paths = (input: unknown) => errorsOf(input).map((e) => e.path);
    expect(paths({ rules: { maxFindings: [{ severity: "high", max: 0, area: 8 }] } })).toEqual(["rules.maxFindings[0].area"]);
    expect(paths({ rules: { maxFindings: [{ severity: "high", max: 0, mode: "block" }] } })).toEqual([
      "rules.maxFindings[0].mode",
    ]);
    expect(paths({ rules: { requiredEvidence: [{ kind: "sast" }, { kind: "sca-and-sbom" }] } })).toEqual([
      "rules.requiredEvidence[1].kind",
    ]);
    expect(paths({ rules: { requiredEvidence: [{ kind: "sast", maxAgeDays: 0 }] } })).toEqual([
      "rules.requiredEvidence[0].maxAgeDays",
    ]);
    expect(paths({ rules: { sla: { days: { info: 10 } } } })).toEqual(["rules.sla.days.info"]);
    expect(paths({ rules: { sla: { days: { high: -1 } } } })).toEqual(["rules.sla.days.high"]);
    expect(paths({ rules: { maxScannerDbAgeDays: { days: -1 } } })).toEqual(["rules.maxScannerDbAgeDays.days"]);
    expect(paths({ rules: { minScorecardGrade: { grade: "G" } } })).toEqual(["rules.minScorecardGrade.grade"]);
    expect(paths({ rules: { previousStage: { stage: " " } } })).toEqual(["rules.previousStage.stage"]);
    expect(paths({ version: 2, rules: {} })).toEqual(["version"]);
    expect(paths({})).toEqual(["rules"]);
    expect(paths("nope")).toEqual(["(root)"]);
  });

  it("refuses duplicate checks", () => {
    expect(
      errorsOf({
        rules: {
          maxFindings: [
            { severity: "high", max: 0, area: 3 },
            { severity: "high", max: 0 },
            { severity: "high", max: 1, area: 3 },
          ],
          requiredEvidence: [{ kind: "sast" }, { kind: "sast", maxAgeDays: 3 }],
        },
      }),
    ).toEqual([
      { path: "rules.maxFindings[2]", message: "Duplicate severity and area" },
      { path: "rules.requiredEvidence[1].kind", message: "Duplicate kind" },
    ]);
  });

  it("formats odd keys", () => {
    expect(formatPath([])).toBe("(root)");
    expect(formatPath(["rules", "sla", "days"])).toBe("rules.sla.days");
    expect(formatPath(["a-b", 0, "c d"])).toBe('["a-b"][0]["c d"]');
  });
});

describe("default policies", () => {
  it("has the documented SLA days", () => {
    expect(DEFAULT_SLA_DAYS).toEqual({ critical: 7, high: 30, medium: 90, low: 120 });
  });

  it("dev only warns", () => {
    const rules = DEFAULT_POLICIES.dev.rules;
    const modes = [
      ...(rules.maxFindings ?? []).map((r) => r.mode),
      rules.noSecrets?.mode,
      ...(rules.requiredEvidence ?? []).map((r) => r.mode),
    ];
    expect(modes.length).toBeGreaterThan(0);
    expect(new Set(modes)).toEqual(new Set(["warn"]));
    expect(Object.keys(rules).sort()).toEqual(["maxFindings", "noSecrets", "requiredEvidence"]);
  });

  it("test blocks critical findings and secrets, requires sast, sca-or-sbom and secrets evidence, warns on pipeline posture", () => {
    const rules = DEFAULT_POLICIES.test.rules;
    expect(rules.maxFindings).toContainEqual({ severity: "critical", max: 0, mode: "fail" });
    expect(rules.noSecrets).toEqual({ mode: "fail" });
    expect(rules.requiredEvidence).toEqual([
      { kind: "sast", mode: "fail" },
      { kind: "sca-or-sbom", mode: "fail" },
      { kind: "secrets", mode: "fail" },
      { kind: "posture", mode: "warn" },
    ]);
    // Pipeline-definition checks only warn at test.
    expect(rules.noGateWiringFindings).toEqual({ mode: "warn" });
  });

  it("production blocks high findings, SLA breaches, stale evidence, gate-wiring findings and requires test and posture", () => {
    const rules = DEFAULT_POLICIES.production.rules;
    expect(rules.maxFindings).toEqual([
      { severity: "critical", max: 0, mode: "fail" },
      { severity: "high", max: 0, mode: "fail" },
    ]);
    expect(rules.sla).toEqual({ mode: "fail" });
    expect(rules.requiredEvidence?.map((r) => [r.kind, r.maxAgeDays, r.mode])).toEqual([
      ["sast", 7, "fail"],
      ["sca-or-sbom", 7, "fail"],
      ["secrets", 7, "fail"],
      ["posture", 7, "fail"],
    ]);
    expect(rules.maxScannerDbAgeDays).toEqual({ days: 3, mode: "fail", unknown: "warn" });
    expect(rules.previousStage).toEqual({ stage: "test", mode: "fail" });
    expect(rules.artifactBinding).toEqual({ mode: "fail" });
    expect(rules.requireArtifact).toEqual({ mode: "fail" });
    expect(DEFAULT_POLICIES.production.decisionMaxAgeHours).toBe(24);
    expect(DEFAULT_POLICIES.test.decisionMaxAgeHours).toBeUndefined();
    expect(rules.noGateWiringFindings).toEqual({ mode: "fail" });
  });

  it("defaultPolicyFor returns the stage's default as a copy", () => {
    const dev = defaultPolicyFor("dev", null);
    expect(dev).toEqual(DEFAULT_POLICIES.dev);
    dev.rules.noSecrets = { mode: "fail" };
    expect(DEFAULT_POLICIES.dev.rules.noSecrets).toEqual({ mode: "warn" });
    expect(defaultPolicyFor("test", "dev")).toEqual(DEFAULT_POLICIES.test);
    expect(defaultPolicyFor("production", "test")).toEqual(DEFAULT_POLICIES.production);
  });

  it("points production's previous-stage rule at the stage before it", () => {
    expect(defaultPolicyFor("production", "staging").rules.previousStage).toEqual({ stage: "staging", mode: "fail" });
    const first = defaultPolicyFor("production", null);
    expect(first.rules.previousStage).toBeUndefined();
    expect(first.rules.artifactBinding).toEqual({ mode: "fail" });
    expect(DEFAULT_POLICIES.production.rules.previousStage).toEqual({ stage: "test", mode: "fail" });
  });

  it("gives custom stages the test rules", () => {
    const staging = defaultPolicyFor("staging", "test");
    expect(staging.rules).toEqual(DEFAULT_POLICIES.test.rules);
    expect(staging.description).toMatch(/^staging: /);
    expect(policySchema.parse(staging)).toEqual(staging);
  });
});
