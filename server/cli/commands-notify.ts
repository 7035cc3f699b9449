// Operator commands for notifications (notify add|list|remove|test|deliveries).
import { z } from "zod";
import { env } from "../env";
import { notifyConfig } from "../notify/deliver";
import { EVENT_TYPES } from "../notify/events";
import {
  createSubscription,
  listDeliveries,
  listSubscriptions,
  removeSubscription,
  testSubscription,
} from "../notify/subscriptions";
import { slugSchema } from "../validation";
import { define, table, type Command } from "./command-kit";

const list = (v: unknown): string[] =>
  (Array.isArray(v) ? v : typeof v === "string" ? [v] : [])
    .flatMap((s: string) => s.split(","))
    .map((s) => s.trim())
    .filter(Boolean);

const idInput = z.object({ id: z.string().trim().min(1, "name the subscription id (sub_…)").max(100) });

export const NOTIFY_COMMANDS: Command[] = [
  define({
    name: "notify add",
    summary: "subscribe a team (or, with --org, everyone's events) to events by webhook, Slack or e-mail",
    usage:
      "notify add (--team <team> | --org) --event <type>[,<type>…]|all [--stage <stage>] " +
      "(--webhook <https URL> | --slack <URL> | --email <address>)",
    options: {
      team: { type: "string" },
      org: { type: "boolean" },
      event: { type: "string", multiple: true },
      stage: { type: "string", multiple: true },
      webhook: { type: "string" },
      slack: { type: "string" },
      email: { type: "string" },
    },
    input: z
      .object({
        team: slugSchema.optional(),
        org: z.boolean(),
        events: z.array(z.enum(EVENT_TYPES)).min(1, `--event is required (one of ${EVENT_TYPES.join(", ")}, or all)`),
        stages: z.array(slugSchema).optional(),
        channel: z.enum(["webhook", "slack", "email"], { message: "give one of --webhook, --slack or --email" }),
        target: z.string().min(1),
      })
      .refine((i) => (i.team === undefined) === i.org, { message: "give either --team <team> or --org", path: ["team"] }),
    toInput: ({ values }) => {
      const events = list(values.event);
      const targets = (["webhook", "slack", "email"] as const).filter((c) => typeof values[c] === "string");
      const stages = list(values.stage);
      return {
        team: values.team,
        org: values.org === true,
        events: events.includes("all") ? [...EVENT_TYPES] : events,
        stages: stages.length ? stages : undefined,
        channel: targets.length === 1 ? targets[0] : undefined,
        target: targets.length === 1 ? values[targets[0]!] : "",
      };
    },
    run: async (ctx, input) => {
      const { subscription: s, secret } = await createSubscription(
        ctx,
        { team: input.team, events: input.events, stages: input.stages, channel: input.channel, target: input.target },
        notifyConfig(env()),
      );
      const out = [
        `Subscribed ${s.team ? `team ${s.team.slug}` : "the organisation"} to ${s.events.join(", ")}` +
          `${s.stages ? ` (stages ${s.stages.join(", ")})` : ""} by ${s.channel} to ${s.target}: ${s.id}.`,
      ];
      if (secret)
        out.push(
          "Deliveries are signed per Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature).",
          "The signing secret, shown once; store it with the receiver:",
          secret,
        );
      return { output: out };
    },
  }),
  define({
    name: "notify list",
    summary: "list notification subscriptions with their delivery counts (never secrets)",
    usage: "notify list [--team <team>] [--json]",
    options: { team: { type: "string" }, json: { type: "boolean" } },
    input: z.object({ team: slugSchema.optional(), json: z.boolean() }),
    toInput: ({ values }) => ({ team: values.team, json: values.json === true }),
    run: async (ctx, input) => {
      const rows = await listSubscriptions(ctx, { team: input.team });
      if (input.json) return { output: [JSON.stringify(rows)] };
      if (rows.length === 0) return { output: ["No subscriptions."] };
      return {
        output: table(
          rows.map((s) => ({
            id: s.id,
            team: s.team?.slug ?? "(organisation)",
            channel: s.channel,
            target: s.target,
            events: s.events.join(","),
            stages: s.stages?.join(",") ?? "all",
            delivered: String(s.deliveries.delivered),
            pending: String(s.deliveries.pending),
            failed: String(s.deliveries.failed),
            "last failure": s.lastFailure ? `${s.lastFailure.at.slice(0, 16)} ${s.lastFailure.error}` : "",
          })),
          ["id", "team", "channel", "target", "events", "stages", "delivered", "pending", "failed", "last failure"],
        ),
      };
    },
  }),
  define({
    name: "notify remove",
    summary: "remove a subscription (what was still waiting for it is not sent)",
    usage: "notify remove <id>",
    options: {},
    input: idInput,
    toInput: ({ positionals }) => ({ id: positionals[0] ?? "" }),
    run: async (ctx, input) => {
      await removeSubscription(ctx, input.id);
      return { output: [`Removed subscription ${input.id}.`] };
    },
  }),
  define({
    name: "notify test",
    summary: "send a test event to a subscription now and say how it went",
    usage: "notify test <id>",
    options: {},
    input: idInput,
    toInput: ({ positionals }) => ({ id: positionals[0] ?? "" }),
    run: async (ctx, input) => {
      const r = await testSubscription(ctx, input.id, notifyConfig(env()));
      return r.ok
        ? { output: [`Delivered a test event (${r.deliveryId})${r.status ? `: HTTP ${r.status}` : ""}.`] }
        : { output: [`The test event was not delivered (${r.deliveryId}): ${r.error ?? "failed"}.`], exitCode: 1 };
    },
  }),
  define({
    name: "notify deliveries",
    summary: "a subscription's newest deliveries: attempts, answers, and what failed for good",
    usage: "notify deliveries <id> [--status pending|delivered|failed] [--json]",
    options: { status: { type: "string" }, json: { type: "boolean" } },
    input: z.object({
      id: idInput.shape.id,
      status: z.enum(["pending", "delivered", "failed"]).optional(),
      json: z.boolean(),
    }),
    toInput: ({ values, positionals }) => ({ id: positionals[0] ?? "", status: values.status, json: values.json === true }),
    run: async (ctx, input) => {
      const rows = await listDeliveries(ctx, { id: input.id, status: input.status, limit: 50 });
      if (input.json) return { output: [JSON.stringify(rows)] };
      if (rows.length === 0) return { output: ["No deliveries yet."] };
      return {
        output: table(
          rows.map((d) => ({
            id: d.id,
            event: d.event,
            status: d.status,
            attempts: String(d.attempts),
            created: d.createdAt.slice(0, 19),
            "last answer": d.lastError ?? (d.lastStatus ? `HTTP ${d.lastStatus}` : ""),
            next: d.nextAttemptAt?.slice(0, 19) ?? "",
          })),
          ["id", "event", "status", "attempts", "created", "last answer", "next"],
        ),
      };
    },
  }),
];
