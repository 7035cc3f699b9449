// The stored envelope of a decision, to whoever may read the decision itself.
import { eq } from "drizzle-orm";
import { gateAttestations } from "@/db/schema";
import type { ServiceContext } from "../context";
import { notFound } from "../errors";
import { getDecision } from "../gate/evaluate-gate";

/** The DSSE envelope JSON, exactly as stored. Same authorization (and the same 404s) as the decision. */
export async function getAttestation(ctx: ServiceContext, decisionId: string): Promise<string> {
  await getDecision(ctx, decisionId);
  const [row] = await ctx.db
    .select({ envelope: gateAttestations.envelope })
    .from(gateAttestations)
    .where(eq(gateAttestations.decisionId, decisionId))
    .limit(1);
  if (!row) throw notFound(`An attestation of decision "${decisionId}"`);
  return row.envelope;
}
