// Zod schemas of the public REST API: what the routes' contracts (apiRoute specs) parse and answer. The OpenAPI
// document names each schema by its meta id. Request schemas live with their verbs and are re-exported here.
import { z } from "zod";
import { stageRuntimeSchema } from "./schemas-notify";
import { exportAuditInput } from "../../audit/export-audit";
import { deploymentRequest } from "../../gate/deployments";
import { gateRequest } from "../../gate/evaluate-gate";
import { GRADES, policySchema } from "../../gate/policy";
import { createWaiverInput } from "../../gate/waivers";
import { SUPPORTED_FORMATS } from "../../ingest/detect";
import { ingestParams } from "../../ingest/ingest-report";
import { EVIDENCE_KINDS, FINDING_KINDS, SEVERITIES } from "../../ingest/types";
import { slugSchema } from "../../validation";
import { decisionsFilter, FINDING_SORTS, findingsFilter, SERVICE_SORTS, servicesFilter, TIERS } from "../../views/filters";

export { createWaiverInput, deploymentRequest, gateRequest, ingestParams, policySchema };

// ---------- requests ----------

export const gateRequestBody = gateRequest.meta({ id: "GateRequest" });
export const deploymentRequestBody = deploymentRequest.meta({ id: "DeploymentRequest" });
export const createWaiverBody = createWaiverInput.meta({ id: "WaiverRequest" });
export const policyBody = policySchema.meta({ id: "Policy" });

export const uploadScanQuery = ingestParams.extend({
  format: ingestParams.shape.format.meta({
    description: `Report format, or auto (default) to detect it from the content. One of: auto, ${SUPPORTED_FORMATS.join(", ")}`,
  }),
});

export const idSchema = z.string().trim().min(1).max(100);
export const idParams = z.object({ id: idSchema });
export const stageParams = z.object({ stage: slugSchema });

export const exportAuditQuery = exportAuditInput;

export const gateCheckSchema = z
  .object({
    id: z.string().meta({ example: "max-findings:critical" }),
    title: z.string(),
    status: z.enum(["pass", "fail", "warn"]),
    actual: z.union([z.string(), z.number(), z.boolean(), z.null()]),
    threshold: z.union([z.string(), z.number(), z.boolean(), z.null()]),
    findings: z.array(z.string()),
    message: z.string(),
    remediation: z.string(),
  })
  .meta({ id: "GateCheck" });

export const gateDecisionSchema = z
  .object({
    decision: z.enum(["allow", "block"]),
    decisionId: z.string(),
    url: z.string(),
    service: z.string(),
    stage: z.string(),
    commit: z.string(),
    artifact: z.string().nullable(),
    branch: z.string().nullable(),
    policy: z.object({ id: z.string(), version: z.number().int() }),
    checks: z.array(gateCheckSchema),
    waiversApplied: z.array(
      z.object({
        id: z.string(),
        kind: z.string(),
        match: z.object({ type: z.string(), value: z.string() }),
        reason: z.string(),
        expiresAt: z.string().nullable(),
      }),
    ),
    evidence: z.array(z.string()),
    evaluatedAt: z.string(),
    attestationUrl: z
      .string()
      .nullable()
      .meta({ description: "The signed SLSA verification summary (DSSE); null for an abbreviated commit without artifact" }),
  })
  .meta({ id: "GateDecision" });

export const waiverSchema = z
  .object({
    id: z.string(),
    service: z.string().nullable(),
    match: z.object({ type: z.enum(["fingerprint", "vulnerability", "rule"]), value: z.string() }),
    stages: z.array(z.string()).nullable(),
    kind: z.enum(["waiver", "false_positive"]),
    reason: z.string(),
    status: z.enum(["pending", "active", "expired", "revoked"]),
    expiresAt: z.string().nullable(),
    createdBy: z.string(),
    createdAt: z.string(),
    approvedBy: z.string().nullable(),
    approvedAt: z.string().nullable(),
    revokedBy: z.string().nullable(),
    revokedAt: z.string().nullable(),
  })
  .meta({ id: "Waiver" });

export const storedPolicySchema = z
  .object({
    id: z.string(),
    stage: z.string(),
    version: z.number().int(),
    document: z.unknown(),
    comment: z.string().nullable(),
    createdBy: z.string(),
    createdAt: z.string(),
  })
  .meta({ id: "StoredPolicy" });

export const deploymentSchema = z
  .object({
    id: z.string(),
    service: z.string(),
    stage: z.string(),
    commit: z.string(),
    artifact: z.string().nullable(),
    decisionId: z.string().nullable(),
    bypass: z.boolean().meta({ description: "true when no allow decision matches: a gate bypass, written to the audit log" }),
    bypassReason: z.string().nullable(),
    deployedAt: z.string(),
  })
  .meta({ id: "Deployment" });

