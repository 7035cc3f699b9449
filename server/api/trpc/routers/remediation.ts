import { TRPCError } from "@trpc/server";
import { z } from "zod";
import { canActOnTeam } from "../../../auth/permissions";
import { createWaiver, DEFAULT_MAX_WAIVER_DAYS } from "../../../gate/waivers";
import { slugSchema } from "../../../validation";
import { previewGate } from "../../../views/gate-preview";
import { remediationActions, remediationFilter } from "../../../views/remediation";
import { router, teamProcedure, type ServiceRow, type UserActor } from "../init";

const match = z.object({
  type: z.enum(["fingerprint", "vulnerability", "rule"]),
  value: z.string().trim().min(1).max(500),
});
const reason = z.string().trim().min(10, "explain it in at least 10 characters").max(2000);

function requireAct(actor: UserActor, service: ServiceRow): void {
  if (!canActOnTeam(actor, service.teamId))
    throw new TRPCError({ code: "FORBIDDEN", message: "Viewers cannot request waivers or mark false positives." });
}

export const remediationRouter = router({
  actions: teamProcedure.input(remediationFilter).query(({ ctx, input }) => remediationActions(ctx.svc, ctx.service, input)),

  /** The gate's own evaluation of the latest commit at a stage (the last one by default); never recorded. */
  unblock: teamProcedure
    .input(z.object({ stage: slugSchema.optional() }))
    .query(({ ctx, input }) => previewGate(ctx.svc, ctx.service, input.stage)),

  /** A developer's request: always PENDING until someone else (security) approves it. */
  requestWaiver: teamProcedure
    .input(
      z.object({
        match,
        reason,
        expiresInDays: z.number().int().min(1).max(DEFAULT_MAX_WAIVER_DAYS),
        stages: z.array(slugSchema).min(1).max(20).optional(),
      }),
    )
    .mutation(({ ctx, input }) => {
      requireAct(ctx.actor, ctx.service);
      return createWaiver(ctx.svc, {
        service: ctx.service.slug,
        match: input.match,
        kind: "waiver",
        reason: input.reason,
        expiresInDays: input.expiresInDays,
        stages: input.stages,
        approve: false,
      });
    }),

  /** A false positive does not expire, and like a waiver it needs a second person's approval. */
  markFalsePositive: teamProcedure.input(z.object({ match, reason })).mutation(({ ctx, input }) => {
    requireAct(ctx.actor, ctx.service);
    return createWaiver(ctx.svc, {
      service: ctx.service.slug,
      match: input.match,
      kind: "false_positive",
      reason: input.reason,
      approve: false,
    });
  }),
});
