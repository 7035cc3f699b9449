// Signs a gate decision as a SLSA Verification Summary (in-toto Statement v1 in a DSSE envelope) inside the
// decision's own transaction, and stores the envelope next to it, append-only.
import { createHash } from "node:crypto";
import { and, eq, inArray } from "drizzle-orm";
import { Params, rawRows } from "@/db/client";
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

/** A signed envelope ready to store (attestationInsert), if its key is published and not retired. */
export type SignedAttestation = { decisionId: string; url: string; key: SigningKey; envelope: string; createdAt: string };

/**
 * Signs the decision; the envelope is stored by `storeAttestation`, or by a statement that embeds `attestationInsert`
 * (the gate writes it with the decision: evaluate-gate.ts). Null (nothing to store) for an abbreviated commit without
 * artifact.
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
  return { decisionId: d.id, url: attestationUrl(publicUrl, d.id), key, envelope, createdAt: tx.now().toISOString() };
}

/**
 * The envelope's key as a row (`id`), if it is published and not retired: share-locked, so that a rotation waits for
 * the transaction that stores an envelope signed with it. For a statement's `from`.
 */
export const usableKey = (a: SignedAttestation, p: Params): string =>
  `select id from signing_keys where id = ${p.add(a.key.keyId)} and retired_at is null for share`;

/** The envelope's insert, one row for each row of `key` (usableKey's, or a name given to it): returns decision_id. */
export const attestationInsert = (a: SignedAttestation, p: Params, key: string): string =>
  `insert into gate_attestations (decision_id, key_id, envelope, created_at)
   select ${p.add(a.decisionId)}, key.id, ${p.add(a.envelope)}, ${p.add(a.createdAt)}::timestamptz from ${key} as key
   returning decision_id`;

/**
 * Stores a signed envelope, in the transaction that inserted the decision, after the insert: now, or, when the key is
 * not published yet, once the key is published (or a retired key refused).
 */
export async function storeAttestation(tx: ServiceContext, a: SignedAttestation): Promise<void> {
  const store = async () => {
    const p = new Params();
    return (await rawRows(tx.db, attestationInsert(a, p, `(${usableKey(a, p)})`), p.values)).length > 0;
  };
  if (await store()) return;
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