export const scanSchema = z
  .object({
    id: z.string().meta({ example: "scan_06h1cq2wdt9a935dw03mmyae2r" }),
    service: z.string(),
    commit: z.string(),
    branch: z.string(),
    artifact: z.string().nullable(),
    stage: z.string().nullable(),
    pipelineRun: z.string().nullable(),
    format: z.string().meta({ example: "sarif" }),
    tool: z.object({ name: z.string(), version: z.string().nullable() }),
    status: z.enum(["complete", "failed"]),
    failureReason: z.string().nullable(),
    evidence: z.array(z.string()).meta({
      description: "Evidence kinds this scan provides: sast, sca, sbom, secrets, iac, container, dast, posture, config",
    }),
    scannerDbBuiltAt: z
      .string()
      .nullable()
      .meta({ description: "When the scanner's vulnerability database was built, if the report says" }),
    sbom: z.object({ format: z.string(), components: z.number().int() }).nullable(),
    parts: z.array(
      z.object({
        tool: z.string(),
        version: z.string().nullable(),
        category: z.string().nullable(),
        succeeded: z.boolean(),
        findings: z.number().int(),
      }),
    ),
    receivedAt: z.string().meta({ description: "When Gatehouse received the report" }),
    generatedAt: z.string().nullable().meta({ description: "When the report says the scanner produced it, if it says" }),
    scannedAt: z
      .string()
      .meta({ description: "The evidence time freshness is measured from: the report's own time, never later than receipt" }),
    target: z
      .string()
      .nullable()
      .meta({ description: "What the report scanned (image repository, path, project); part of its lifecycle scope" }),
  })
  .meta({ id: "Scan" });

export const severityCountsSchema = z
  .object(Object.fromEntries(SEVERITIES.map((s) => [s, z.number().int()])) as Record<(typeof SEVERITIES)[number], z.ZodNumber>)
  .meta({ id: "SeverityCounts" });

export const statisticsSchema = z
  .object({
    findings: z
      .number()
      .int()
      .meta({ description: "Findings in this report after in-report deduplication (suppressed ones excluded)" }),
    created: z.number().int().meta({ description: "New to the service" }),
    merged: z
      .number()
      .int()
      .optional()
      .meta({ description: "Already known to the service, reported by a new source (tool, branch, category or target)" }),
    unchanged: z.number().int(),
    reopened: z.number().int().meta({ description: "Closed in the scope before, reported again now" }),
    closed: z.number().int().meta({
      description: "Open in the scope before and no longer reported by a complete scan of another commit",
    }),
    retracted: z.number().int().optional().meta({
      description:
        "Reported for this commit in this track (branch, tool, category, target) by an earlier upload and missing from this one: they still count for this commit",
    }),
    bySeverity: severityCountsSchema,
  })
  .meta({ id: "ScanStatistics" });

export const scanResultSchema = z
  .object({ scan: scanSchema, statistics: statisticsSchema, warnings: z.array(z.string()), duplicate: z.boolean().optional() })
  .meta({ id: "ScanResult" });

export const problemSchema = z
  .object({
    type: z.string().meta({ example: "/problems/malformed-report" }),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    instance: z.string().optional(),
    requestId: z.string(),
  })
  .loose()
  .meta({ id: "Problem" });

export const policyVersionsSchema = z.object({ versions: z.array(storedPolicySchema) }).meta({ id: "PolicyVersions" });

export const waiverListSchema = z.object({ waivers: z.array(waiverSchema) }).meta({ id: "WaiverList" });

export const auditEventSchema = z
  .object({
    id: z.string(),
    at: z.string(),
    actorType: z.string(),
    actorId: z.string().nullable(),
    actorLabel: z.string().nullable(),
    action: z.string(),
    targetType: z.string().nullable(),
    targetId: z.string().nullable(),
    teamId: z.string().nullable(),
    before: z.unknown().meta({ description: "The target before the change, secrets stripped" }),
    after: z.unknown().meta({ description: "The target after the change, secrets stripped" }),
    ip: z.string().nullable(),
    requestId: z.string().nullable(),
  })
  .meta({ id: "AuditEvent" });

export const openApiDocumentSchema = z
  .looseObject({
    openapi: z.string(),
    info: z.looseObject({ title: z.string(), version: z.string() }),
    paths: z.record(z.string(), z.unknown()),
  })
  .meta({ id: "OpenApiDocument" });

