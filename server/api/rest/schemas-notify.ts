// Zod schemas of the stages and notification routes, for the OpenAPI document.
import { z } from "zod";
import { EVENT_TYPES } from "../../notify/events";
import { createSubscriptionInput } from "../../notify/subscriptions";
export { createSubscriptionInput };

const checkSummary = z.object({
  id: z.string().meta({ example: "max-findings:critical" }),
  title: z.string(),
  message: z.string(),
  remediation: z.string().meta({ description: "What would bring the stage back in policy" }),
  findings: z.array(z.string()),
});

export const stageRuntimeSchema = z
  .object({
    stage: z.string(),
    name: z.string(),
    deployment: z
      .object({
        id: z.string(),
        commit: z.string(),
        artifact: z.string().nullable(),
        deployedAt: z.string(),
        decisionId: z.string().nullable().meta({ description: "The gate decision that let it in; null for a bypass" }),
        bypass: z.boolean(),
      })
      .nullable(),
    status: z.enum(["in_policy", "out_of_policy", "unknown"]).meta({
      description: "unknown: nothing deployed, a bypass not yet re-checked, or the last re-check could not run",
    }),
    since: z.string().nullable(),
    checkedAt: z.string().nullable(),
    decisionId: z.string().nullable().meta({ description: "The newest decision (kind gate or recheck) behind the status" }),
    policyVersion: z.number().int().nullable(),
    failingChecks: z.array(checkSummary),
    error: z.string().nullable(),
  })
  .meta({ id: "StageRuntime" });

export const serviceStagesSchema = z
  .object({ service: z.string(), stages: z.array(stageRuntimeSchema) })
  .meta({ id: "ServiceStages" });

export const subscriptionSchema = z
  .object({
    id: z.string().meta({ example: "sub_06h3230100g7csjasw1w42dh5w" }),
    team: z
      .object({ slug: z.string(), name: z.string() })
      .nullable()
      .meta({ description: "null: the organisation (every event)" }),
    channel: z.enum(["webhook", "slack", "email"]),
    target: z.string().meta({ description: "The URL or address as it may be shown (a Slack URL is masked)" }),
    events: z.array(z.enum(EVENT_TYPES)),
    stages: z.array(z.string()).nullable(),
    createdBy: z.string(),
    createdAt: z.string(),
    deliveries: z.object({
      pending: z.number().int(),
      delivered: z.number().int(),
      failed: z.number().int().meta({ description: "Failed for good (24 hours of retries, 410 Gone, refused target)" }),
      lastDeliveredAt: z.string().nullable(),
    }),
    lastFailure: z.object({ at: z.string(), error: z.string() }).nullable(),
  })
  .meta({ id: "Subscription" });

export const createdSubscriptionSchema = z
  .object({
    subscription: subscriptionSchema,
    secret: z.string().nullable().meta({ description: "The webhook's whsec_ signing secret: shown this once" }),
  })
  .meta({ id: "CreatedSubscription" });

export const deliverySchema = z
  .object({
    id: z.string().meta({ description: "The webhook-id: the same on every attempt" }),
    event: z.string(),
    summary: z.string(),
    status: z.enum(["pending", "delivered", "failed"]),
    attempts: z.number().int(),
    createdAt: z.string(),
    lastAttemptAt: z.string().nullable(),
    lastStatus: z.number().int().nullable(),
    lastError: z.string().nullable(),
    nextAttemptAt: z.string().nullable(),
    deliveredAt: z.string().nullable(),
  })
  .meta({ id: "Delivery" });

export const subscriptionListSchema = z.object({ subscriptions: z.array(subscriptionSchema) }).meta({ id: "SubscriptionList" });

export const deliveryListSchema = z.object({ deliveries: z.array(deliverySchema) }).meta({ id: "DeliveryList" });

export const removedSubscriptionSchema = z
  .object({ id: z.string(), removed: z.literal(true) })
  .meta({ id: "RemovedSubscription" });

export const testResultSchema = z
  .object({
    deliveryId: z.string(),
    ok: z.boolean(),
    status: z.number().int().nullable().meta({ description: "The receiver's HTTP status, if it answered" }),
    error: z.string().nullable(),
  })
  .meta({ id: "SubscriptionTest" });

export const createSubscriptionBody = createSubscriptionInput.meta({ id: "SubscriptionRequest" });

export const listDeliveriesQuery = z.object({
  status: z.enum(["pending", "delivered", "failed"]).optional(),
  limit: z.coerce.number().int().min(1).max(200).optional(),
});
