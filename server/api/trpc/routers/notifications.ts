// Settings → Notifications: subscriptions of the user's teams (and the organisation's for security staff),
// "send a test", and each subscription's recent deliveries. The verbs decide who may do what.
import { z } from "zod";
import { env } from "../../../env";
import { notifyConfig } from "../../../notify/deliver";
import {
  createSubscription,
  createSubscriptionInput,
  listDeliveries,
  listDeliveriesInput,
  listSubscriptions,
  listSubscriptionsInput,
  removeSubscription,
  subscriptionOptions,
  testSubscription,
} from "../../../notify/subscriptions";
import { protectedProcedure, router } from "../init";

const byId = z.object({ id: z.string().trim().min(1).max(100) });

export const notificationsRouter = router({
  list: protectedProcedure.input(listSubscriptionsInput).query(({ ctx, input }) => listSubscriptions(ctx.svc, input)),
  options: protectedProcedure.query(({ ctx }) => subscriptionOptions(ctx.svc, notifyConfig(env()))),
  create: protectedProcedure
    .input(createSubscriptionInput)
    .mutation(({ ctx, input }) => createSubscription(ctx.svc, input, notifyConfig(env()))),
  remove: protectedProcedure.input(byId).mutation(({ ctx, input }) => removeSubscription(ctx.svc, input.id)),
  test: protectedProcedure.input(byId).mutation(({ ctx, input }) => testSubscription(ctx.svc, input.id, notifyConfig(env()))),
  deliveries: protectedProcedure.input(listDeliveriesInput).query(({ ctx, input }) => listDeliveries(ctx.svc, input)),
});
