// Signs a gate decision as a SLSA Verification Summary (in-toto Statement v1 in a DSSE envelope) inside the
// decision's own transaction, and stores the envelope next to it, append-only.
import { createHash } from "node:crypto";
import { and, eq, inArray, sql, type SQL } from "drizzle-orm";
import { queryRows } from "@/db/client";
import { policies, scans } from "@/db/schema";
import type { ServiceContext } from "../context";
import { VERSION } from "../health";
import { runtimePublicUrl } from "../public-url";
import { canonicalJson } from "./canonical-json";
import { envelopeOf, IN_TOTO_PAYLOAD_TYPE, preAuthEncoding } from "./dsse";
import { signBytes, type SigningKey } from "./signing-key";
import { activeSigningKey, ensureSigningKeyUsable } from "./signing-keys";
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
  /** the scans the evaluation read, when the caller has them (saves reading them again); a superset of `evidence` */
  scans?: { id: string; tool: string; format: string; reportSha256: string }[];
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

/** A signed envelope ready to store: `insert` stores it if its key is published and not retired. */
export type SignedAttestation = { decisionId: string; url: string; key: SigningKey; insert: SQL };

/**
 * Signs the decision; the envelope is stored by `storeAttestation`, or by a statement that embeds `insert` (the gate
 * writes it with the decision: evaluate-gate.ts). Null (nothing to store) for an abbreviated commit without artifact.
 */
export async function signDecision(tx: ServiceContext, d: DecisionToAttest): Promise<SignedAttestation | null> {
  if (!isAttestable(d.commit, d.artifact)) return null;
  const publicUrl = publicBase();
  const policy = await policyFacts(tx, d.policyId);
  const wanted = [...new Set(d.evidence)];
  const known = d.scans && new Map(d.scans.map((s) => [s.id, s]));
  const scanRows = !wanted.length
    ? []
    : known && wanted.every((id) => known.has(id))
      ? wanted.map((id) => known.get(id)!)
      : await tx.db
          .select({ id: scans.id, tool: scans.toolName, format: scans.format, reportSha256: scans.reportSha256 })
          .from(scans)
          .where(and(eq(scans.serviceId, d.serviceId), inArray(scans.id, wanted)));
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
  const key = activeSigningKey();
  const sig = signBytes(key, preAuthEncoding(IN_TOTO_PAYLOAD_TYPE, body));
  const envelope = JSON.stringify(envelopeOf(IN_TOTO_PAYLOAD_TYPE, body, [{ keyid: key.keyId, sig }]));
  // Stored only if the key is published and not retired, share-locked so that a rotation waits for this transaction.
  const insert = sql`insert into gate_attestations (decision_id, key_id, envelope, created_at)
    select ${d.id}, id, ${envelope}, ${tx.now().toISOString()}::timestamptz from signing_keys
    where id = ${key.keyId} and retired_at is null for share
    returning decision_id`;
  return { decisionId: d.id, url: attestationUrl(publicUrl, d.id), key, insert };
}

/**
 * Stores a signed envelope, in the transaction that inserted the decision, after the insert. `stored`: whether a
 * statement that embedded its `insert` stored it already (then nothing is sent). Otherwise it is stored now, or, when
 * the key is not published yet, the key is published (or a retired key refused) and it is stored then.
 */
export async function storeAttestation(tx: ServiceContext, a: SignedAttestation, stored?: boolean): Promise<void> {
  const store = async () => (await queryRows<{ decision_id: string }>(tx.db, a.insert)).length > 0;
  if (stored ?? (await store())) return;
  await ensureSigningKeyUsable(tx, a.key);
  if (!(await store())) throw new Error(`could not store the attestation of decision ${a.decisionId}`);
}

/**
 * Signs the decision and stores the envelope; call it in the transaction that inserts the decision row, after
 * the insert. Returns the envelope's URL, or null (nothing stored) for an abbreviated commit without artifact.
 */
export async function attestDecision(tx: ServiceContext, d: DecisionToAttest): Promise<string | null> {
  const signed = await signDecision(tx, d);
  if (!signed) return null;
  await storeAttestation(tx, signed);
  return signed.url;
}