export const healthSchema = z
  .object({
    status: z.enum(["ok", "unavailable"]),
    database: z.enum(["pglite", "postgres"]),
    migrations: z.string().nullable(),
    version: z.string(),
    /** "enforced": the role Gatehouse runs as cannot switch off the append-only protection (see the README) */
    auditProtection: z.enum(["enforced", "owner-can-disable"]).nullable(),
  })
  .meta({ id: "Health" });

// ---------- the read API (services, findings, decisions) ----------

const cursorQuery = {
  limit: z.coerce.number().int().min(1).max(100).default(50).meta({ description: "Items per page (1–100)" }),
  cursor: z
    .string()
    .max(1000)
    .optional()
    .meta({ description: "nextCursor of the previous page; keep the other parameters as they were" }),
};
const count = (max: number) => z.coerce.number().int().min(1).max(max);
const severity = z.enum(SEVERITIES);
const grade = z.enum(GRADES);
const nullableString = z.string().nullable();

export const listServicesQuery = servicesFilter.omit({ page: true, pageSize: true }).extend({
  sort: z
    .enum(SERVICE_SORTS)
    .default("grade")
    .meta({ description: "grade (score), name, critical (open critical, then high), lastScan or tier" }),
  ...cursorQuery,
});

export const listFindingsQuery = findingsFilter.omit({ page: true, pageSize: true }).extend({
  severity: z.array(severity).max(5).optional().meta({ description: "One or more, repeated or comma-separated" }),
  area: count(7).optional().meta({ description: "Risk area 1–7" }),
  closedWithinDays: count(3650).optional().meta({ description: "Only findings closed within the last N days" }),
  kev: z
    .enum(["true", "false", "1", "0"])
    .transform((v) => v === "true" || v === "1")
    .optional()
    .meta({ description: "true: only findings whose vulnerability (or an alias) is on CISA's KEV catalog" }),
  epssMin: z.coerce
    .number()
    .min(0)
    .max(1)
    .optional()
    .meta({ description: "Only findings with an EPSS score at least this (0–1)" }),
  sort: z.enum(FINDING_SORTS).default("severity"),
  ...cursorQuery,
});

export const listDecisionsQuery = decisionsFilter.omit({ page: true, pageSize: true }).extend({
  days: count(3650).optional().meta({ description: "Only decisions of the last N days" }),
  ...cursorQuery,
});

const nextCursor = z.string().nullable().meta({ description: "Pass it as cursor for the next page; null on the last page" });

export const scoreSummarySchema = z
  .object({
    grade,
    score: z.number(),
    areas: z.array(z.object({ area: z.number().int().min(1).max(7), score: z.number().nullable(), grade: grade.nullable() })),
  })
  .meta({ id: "ScoreSummary" });

export const serviceSummarySchema = z
  .object({
    id: z.string(),
    slug: z.string(),
    name: z.string(),
    team: z.string().meta({ description: "The team's slug" }),
    tier: z.enum(TIERS),
    lastScanAt: nullableString,
    score: scoreSummarySchema.nullable().meta({ description: "The current scorecard (the daily snapshot in long lists)" }),
    open: severityCountsSchema,
  })
  .meta({ id: "ServiceSummary" });

export const serviceListSchema = z.object({ items: z.array(serviceSummarySchema), nextCursor }).meta({ id: "ServiceList" });

const deductionSchema = z
  .object({
    id: z.string().meta({ example: "findings:3:high" }),
    points: z.number(),
    reason: z.string(),
    area: z.number().int().min(1).max(7).nullable(),
    source: z.enum(["findings", "sla", "posture", "freshness", "signal", "cap"]),
  })
  .meta({ id: "Deduction" });

export const areaScoreSchema = z
  .object({
    area: z.number().int().min(1).max(7),
    name: z.string(),
    status: z.enum(["assessed", "not-assessed"]),
    score: z.number().nullable(),
    grade: grade.nullable(),
    notAssessedReason: nullableString,
    evidence: z.object({
      kinds: z.array(z.enum(EVIDENCE_KINDS)),
      newestAt: nullableString,
      ageDays: z.number().nullable(),
      stale: z.boolean(),
    }),
    open: severityCountsSchema,
    deductions: z.array(deductionSchema),
  })
  .meta({ id: "AreaScore" });

export const scorecardSchema = z
  .object({
    version: z.number().int().meta({ description: "The scoring formula's version" }),
    computedAt: z.string(),
    score: z.number(),
    grade,
    uncappedScore: z.number(),
    areas: z.array(areaScoreSchema),
    caps: z.array(z.object({ id: z.string(), grade, reason: z.string() })),
    deductions: z.array(deductionSchema).meta({ description: "Every area deduction and binding cap, largest first" }),
    openBySeverity: severityCountsSchema,
  })
  .meta({ id: "Scorecard" });

const decisionRef = z.enum(["allow", "block"]);

