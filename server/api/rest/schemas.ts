// Zod schemas of the public REST API: what the routes' contracts (apiRoute specs) parse and answer. The OpenAPI
// document names each schema by its meta id. Request schemas live with their verbs and are re-exported here.
import { z } from "zod";
import { exportAuditInput } from "../../audit/export-audit";
import { deploymentRequest } from "../../gate/deployments";
import { gateRequest } from "../../gate/evaluate-gate";
import { policySchema } from "../../gate/policy";
import { createWaiverInput } from "../../gate/waivers";
import { SUPPORTED_FORMATS } from "../../ingest/detect";
import { ingestParams } from "../../ingest/ingest-report";
import { SEVERITIES } from "../../ingest/types";
import { slugSchema } from "../../validation";

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
    receivedAt: z.string(),
  })
  .meta({ id: "Scan" });

export const statisticsSchema = z
  .object({
    findings: z
      .number()
      .int()
      .meta({ description: "Findings in this report after in-report deduplication (suppressed ones excluded)" }),
    created: z.number().int().meta({ description: "New to the scope (service + branch + tool + category)" }),
    unchanged: z.number().int(),
    reopened: z.number().int().meta({ description: "Closed in the scope before, reported again now" }),
    closed: z.number().int().meta({ description: "Open in the scope before, no longer reported (complete scans only)" }),
    bySeverity: z.object(
      Object.fromEntries(SEVERITIES.map((s) => [s, z.number().int()])) as Record<(typeof SEVERITIES)[number], z.ZodNumber>,
    ),
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
  })
  .meta({ id: "Health" });
