// The OpenAPI 3.1 document of the public API, generated from the same zod schemas that validate requests.
import { z } from "zod";
import { VERSION } from "../../health";
import { SUPPORTED_FORMATS } from "../../ingest/detect";
import {
  createWaiverInput,
  deploymentRequest,
  deploymentSchema,
  gateDecisionSchema,
  gateRequest,
  healthSchema,
  ingestParams,
  policySchema,
  problemSchema,
  scanResultSchema,
  storedPolicySchema,
  waiverSchema,
} from "./schemas";
import {
  createdSubscriptionSchema,
  createSubscriptionInput,
  deliverySchema,
  serviceStagesSchema,
  subscriptionSchema,
} from "./schemas-notify";

const ref = (id: string) => ({ $ref: `#/components/schemas/${id}` });
const problem = (description: string) => ({ description, content: { "application/problem+json": { schema: ref("Problem") } } });

function queryParameters(schema: z.ZodObject): unknown[] {
  const js = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as {
    properties: Record<string, unknown>;
    required?: string[];
  };
  return Object.entries(js.properties).map(([name, s]) => ({
    name,
    in: "query",
    required: js.required?.includes(name) ?? false,
    schema: s,
  }));
}

const body = (schema: z.ZodType) => z.toJSONSchema(schema, { io: "input", unrepresentable: "any" });

