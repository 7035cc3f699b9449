// The in-toto Statement v1 with a SLSA Verification Summary (VSA v1) predicate that every gate decision is
// signed as. Pure: the verb passes in what it read (docs/attestations.md describes every field).

export const STATEMENT_TYPE = "https://in-toto.io/Statement/v1";
export const VSA_PREDICATE_TYPE = "https://slsa.dev/verification_summary/v1";

export type ResourceDescriptor = {
  name?: string;
  uri?: string;
  digest?: Record<string, string>;
  annotations?: Record<string, unknown>;
};

export type VerificationSummary = {
  verifier: { id: string; version: Record<string, string> };
  timeVerified: string;
  resourceUri: string;
  policy: ResourceDescriptor & { uri: string };
  inputAttestations: ResourceDescriptor[];
  verificationResult: "PASSED" | "FAILED";
  verifiedLevels: string[];
};

export type VsaStatement = {
  _type: typeof STATEMENT_TYPE;
  subject: ResourceDescriptor[];
  predicateType: typeof VSA_PREDICATE_TYPE;
  predicate: VerificationSummary;
};

export type DecisionFacts = {
  /** GATEHOUSE_PUBLIC_URL, without a trailing slash */
  publicUrl: string;
  version: string;
  decisionId: string;
  service: string;
  stage: string;
  commit: string;
  artifact: string | null;
  decision: "allow" | "block";
  evaluatedAt: Date;
  policy: { stage: string; version: number; sha256: string };
  /** the complete scans the evaluation counted */
  scans: { id: string; tool: string; format: string; reportSha256: string }[];
};

/** The level a PASSED decision verifies for a stage: GATEHOUSE_STAGE_ and the slug upper-cased, dashes as underscores. */
export const stageLevel = (stage: string): string => `GATEHOUSE_STAGE_${stage.toUpperCase().replaceAll("-", "_")}`;

/** A subject digest needs the full commit hash (SHA-1 or SHA-256): an abbreviated one names no single commit. */
export const isFullCommit = (commit: string): boolean => /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/.test(commit);

/** Whether a decision can be attested: it names an artifact digest, or a full commit hash. */
export const isAttestable = (commit: string, artifact: string | null): boolean => artifact !== null || isFullCommit(commit);

export const decisionUrl = (publicUrl: string, id: string) => `${publicUrl}/api/v1/gate/decisions/${id}`;
export const attestationUrl = (publicUrl: string, id: string) => `${decisionUrl(publicUrl, id)}/attestation`;

export function buildVerificationSummary(f: DecisionFacts): VsaStatement {
  if (!isAttestable(f.commit, f.artifact))
    throw new Error(`decision ${f.decisionId} names neither an artifact nor a full commit`);
  const digest: Record<string, string> = f.artifact ? { sha256: f.artifact.slice("sha256:".length) } : { gitCommit: f.commit };
  const passed = f.decision === "allow";
  return {
    _type: STATEMENT_TYPE,
    subject: [
      {
        name: f.service,
        digest,
        annotations: {
          decisionId: f.decisionId,
          decisionUrl: decisionUrl(f.publicUrl, f.decisionId),
          service: f.service,
          stage: f.stage,
          commit: f.commit,
        },
      },
    ],
    predicateType: VSA_PREDICATE_TYPE,
    predicate: {
      verifier: { id: f.publicUrl, version: { gatehouse: f.version } },
      timeVerified: f.evaluatedAt.toISOString(),
      resourceUri: `${f.publicUrl}/services/${f.service}`,
      policy: {
        uri: `${f.publicUrl}/api/v1/policies/${f.policy.stage}?version=${f.policy.version}`,
        digest: { sha256: f.policy.sha256 },
      },
      inputAttestations: [...f.scans]
        .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
        .map((s) => ({
          name: s.id,
          uri: `${f.publicUrl}/api/v1/scans/${s.id}`,
          digest: { sha256: s.reportSha256 },
          annotations: { tool: s.tool, format: s.format },
        })),
      verificationResult: passed ? "PASSED" : "FAILED",
      // The VSA spec: the level verified, or "FAILED" when the policy verification failed.
      verifiedLevels: passed ? [stageLevel(f.stage)] : ["FAILED"],
    },
  };
}
