// The declarative per-stage promotion policy: its schema, the built-in defaults and readable schema errors. Pure.
import { z } from "zod";
import { EVIDENCE_KINDS, SEVERITIES } from "../ingest/types";

/** "fail" blocks the promotion; "warn" reports without blocking. */
export const RULE_MODES = ["fail", "warn"] as const;
export type RuleMode = (typeof RULE_MODES)[number];

/** Evidence kinds a policy may require: the scan evidence kinds plus "sca-or-sbom" (either one satisfies it). */
export const REQUIRED_EVIDENCE_KINDS = [...EVIDENCE_KINDS, "sca-or-sbom"] as const;
export type RequiredEvidenceKind = (typeof REQUIRED_EVIDENCE_KINDS)[number];

/** Scorecard grades, best first. */
export const GRADES = ["A", "B", "C", "D", "E", "F"] as const;
export type Grade = (typeof GRADES)[number];

/** Days an open finding of each severity may stay open before it breaches its SLA (info has none). */
export const DEFAULT_SLA_DAYS = { critical: 7, high: 30, medium: 90, low: 120 } as const;
export type SlaSeverity = keyof typeof DEFAULT_SLA_DAYS;

const mode = z.enum(RULE_MODES).default("fail");

const maxFindingsRule = z.strictObject({
  // "at or above": max 0 at high also counts critical findings.
  severity: z.enum(SEVERITIES),
  max: z.int().min(0),
  area: z.int().min(1).max(7).optional(),
  mode,
});

const requiredEvidenceRule = z.strictObject({
  kind: z.enum(REQUIRED_EVIDENCE_KINDS),
  maxAgeDays: z.number().positive().optional(),
  mode,
});

const slaDays = z.strictObject({
  critical: z.number().positive().optional(),
  high: z.number().positive().optional(),
  medium: z.number().positive().optional(),
  low: z.number().positive().optional(),
});

const rulesSchema = z
  .strictObject({
    maxFindings: z.array(maxFindingsRule).optional(),
    noSecrets: z.strictObject({ mode }).optional(),
    requiredEvidence: z.array(requiredEvidenceRule).optional(),
    maxScannerDbAgeDays: z
      .strictObject({
        days: z.number().min(0),
        mode,
        /** what a vulnerability scan that does not say how old its database is gets */
        unknown: z.enum(["pass", "warn", "fail"]).default("pass"),
      })
      .optional(),
    sla: z.strictObject({ days: slaDays.optional(), mode }).optional(),
    previousStage: z.strictObject({ stage: z.string().trim().min(1).optional(), mode }).optional(),
    artifactBinding: z.strictObject({ mode }).optional(),
    /** the request must name the artifact (image digest) it promotes; turn off for services that deploy no images */
    requireArtifact: z.strictObject({ mode }).optional(),
    minScorecardGrade: z.strictObject({ grade: z.enum(GRADES), mode }).optional(),
    /** no open gate-wiring finding from Gatehouse's pipeline-definition checks (docs/rules/pipeline-posture.md) */
    noGateWiringFindings: z.strictObject({ mode }).optional(),
    /** no open finding whose vulnerability (or an alias) is on CISA's Known Exploited Vulnerabilities catalog */
    blockKnownExploited: z.strictObject({ mode }).optional(),
  })
  .superRefine((rules, ctx) => {
    // Check ids must be unique, so the same severity/area or evidence kind may appear only once.
    const seen = new Set<string>();
    rules.maxFindings?.forEach((r, i) => {
      const key = `${r.severity}:${r.area ?? ""}`;
      if (seen.has(key)) ctx.addIssue({ code: "custom", path: ["maxFindings", i], message: "Duplicate severity and area" });
      seen.add(key);
    });
    const kinds = new Set<string>();
    rules.requiredEvidence?.forEach((r, i) => {
      if (kinds.has(r.kind)) ctx.addIssue({ code: "custom", path: ["requiredEvidence", i, "kind"], message: "Duplicate kind" });
      kinds.add(r.kind);
    });
  });

export const policySchema = z.strictObject({
  /** schema version of the policy document */
  version: z.literal(1).default(1),
  description: z.string().optional(),
  /** a deployment matches an allow decision at most this many hours old (unset: any age) */
  decisionMaxAgeHours: z
    .number()
    .positive()
    .max(24 * 366)
    .optional(),
  rules: rulesSchema,
});

/** A parsed policy (defaults applied). */
export type Policy = z.output<typeof policySchema>;
/** A policy as written (modes and version may be left out). */
export type PolicyInput = z.input<typeof policySchema>;