export function openApiDocument(): unknown {
  const components = z.toJSONSchema(
    z.object({
      a: scanResultSchema,
      b: problemSchema,
      c: healthSchema,
      d: gateDecisionSchema,
      e: waiverSchema,
      f: storedPolicySchema,
      g: deploymentSchema,
      h: serviceStagesSchema,
      i: subscriptionSchema,
      j: createdSubscriptionSchema,
      k: deliverySchema,
    }),
    {
      target: "openapi-3.0",
      unrepresentable: "any",
      reused: "ref",
    },
  ) as { $defs?: Record<string, unknown>; definitions?: Record<string, unknown> };
  const schemas = Object.fromEntries(
    Object.entries(components.$defs ?? components.definitions ?? {}).map(([k, v]) => [
      k,
      JSON.parse(
        JSON.stringify(v).replaceAll("#/$defs/", "#/components/schemas/").replaceAll("#/definitions/", "#/components/schemas/"),
      ),
    ]),
  );
  const formatParam = {
    description: `Report format, or auto (default) to detect it from the content. One of: auto, ${SUPPORTED_FORMATS.join(", ")}`,
  };
  return {
    openapi: "3.1.0",
    info: {
      title: "Gatehouse API",
      version: VERSION,
      description:
        "Pipelines post scanner reports, and ask whether a build may be promoted. Errors are RFC 9457 problem documents.",
    },
    components: {
      schemas,
      securitySchemes: { bearer: { type: "http", scheme: "bearer", description: "A Gatehouse machine token (gth_…)" } },
    },
    paths: {
      "/api/health": {
        get: {
          summary: "Liveness and database health",
          responses: {
            "200": { description: "Healthy", content: { "application/json": { schema: ref("Health") } } },
            "503": { description: "Database unreachable", content: { "application/json": { schema: ref("Health") } } },
          },
        },
      },
      "/api/v1/scans": {
        post: {
          summary: "Upload a scanner report",
          description:
            "The body is the raw report exactly as the tool wrote it (optionally Content-Encoding: gzip). Findings are normalized, deduplicated and committed before the response is sent. The same bytes for the same service, commit and scope return 200 with duplicate: true.",
          security: [{ bearer: [] }],
          parameters: [
            ...queryParameters(ingestParams).map((p) =>
              (p as { name: string }).name === "format" ? { ...(p as object), ...formatParam } : p,
            ),
            { name: "Idempotency-Key", in: "header", required: false, schema: { type: "string", maxLength: 200 } },
          ],
          requestBody: {
            required: true,
            content: {
              "application/json": { schema: {} },
              "application/xml": { schema: {} },
              "application/x-ndjson": { schema: {} },
              "application/octet-stream": { schema: {} },
            },
          },
          responses: {
            "201": { description: "Ingested", content: { "application/json": { schema: ref("ScanResult") } } },
            "200": {
              description: "The same report was already ingested; nothing changed",
              content: { "application/json": { schema: ref("ScanResult") } },
            },
            "400": problem("Malformed JSON/XML (with line and column), empty body, or bad parameters"),
            "401": problem("No token or an invalid, expired or revoked token"),
            "403": problem("The token may not write to this service or lacks scans:write"),
            "404": problem("Unknown service (and the token may not create it)"),
            "409": problem("Idempotency-Key reused for a different upload"),
            "413": problem("Larger than GATEHOUSE_MAX_UPLOAD_MB, before or after gunzip, or a decompression bomb"),
            "415": problem("Unrecognized format or content encoding; lists the supported formats"),
            "422": problem("A well-formed report that breaks its format's schema, or an ambiguous empty report"),
          },
        },
      },
      "/api/v1/scans/{id}": {
        get: {
          summary: "A stored scan and its statistics",
          security: [{ bearer: [] }],
          parameters: [{ name: "id", in: "path", required: true, schema: { type: "string" } }],
          responses: {
            "200": { description: "The scan", content: { "application/json": { schema: ref("ScanResult") } } },
            "401": problem("No valid token"),
            "404": problem("No such scan in the token's scope"),
          },
        },
      },
      "/api/v1/gate": {
        post: {
          summary: "May this commit (and artifact) enter this stage?",
          description:
            "Evaluates the stage policy against the findings and evidence uploaded for the commit, records the decision immutably and explains it check by check. A block is still 200.",
          security: [{ bearer: [] }],
          requestBody: { required: true, content: { "application/json": { schema: body(gateRequest) } } },
          responses: {
            "200": {
              description: "The decision (allow or block)",
              content: { "application/json": { schema: ref("GateDecision") } },
            },
            "400": problem("Malformed JSON or invalid fields"),
            "401": problem("No valid token"),
            "403": problem("The token lacks gate:evaluate or may not use this service"),
            "404": problem("Unknown service or stage"),
            "415": problem("Not JSON"),
          },
        },
      },
      "/api/v1/gate/decisions/{id}": {
        get: {
          summary: "A stored decision, exactly as it was given",
          security: [{ bearer: [] }],
          parameters: [{ name: "id", in: "path", required: true, schema: { type: "string" } }],
          responses: {
            "200": { description: "The decision", content: { "application/json": { schema: ref("GateDecision") } } },
            "404": problem("No such decision in the token's scope"),
          },
        },
      },
      "/api/v1/gate/decisions/{id}/attestation": {
        get: {
          summary: "The decision's signed SLSA verification summary: an in-toto Statement in a DSSE envelope",
          description:
            "Byte for byte as stored (append-only). Same authorization as the decision. The format, the keyid and the verification steps: docs/attestations.md.",
          security: [{ bearer: [] }],
          parameters: [{ name: "id", in: "path", required: true, schema: { type: "string" } }],
          responses: {
            "200": {
              description: "The DSSE envelope",
              content: {
                "application/json": {
                  schema: {
                    type: "object",
                    required: ["payloadType", "payload", "signatures"],
                    properties: {
                      payloadType: { type: "string", enum: ["application/vnd.in-toto+json"] },
                      payload: { type: "string", description: "base64 of the in-toto Statement v1 (VSA v1 predicate)" },
                      signatures: {
                        type: "array",
                        items: {
                          type: "object",
                          properties: {
                            keyid: { type: "string", description: "hex SHA-256 of the DER SubjectPublicKeyInfo" },
                            sig: { type: "string", description: "base64 DER ECDSA P-256 signature over the DSSE PAE" },
                          },
                        },
                      },
                    },
                  },
                },
              },
            },
            "404": problem("No such decision in the token's scope, or the decision has no attestation (abbreviated commit)"),
          },
        },
      },
      "/api/v1/keys": {
        get: {
          summary: "The public keys that verify signed decisions, current and retired, with their validity (no authentication)",
          parameters: [{ name: "format", in: "query", required: false, schema: { type: "string", enum: ["json", "pem"] } }],
          responses: {
            "200": {
              description: "The keys; ?format=pem: the PEM blocks concatenated (application/x-pem-file)",
              content: {
                "application/json": {
                  schema: {
                    type: "object",
                    properties: {
                      keys: {
                        type: "array",
                        items: {
                          type: "object",
                          properties: {
                            keyId: { type: "string" },
                            algorithm: { type: "string", enum: ["ecdsa-p256-sha256"] },
                            publicKeyPem: { type: "string" },
                            validFrom: { type: "string", format: "date-time" },
                            validUntil: { type: ["string", "null"], format: "date-time" },
                            status: { type: "string", enum: ["current", "retired"] },
                          },
                        },
                      },
                    },
                  },
                },
                "application/x-pem-file": { schema: { type: "string" } },
              },
            },
          },
        },
      },
      "/api/v1/policies/{stage}": {
        get: {
          summary: "The policy in force for a stage (or ?version=n)",
          security: [{ bearer: [] }],
          parameters: [
            { name: "stage", in: "path", required: true, schema: { type: "string" } },
            { name: "version", in: "query", required: false, schema: { type: "integer" } },
          ],
          responses: {
            "200": { description: "The policy", content: { "application/json": { schema: ref("StoredPolicy") } } },
            "404": problem("Unknown stage or version"),
          },
        },
        put: {
          summary: "Set a stage's policy (a new version); scope policies:write",
          security: [{ bearer: [] }],
          parameters: [
            { name: "stage", in: "path", required: true, schema: { type: "string" } },
            { name: "comment", in: "query", required: false, schema: { type: "string" } },
          ],
          requestBody: {
            required: true,
            content: { "application/json": { schema: body(policySchema) }, "application/yaml": { schema: body(policySchema) } },
          },
          responses: {
            "200": { description: "The new version", content: { "application/json": { schema: ref("StoredPolicy") } } },
            "400": problem("Not valid JSON or YAML"),
            "403": problem("The token lacks policies:write"),
            "422": problem("The policy is invalid; errors[] gives each exact path"),
          },
        },
      },
      "/api/v1/policies/{stage}/versions": {
        get: {
          summary: "Every version of a stage's policy, newest first",
          security: [{ bearer: [] }],
          parameters: [{ name: "stage", in: "path", required: true, schema: { type: "string" } }],
          responses: { "200": { description: "The history" } },
        },
      },
      "/api/v1/waivers": {
        get: {
          summary: "Waivers visible to the token (?service= to narrow)",
          security: [{ bearer: [] }],
          parameters: [{ name: "service", in: "query", required: false, schema: { type: "string" } }],
          responses: { "200": { description: "{ waivers: Waiver[] }" } },
        },
        post: {
          summary: "Request a waiver or mark a false positive (pending until a second party approves)",
          security: [{ bearer: [] }],
          requestBody: { required: true, content: { "application/json": { schema: body(createWaiverInput) } } },
          responses: {
            "201": { description: "The waiver", content: { "application/json": { schema: ref("Waiver") } } },
            "400": problem("Invalid waiver (no reason, no expiry, expiry past the maximum)"),
            "403": problem("The token lacks policies:write"),
          },
        },
      },
      "/api/v1/waivers/{id}/approve": {
        post: {
          summary: "Approve a pending waiver (not by its requester)",
          security: [{ bearer: [] }],
          parameters: [{ name: "id", in: "path", required: true, schema: { type: "string" } }],
          responses: {
            "200": { description: "Approved", content: { "application/json": { schema: ref("Waiver") } } },
            "403": problem("The requester cannot approve"),
            "409": problem("Not pending"),
          },
        },
      },
      "/api/v1/waivers/{id}/revoke": {
        post: {
          summary: "Revoke a waiver or a false-positive mark",
          security: [{ bearer: [] }],
          parameters: [{ name: "id", in: "path", required: true, schema: { type: "string" } }],
          responses: { "200": { description: "Revoked", content: { "application/json": { schema: ref("Waiver") } } } },
        },
      },
      "/api/v1/deployments": {
        post: {
          summary: "Record what now runs in a stage; without a matching allow decision it is a gate bypass",
          security: [{ bearer: [] }],
          requestBody: { required: true, content: { "application/json": { schema: body(deploymentRequest) } } },
          responses: {
            "201": { description: "Recorded", content: { "application/json": { schema: ref("Deployment") } } },
            "403": problem("The token lacks deployments:write"),
          },
        },
      },
      "/api/v1/services/{slug}/stages": {
        get: {
          summary: "What runs in each stage of a service, and whether it is still in policy; scope read",
          description:
            "Per stage: the current deployment (artifact, commit, when, the decision that let it in), its status (in_policy, out_of_policy, unknown) since when, and the failing checks with what would fix them. Gatehouse re-checks a deployed stage when a scan of its commit or artifact arrives, its policy changes, a waiver changes or expires, and when time alone changes the answer.",
          security: [{ bearer: [] }],
          parameters: [{ name: "slug", in: "path", required: true, schema: { type: "string" } }],
          responses: {
            "200": {
              description: "The stages in promotion order",
              content: { "application/json": { schema: ref("ServiceStages") } },
            },
            "401": problem("No valid token"),
            "403": problem("The token lacks read or may not read this service"),
            "404": problem("No such service in the token's team"),
          },
        },
      },
      "/api/v1/notifications/subscriptions": {
        get: {
          summary: "The token's team's notification subscriptions; scope read",
          security: [{ bearer: [] }],
          responses: { "200": { description: "{ subscriptions: Subscription[] }" }, "401": problem("No valid token") },
        },
        post: {
          summary: "Subscribe the token's team to events by webhook, Slack-compatible webhook or e-mail; scope policies:write",
          description:
            "Webhooks are signed per Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature: v1,<base64 HMAC-SHA256 of id.timestamp.body>); the whsec_ secret is in this answer only. URLs must be https, or on a host listed in GATEHOUSE_WEBHOOK_ALLOW_HOSTS; private, loopback and link-local addresses are refused unless listed.",
          security: [{ bearer: [] }],
          requestBody: { required: true, content: { "application/json": { schema: body(createSubscriptionInput) } } },
          responses: {
            "201": { description: "Created", content: { "application/json": { schema: ref("CreatedSubscription") } } },
            "400": problem("Invalid events, stages, URL (not https, private address) or address; e-mail not configured"),
            "403": problem("The token lacks policies:write, or names the organisation"),
            "404": problem("Another team"),
          },
        },
      },
      "/api/v1/notifications/subscriptions/{id}": {
        delete: {
          summary: "Remove a subscription (what was still pending for it is not sent); scope policies:write",
          security: [{ bearer: [] }],
          parameters: [{ name: "id", in: "path", required: true, schema: { type: "string" } }],
          responses: {
            "200": { description: "{ id, removed: true }" },
            "404": problem("No such subscription in the token's team"),
          },
        },
      },
      "/api/v1/notifications/subscriptions/{id}/test": {
        post: {
          summary: "Send a test event at once and say how it went; scope policies:write",
          security: [{ bearer: [] }],
          parameters: [{ name: "id", in: "path", required: true, schema: { type: "string" } }],
          responses: { "200": { description: "{ deliveryId, ok, status, error }" }, "404": problem("No such subscription") },
        },
      },
      "/api/v1/notifications/subscriptions/{id}/deliveries": {
        get: {
          summary: "A subscription's newest deliveries: attempts, answers, and what failed for good; scope read",
          security: [{ bearer: [] }],
          parameters: [
            { name: "id", in: "path", required: true, schema: { type: "string" } },
            {
              name: "status",
              in: "query",
              required: false,
              schema: { type: "string", enum: ["pending", "delivered", "failed"] },
            },
            { name: "limit", in: "query", required: false, schema: { type: "integer", maximum: 200 } },
          ],
          responses: {
            "200": { description: "{ deliveries: Delivery[] }" },
            "404": problem("No such subscription in the token's team"),
          },
        },
      },
      "/api/v1/audit": {
        get: {
          summary: "Export the audit trail as NDJSON (signed-in security or admin users)",
          description: "One JSON event per line, oldest first; secrets, hashes and tokens are stripped from before/after.",
          parameters: [
            { name: "since", in: "query", required: false, schema: { type: "string", format: "date-time" } },
            { name: "until", in: "query", required: false, schema: { type: "string", format: "date-time" } },
            { name: "limit", in: "query", required: false, schema: { type: "integer", maximum: 100000 } },
          ],
          responses: {
            "200": { description: "NDJSON stream", content: { "application/x-ndjson": { schema: { type: "string" } } } },
            "401": problem("Not signed in"),
            "403": problem("Needs the security or admin role"),
          },
        },
      },
      "/api/v1/openapi.json": { get: { summary: "This document", responses: { "200": { description: "OpenAPI 3.1" } } } },
    },
  };
}
