// Signs a gate decision as a SLSA Verification Summary (in-toto Statement v1 in a DSSE envelope) inside the
// decision's own transaction, and stores the envelope next to it, append-only.
import { createHash } from "node:crypto";
import { and, eq, inArray } from "drizzle-orm";
import { gateAttestations, policies, scans } from "@/db/schema";
import type { ServiceContext } from "../context";
import { VERSION } from "../health";
import { runtimePublicUrl } from "../public-url";
import { canonicalJson } from "./canonical-json";
import { envelopeOf, IN_TOTO_PAYLOAD_TYPE, preAuthEncoding } from "./dsse";
import { signBytes } from "./signing-key";
import { signingKeyForTransaction } from "./signing-keys";
import { attestationUrl, buildVerificationSummary, isAttestable } from "./statement";

/** What a decision (a gate answer, or a later re-check) must say to be attested. */
export type DecisionToAttest = {
  id: string;
  serviceId: string;
  /** the service's slug */
  service: string;
  stage: string;
  commit: string;
  artifact: string | null;
  decision: "allow" | "block";
  policyId: string;
  evaluatedAt: Date;
  /** ids of the complete scans the evaluation counted (GateEvaluation.evidence) */
  evidence: string[];
};

const sha256 = (s: string | Uint8Array) => createHash("sha256").update(s).digest("hex");

// Policy versions are append-only, so a version's digest never changes: compute it once per process.
const policyDigests = new Map<string, { stage: string; version: number; sha256: string }>();

async function policyFacts(tx: ServiceContext, policyId: string) {
  const known = policyDigests.get(policyId);
  if (known) return known;
  const [p] = await tx.db
    .select({ stage: policies.stage, version: policies.version, document: policies.document })
    .from(policies)
    .where(eq(policies.id, policyId))
    .limit(1);
  if (!p) throw new Error(`policy ${policyId} of a decision does not exist`);
  const facts = { stage: p.stage, version: p.version, sha256: sha256(canonicalJson(p.document)) };
  policyDigests.set(policyId, facts);
  return facts;
}

const publicBase = () => runtimePublicUrl().replace(/\/+$/, "");

/** The URL where the decision's envelope will be served, or null when it cannot be attested. */
export const attestationUrlFor = (d: Pick<DecisionToAttest, "id" | "commit" | "artifact">): string | null =>
  isAttestable(d.commit, d.artifact) ? attestationUrl(publicBase(), d.id) : null;

/**
 * Signs the decision and stores the envelope; call it in the transaction that inserts the decision row, after
 * the insert. Returns the envelope's URL, or null (nothing stored) for an abbreviated commit without artifact.
 */
export async function attestDecision(tx: ServiceContext, d: DecisionToAttest): Promise<string | null> {
  if (!isAttestable(d.commit, d.artifact)) return null;
  const publicUrl = publicBase();
  const policy = await policyFacts(tx, d.policyId);
  const wanted = [...new Set(d.evidence)];
  const scanRows = wanted.length
    ? await tx.db
        .select({ id: scans.id, tool: scans.toolName, format: scans.format, reportSha256: scans.reportSha256 })
        .from(scans)
        .where(and(eq(scans.serviceId, d.serviceId), inArray(scans.id, wanted)))
    : [];
  if (scanRows.length !== wanted.length) throw new Error(`decision ${d.id} counts scans that are not this service's`);
  const statement = buildVerificationSummary({
    publicUrl,
    version: VERSION,
    decisionId: d.id,
    service: d.service,
    stage: d.stage,
    commit: d.commit,
    artifact: d.artifact,
    decision: d.decision,
    evaluatedAt: d.evaluatedAt,
    policy,
    scans: scanRows,
  });
  const body = new TextEncoder().encode(JSON.stringify(statement));
  const key = await signingKeyForTransaction(tx);
  const sig = signBytes(key, preAuthEncoding(IN_TOTO_PAYLOAD_TYPE, body));
  const envelope = JSON.stringify(envelopeOf(IN_TOTO_PAYLOAD_TYPE, body, [{ keyid: key.keyId, sig }]));
  await tx.db.insert(gateAttestations).values({ decisionId: d.id, keyId: key.keyId, envelope, createdAt: tx.now() });
  return attestationUrl(publicUrl, d.id);
}
