// The dashboard's API: one router per view, all behind the procedure ladder in init.ts.
import { createCallerFactory, router } from "./init";
import { auditRouter } from "./routers/audit";
import { decisionsRouter } from "./routers/decisions";
import { findingsRouter } from "./routers/findings";
import { meRouter } from "./routers/me";
import { notificationsRouter } from "./routers/notifications";
import { policiesRouter } from "./routers/policies";
import { postureRouter } from "./routers/posture";
import { remediationRouter } from "./routers/remediation";
import { servicesRouter } from "./routers/services";
import { stageStatusRouter } from "./routers/stage-status";
import { teamsRouter } from "./routers/teams";
import { tokensRouter } from "./routers/tokens";
import { waiversRouter } from "./routers/waivers";

export const appRouter = router({
  me: meRouter,
  posture: postureRouter,
  services: servicesRouter,
  remediation: remediationRouter,
  findings: findingsRouter,
  decisions: decisionsRouter,
  waivers: waiversRouter,
  policies: policiesRouter,
  tokens: tokensRouter,
  audit: auditRouter,
  teams: teamsRouter,
  notifications: notificationsRouter,
  stageStatus: stageStatusRouter,
});

export type AppRouter = typeof appRouter;

export const createCaller = createCallerFactory(appRouter);
