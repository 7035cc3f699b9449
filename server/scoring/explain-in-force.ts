// "How scoring works" with the SLA in force: the production policy's, which scorecards use.
import type { ServiceContext } from "../context";
import { slaDays } from "../views/sla";
import { explainScoring, type ScoringExplanation } from "./explain";

export async function explainScoringInForce(ctx: ServiceContext): Promise<ScoringExplanation> {
  return explainScoring({ ...(await slaDays(ctx)), info: null });
}