export const stageRunSchema = z
  .object({
    stage: z.string(),
    name: z.string(),
    deployment: z
      .object({
        id: z.string(),
        commit: z.string(),
        artifact: nullableString,
        deployedAt: z.string(),
        actor: z.string(),
        bypass: z.boolean(),
        bypassReason: nullableString,
        decision: z
          .object({ id: z.string(), decision: decisionRef, evaluatedAt: z.string(), policyVersion: z.number().int() })
          .nullable(),
      })
      .nullable()
      .meta({ description: "What runs there now" }),
    lastDecision: z.object({ id: z.string(), decision: decisionRef, commit: z.string(), evaluatedAt: z.string() }).nullable(),
    policy: z.object({
      version: z.number().int().nullable(),
      description: nullableString,
      rules: z.array(z.string()),
      isDefault: z.boolean(),
    }),
    runtime: stageRuntimeSchema.meta({ description: "Whether what runs there is still in policy, from the re-checks" }),
  })
  .meta({ id: "StageRun" });

export const serviceDetailSchema = z
  .object({
    service: z.object({
      id: z.string(),
      slug: z.string(),
      name: z.string(),
      team: z.object({ slug: z.string(), name: z.string() }),
      tier: z.enum(TIERS),
      repoUrl: nullableString,
      defaultBranch: z.string(),
    }),
    scorecard: scorecardSchema,
    stages: z
      .array(stageRunSchema)
      .meta({ description: "Each stage in promotion order: what runs there, the last decision, the policy" }),
  })
  .meta({ id: "ServiceDetail" });

export const findingSummarySchema = z
  .object({
    id: z.string(),
    title: z.string(),
    severity,
    status: z.enum(["open", "closed"]),
    kind: z.enum(FINDING_KINDS),
    area: z.number().int().min(1).max(7),
    ruleId: z.string(),
    vulnerabilityId: nullableString,
    packageName: nullableString,
    packageVersion: nullableString,
    location: nullableString.meta({ description: "file:line" }),
    service: z.object({ slug: z.string(), name: z.string() }),
    tools: z.array(z.string()),
    firstSeenAt: z.string(),
    lastSeenAt: z.string(),
    closedAt: nullableString,
    reopened: z.number().int().meta({ description: "How many times it came back after being closed" }),
    kev: z.object({ cveId: z.string(), dateAdded: z.string(), dueDate: z.string() }).nullable().meta({
      description: "Its CISA Known Exploited Vulnerabilities entry (through its id or any alias): date added, CISA due date",
    }),
    epss: z
      .object({ cveId: z.string(), epss: z.number(), percentile: z.number() })
      .nullable()
      .meta({ description: "Its highest FIRST EPSS score and percentile among its ids" }),
  })
  .meta({ id: "FindingSummary" });

export const findingListSchema = z.object({ items: z.array(findingSummarySchema), nextCursor }).meta({ id: "FindingList" });

export const decisionSummarySchema = z
  .object({
    id: z.string(),
    service: z.object({ slug: z.string(), name: z.string() }),
    stage: z.string(),
    commit: z.string(),
    artifact: nullableString,
    branch: nullableString,
    decision: decisionRef,
    policyVersion: z.number().int(),
    actor: z.string().meta({ description: "Who asked: the token's label" }),
    evaluatedAt: z.string(),
    failed: z.array(z.string()).meta({ description: "Titles of the failed checks" }),
    warned: z.array(z.string()).meta({ description: "Titles of the checks that only warned" }),
  })
  .meta({ id: "DecisionSummary" });

export const decisionListSchema = z.object({ items: z.array(decisionSummarySchema), nextCursor }).meta({ id: "DecisionList" });

// ---------- signed decisions ----------

export const signingKeySchema = z
  .object({
    keyId: z.string().meta({ description: "hex SHA-256 of the DER SubjectPublicKeyInfo: the DSSE keyid" }),
    algorithm: z.string().meta({ example: "ecdsa-p256-sha256" }),
    publicKeyPem: z.string(),
    validFrom: z.string(),
    validUntil: z.string().nullable().meta({ description: "When it stopped signing (retired); null while current" }),
    status: z.enum(["current", "retired"]),
  })
  .meta({ id: "SigningKey" });

export const signingKeyListSchema = z.object({ keys: z.array(signingKeySchema) }).meta({ id: "SigningKeyList" });

export const dsseEnvelopeSchema = z
  .object({
    payloadType: z.literal("application/vnd.in-toto+json"),
    payload: z.string().meta({ description: "base64 of the in-toto Statement (SLSA verification summary)" }),
    signatures: z.array(z.object({ keyid: z.string(), sig: z.string() })),
  })
  .meta({ id: "DsseEnvelope" });
