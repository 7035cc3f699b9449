import { listAuditEvents, listAuditInput } from "../../../audit/list-audit";
import { router, securityProcedure } from "../init";

export const auditRouter = router({
  /** Newest first, filtered on the server; before/after with secrets stripped. */
  list: securityProcedure.input(listAuditInput).query(({ ctx, input }) => listAuditEvents(ctx.svc, input)),
});
