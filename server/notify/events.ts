// The events people can subscribe to, and the shape every delivered event has (Standard Webhooks). Pure.

export const EVENT_TYPES = [
  "stage.out_of_policy",
  "stage.back_in_policy",
  "gate.bypass",
  "gate.blocked",
  "waiver.requested",
  "waiver.approved",
  "waiver.expiring",
  "sla.breached",
  "scan.failed",
  "scanner_db.stale",
  "pipeline.silent",
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** "Send a test" sends this one; nobody subscribes to it. */
export const TEST_EVENT = "notification.test";

export const EVENT_HELP: Record<EventType, string> = {
  "stage.out_of_policy": "what runs in a stage would now be blocked by its policy",
  "stage.back_in_policy": "what runs in a stage passes its policy again",
  "gate.bypass": "a deployment without an allow decision",
  "gate.blocked": "the gate blocked a promotion",
  "waiver.requested": "a waiver or false positive waits for approval",
  "waiver.approved": "a waiver or false positive was approved",
  "waiver.expiring": "an active waiver expires within 7 days",
  "sla.breached": "open findings passed their remediation SLA",
  "scan.failed": "a scanner reported a failed run",
  "scanner_db.stale": "a scan used a vulnerability database older than the policy allows",
  "pipeline.silent": "no scan for a service in 14 days",
};

/** Days before a waiver's expiry that waiver.expiring is sent. */
export const WAIVER_EXPIRING_DAYS = 7;
/** Days without a scan after which a service's pipeline counts as silent. */
export const PIPELINE_SILENT_DAYS = 14;

export type EventRef = { slug: string; name: string };

/** What an event is about; `data` carries the rest and is sent as is. */
export type NotificationEvent = {
  type: EventType | typeof TEST_EVENT;
  /** routes the event to the team's subscriptions; null: the organisation's only */
  teamId: string | null;
  serviceId: string | null;
  /** for the stage filter of a subscription; null when the event is not about one stage */
  stage: string | null;
  data: Record<string, unknown> & { summary: string; url: string };
};

/** The body of a webhook, as the Standard Webhooks specification recommends. */
export type EventPayload = { type: string; timestamp: string; data: NotificationEvent["data"] };

export const isEventType = (s: string): s is EventType => (EVENT_TYPES as readonly string[]).includes(s);