export const DEFAULT_STAGES = ["dev", "test", "production"] as const;
export type DefaultStage = (typeof DEFAULT_STAGES)[number];

export const DEFAULT_POLICIES: Record<DefaultStage, Policy> = {
  dev: {
    version: 1,
    description: "Development: reports problems, never blocks.",
    rules: {
      maxFindings: [{ severity: "critical", max: 0, mode: "warn" }],
      noSecrets: { mode: "warn" },
      requiredEvidence: [
        { kind: "sast", mode: "warn" },
        { kind: "secrets", mode: "warn" },
      ],
    },
  },
  test: {
    version: 1,
    description: "Test: blocks critical findings and secrets; requires SAST, SCA (or SBOM) and secret-scan evidence.",
    rules: {
      maxFindings: [
        { severity: "critical", max: 0, mode: "fail" },
        { severity: "high", max: 0, mode: "warn" },
      ],
      noSecrets: { mode: "fail" },
      requiredEvidence: [
        { kind: "sast", mode: "fail" },
        { kind: "sca-or-sbom", mode: "fail" },
        { kind: "secrets", mode: "fail" },
        { kind: "posture", mode: "warn" },
      ],
      sla: { mode: "warn" },
      noGateWiringFindings: { mode: "warn" },
      blockKnownExploited: { mode: "warn" },
    },
  },
  production: {
    version: 1,
    description:
      "Production: blocks critical and high findings, secrets and SLA breaches; requires the artifact digest, evidence " +
      "at most 7 days old and bound to the artifact, a scanner database at most 3 days old when known, a pass at test, " +
      "the pipeline definition's posture evidence and no gate-wiring finding in it, and no finding on CISA's Known " +
      "Exploited Vulnerabilities catalog; a deployment needs an allow at most 24 hours old.",
    decisionMaxAgeHours: 24,
    rules: {
      maxFindings: [
        { severity: "critical", max: 0, mode: "fail" },
        { severity: "high", max: 0, mode: "fail" },
      ],
      noSecrets: { mode: "fail" },
      requiredEvidence: [
        { kind: "sast", maxAgeDays: 7, mode: "fail" },
        { kind: "sca-or-sbom", maxAgeDays: 7, mode: "fail" },
        { kind: "secrets", maxAgeDays: 7, mode: "fail" },
        { kind: "posture", maxAgeDays: 7, mode: "fail" },
      ],
      maxScannerDbAgeDays: { days: 3, mode: "fail", unknown: "warn" },
      sla: { mode: "fail" },
      previousStage: { stage: "test", mode: "fail" },
      artifactBinding: { mode: "fail" },
      requireArtifact: { mode: "fail" },
      noGateWiringFindings: { mode: "fail" },
      blockKnownExploited: { mode: "fail" },
    },
  },
};

const isDefaultStage = (s: string): s is DefaultStage => (DEFAULT_STAGES as readonly string[]).includes(s);

/**
 * The built-in policy of a stage (a fresh copy). Custom stages get the test policy. Production's test-pass rule
 * points at `previousStage` (the stage before it in the service's order) and is dropped when production comes first.
 */
export function defaultPolicyFor(stage: string, previousStage: string | null): Policy {
  if (!isDefaultStage(stage)) {
    const policy = structuredClone(DEFAULT_POLICIES.test);
    policy.description = `${stage}: custom stage with the test defaults. ${policy.description ?? ""}`.trim();
    return policy;
  }
  const policy = structuredClone(DEFAULT_POLICIES[stage]);
  if (stage === "production") {
    if (previousStage === null) delete policy.rules.previousStage;
    else policy.rules.previousStage = { stage: previousStage, mode: "fail" };
  }
  return policy;
}

export type PolicyError = { path: string; message: string };

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** ["rules", "maxFindings", 0, "severity"] → "rules.maxFindings[0].severity"; the root is "(root)". */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else if (typeof key === "string" && IDENTIFIER.test(key)) out += out === "" ? key : `.${key}`;
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out === "" ? "(root)" : out;
}

/** Zod issues as one { path, message } per problem; unknown keys get the key in the path. */
export function formatPolicyError(error: z.ZodError): PolicyError[] {
  const out: PolicyError[] = [];
  for (const issue of error.issues) {
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) out.push({ path: formatPath([...issue.path, key]), message: "Unknown key" });
    } else {
      out.push({ path: formatPath(issue.path), message: issue.message });
    }
  }
  return out;
}
