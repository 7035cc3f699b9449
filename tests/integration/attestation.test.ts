// Signed decisions on both databases: every decision signed in its own transaction, the envelope verified by
// implementations other than the signer (the openssl command line, sigstore-js), the stored records
// append-only, the keys published without authentication, and rotation keeping old decisions verifiable.
import { createHash, createPublicKey, generateKeyPairSync, verify } from "node:crypto";
import { execFileSync } from "node:child_process";
import { chmodSync, copyFileSync, mkdtempSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { bundleFromJSON } from "@sigstore/bundle";
import { toSignedEntity, toTrustMaterial, Verifier } from "@sigstore/verify";
import { sql } from "drizzle-orm";
import { beforeAll, expect, it } from "vitest";
import * as attestationRoute from "@/app/api/v1/gate/decisions/[id]/attestation/route";
import * as keysRoute from "@/app/api/v1/keys/route";
import { queryRows } from "@/db/client";
import { canonicalJson } from "@/server/attestation/canonical-json";
import { preAuthEncoding } from "@/server/attestation/dsse";
import { getAttestation } from "@/server/attestation/get-attestation";
import { configureSigning, signingKeySource } from "@/server/attestation/signing-key";
import { listSigningKeys, rotateSigningKey } from "@/server/attestation/signing-keys";
import type { ServiceContext } from "@/server/context";
import { evaluateGateRequest } from "@/server/gate/evaluate-gate";
import { getPolicy } from "@/server/gate/policies";
import { setRuntime } from "@/server/runtime";
import { describeEachDatabase } from "@/tests/helpers/db";
import { rootMessage } from "@/tests/helpers/errors";
import { generic, sha, teamWithService, text, tokenContext, upload } from "@/tests/helpers/fixtures";

const base = "https://gatehouse.test";
type Envelope = { payloadType: string; payload: string; signatures: { keyid: string; sig: string }[] };
type Statement = {
  subject: { name: string; digest: Record<string, string>; annotations: Record<string, string> }[];
  predicateType: string;
  predicate: {
    verifier: { id: string };
    timeVerified: string;
    policy: { uri: string; digest: { sha256: string } };
    inputAttestations: { uri: string; digest: { sha256: string } }[];
    verificationResult: string;
    verifiedLevels: string[];
    resourceUri: string;
  };
};
type Handler = (req: Request, route: { params: Promise<Record<string, string>> }) => Promise<Response>;

const statementOf = (e: Envelope) => JSON.parse(Buffer.from(e.payload, "base64").toString("utf8")) as Statement;
const paeOf = (e: Envelope) => preAuthEncoding(e.payloadType, Buffer.from(e.payload, "base64"));
const sha256 = (b: string | Uint8Array) => createHash("sha256").update(b).digest("hex");

function opensslVerifies(pem: string, e: Envelope, sig = e.signatures[0]!.sig): boolean {
  const dir = mkdtempSync(path.join(tmpdir(), "gatehouse-openssl-"));
  writeFileSync(path.join(dir, "pub.pem"), pem);
  writeFileSync(path.join(dir, "pae.bin"), paeOf(e));
  writeFileSync(path.join(dir, "sig.der"), Buffer.from(sig, "base64"));
  try {
    const out = execFileSync("openssl", ["dgst", "-sha256", "-verify", "pub.pem", "-signature", "sig.der", "pae.bin"], {
      cwd: dir,
      stdio: ["ignore", "pipe", "pipe"],
    }).toString();
    return out.trim() === "Verified OK";
  } catch {
    return false;
  }
}

describeEachDatabase("signed decisions", (t) => {
  let writer: ServiceContext & { token: string };
  let service: string;
  let team: string;
  const reports = ["sast", "sca", "secrets"].map((kind) => generic(`${kind}-tool`, [], { evidence: [kind] }));
  const commit = sha("signed-1");

  beforeAll(async () => {
    setRuntime({ db: t.db(), kind: t.kind, describe: "test", startedAt: new Date(), publicUrl: base });
    const made = await teamWithService(t.ctx());
    service = made.service.slug;
    team = made.team.slug;
    writer = await tokenContext(t.ctx(), { team: made.team.slug, scopes: ["scans:write", "gate:evaluate"] });
    for (const r of reports) await upload(writer, { service, commit }, r);
  });

  const envelopeOf = async (id: string) => JSON.parse(await getAttestation(writer, id)) as Envelope;

  it("signs every decision in its transaction, as a VSA of what the gate read", async () => {
    const d = await evaluateGateRequest(writer, { service, stage: "test", commit });
    expect(d.decision).toBe("allow");
    expect(d.attestationUrl).toBe(`${base}/api/v1/gate/decisions/${d.decisionId}/attestation`);
    const e = await envelopeOf(d.decisionId);
    expect(e.payloadType).toBe("application/vnd.in-toto+json");
    const st = statementOf(e);
    expect(st.subject).toEqual([
      {
        name: service,
        digest: { gitCommit: commit },
        annotations: {
          decisionId: d.decisionId,
          decisionUrl: `${base}/api/v1/gate/decisions/${d.decisionId}`,
          service,
          stage: "test",
          commit,
        },
      },
    ]);
    expect(st.predicate).toMatchObject({
      verifier: { id: base },
      timeVerified: d.evaluatedAt,
      resourceUri: `${base}/services/${service}`,
      verificationResult: "PASSED",
      verifiedLevels: ["GATEHOUSE_STAGE_TEST"],
    });
    // One input per scan that counted, with the SHA-256 of the report bytes as uploaded.
    expect(st.predicate.inputAttestations.map((i) => i.uri).sort()).toEqual(
      d.evidence.map((id) => `${base}/api/v1/scans/${id}`).sort(),
    );
    expect(st.predicate.inputAttestations.map((i) => i.digest.sha256).sort()).toEqual(reports.map((r) => sha256(text(r))).sort());
    // The policy digest is SHA-256 of the RFC 8785 form of the stored document, for that exact version.
    const policy = await getPolicy(t.ctx(), "test", d.policy.version);
    expect(st.predicate.policy).toEqual({
      uri: `${base}/api/v1/policies/test?version=${d.policy.version}`,
      digest: { sha256: sha256(canonicalJson(policy.document)) },
    });
  });

  it("is verified by the openssl command line and by Node's crypto with the key from /api/v1/keys", async () => {
    const d = await evaluateGateRequest(writer, { service, stage: "test", commit });
    const e = await envelopeOf(d.decisionId);
    const res = await (keysRoute.GET as Handler)(new Request(`${base}/api/v1/keys`), { params: Promise.resolve({}) });
    expect(res.status).toBe(200);
    const { keys } = (await res.json()) as { keys: { keyId: string; publicKeyPem: string; status: string }[] };
    const key = keys.find((k) => k.keyId === e.signatures[0]!.keyid)!;
    expect(key.status).toBe("current");
    expect(opensslVerifies(key.publicKeyPem, e)).toBe(true);
    expect(verify("sha256", paeOf(e), createPublicKey(key.publicKeyPem), Buffer.from(e.signatures[0]!.sig, "base64"))).toBe(true);
    // keyid = SHA-256 of the DER SubjectPublicKeyInfo, as openssl writes it.
    const der = execFileSync("openssl", ["pkey", "-pubin", "-outform", "DER"], { input: key.publicKeyPem });
    expect(sha256(der)).toBe(key.keyId);
    // The PEM form lists the same keys.
    const pem = await (keysRoute.GET as Handler)(new Request(`${base}/api/v1/keys?format=pem`), { params: Promise.resolve({}) });
    expect(pem.headers.get("content-type")).toBe("application/x-pem-file");
    expect(await pem.text()).toBe(keys.map((k) => k.publicKeyPem).join(""));
    // A changed byte anywhere in the payload breaks it.
    const body = Buffer.from(e.payload, "base64");
    body[body.indexOf("PASSED")] = "F".charCodeAt(0);
    expect(opensslVerifies(key.publicKeyPem, { ...e, payload: body.toString("base64") })).toBe(false);
  });

  it("is accepted by sigstore-js as a DSSE bundle signed with the published key", async () => {
    const d = await evaluateGateRequest(writer, { service, stage: "test", commit });
    const e = await envelopeOf(d.decisionId);
    const [key] = (await listSigningKeys(writer)).filter((k) => k.keyId === e.signatures[0]!.keyid);
    // A Sigstore bundle v0.3 carrying our envelope, with the public key as verification material (no log).
    const bundleOf = (dsseEnvelope: Envelope) =>
      bundleFromJSON({
        mediaType: "application/vnd.dev.sigstore.bundle.v0.3+json",
        verificationMaterial: {
          publicKey: { hint: key!.keyId },
          tlogEntries: [],
          timestampVerificationData: { rfc3161Timestamps: [] },
        },
        dsseEnvelope,
      });
    const trust = toTrustMaterial(
      { mediaType: "", certificateAuthorities: [], ctlogs: [], tlogs: [], timestampAuthorities: [] },
      {
        [key!.keyId]: {
          rawBytes: createPublicKey(key!.publicKeyPem).export({ type: "spki", format: "der" }),
          keyDetails: 5, // PKIX_ECDSA_P256_SHA_256
          validFor: { start: new Date(key!.validFrom) },
        },
      },
    );
    const verifier = new Verifier(trust, { tlogThreshold: 0, ctlogThreshold: 0, tsaThreshold: 0 });
    expect(() => verifier.verify(toSignedEntity(bundleOf(e)))).not.toThrow();
    const forged = { ...e, payload: Buffer.from(JSON.stringify({ ...statementOf(e), predicate: {} })).toString("base64") };
    expect(() => verifier.verify(toSignedEntity(bundleOf(forged)))).toThrow(/signature/i);
  });

  it("signs a block as FAILED, an artifact as its digest, and nothing for an abbreviated commit", async () => {
    const blocked = await evaluateGateRequest(writer, { service, stage: "production", commit: sha("unscanned") });
    expect(blocked.decision).toBe("block");
    const st = statementOf(await envelopeOf(blocked.decisionId));
    expect(st.predicate.verificationResult).toBe("FAILED");
    expect(st.predicate.verifiedLevels).toEqual(["FAILED"]);
    expect(st.predicate.inputAttestations).toEqual([]);

    const artifact = `sha256:${"ab".repeat(32)}`;
    const onArtifact = await evaluateGateRequest(writer, { service, stage: "dev", commit, artifact });
    expect(statementOf(await envelopeOf(onArtifact.decisionId)).subject[0]!.digest).toEqual({ sha256: "ab".repeat(32) });

    const short = await evaluateGateRequest(writer, { service, stage: "dev", commit: "abc1234" });
    expect(short.attestationUrl).toBeNull();
    await expect(getAttestation(writer, short.decisionId)).rejects.toThrow(/not found/);
  });

  it("serves the envelope under the decision's own authorization", async () => {
    const d = await evaluateGateRequest(writer, { service, stage: "dev", commit });
    const call = (auth?: string) =>
      (attestationRoute.GET as Handler)(
        new Request(`${base}/api/v1/gate/decisions/${d.decisionId}/attestation`, {
          headers: auth ? { authorization: auth } : {},
        }),
        { params: Promise.resolve({ id: d.decisionId }) },
      );
    const ok = await call(`Bearer ${writer.token}`);
    expect(ok.status).toBe(200);
    expect(ok.headers.get("content-type")).toBe("application/json");
    expect(await ok.text()).toBe(await getAttestation(writer, d.decisionId));
    expect((await call()).status).toBe(401);
    const other = await teamWithService(t.ctx());
    const theirs = await tokenContext(t.ctx(), { team: other.team.slug, scopes: ["gate:evaluate", "read"] });
    expect((await call(`Bearer ${theirs.token}`)).status).toBe(404);
    const uploader = await tokenContext(t.ctx(), { team, scopes: ["scans:write"] });
    expect((await call(`Bearer ${uploader.token}`)).status).toBe(403);
    const reader = await tokenContext(t.ctx(), { team, scopes: ["read"] });
    expect((await call(`Bearer ${reader.token}`)).status).toBe(200);
  });

  it("keeps attestations and published keys append-only", async () => {
    const d = await evaluateGateRequest(writer, { service, stage: "dev", commit });
    const db = t.db();
    const refused = async (q: ReturnType<typeof sql>) => {
      const err = await db.execute(q).then(
        () => null,
        (e: unknown) => e,
      );
      return rootMessage(err);
    };
    expect(await refused(sql`update gate_attestations set envelope = '{}' where decision_id = ${d.decisionId}`)).toMatch(
      /append-only/,
    );
    expect(await refused(sql`delete from gate_attestations where decision_id = ${d.decisionId}`)).toMatch(/append-only/);
    expect(await refused(sql`delete from signing_keys`)).toMatch(/only be retired/);
    expect(await refused(sql`update signing_keys set public_key_pem = 'x'`)).toMatch(/only be retired/);
    await db.execute(
      sql`insert into signing_keys (id, algorithm, public_key_pem, created_at, created_by) values ('k-test', 'x', 'pem', now(), 'test')`,
    );
    expect(await refused(sql`update signing_keys set retired_at = now() where id = 'k-test'`)).toBe("");
    expect(await refused(sql`update signing_keys set retired_at = now() where id = 'k-test'`)).toMatch(/only be retired/);
    const rows = await queryRows<{ n: number }>(
      db,
      sql`select count(*)::int as n from gate_attestations where decision_id = ${d.decisionId}`,
    );
    expect(rows[0]!.n).toBe(1);
  });

  it("rotates: old decisions still verify with the old public key, which stays published, valid until the rotation", async () => {
    const before = await evaluateGateRequest(writer, { service, stage: "test", commit });
    const oldEnvelope = await envelopeOf(before.decisionId);
    const oldFile = path.join(mkdtempSync(path.join(tmpdir(), "gatehouse-old-")), "old.pem");
    copyFileSync(signingKeySource().file, oldFile);
    await expect(rotateSigningKey(writer)).rejects.toThrow(/operator CLI/);
    const { previous, current } = await rotateSigningKey({ ...t.ctx(), actor: { type: "cli", label: "cli:test" } });
    expect(previous.keyId).toBe(oldEnvelope.signatures[0]!.keyid);
    expect(current.keyId).not.toBe(previous.keyId);
    expect(statSync(signingKeySource().file).mode & 0o777).toBe(0o600);

    const after = await evaluateGateRequest(writer, { service, stage: "test", commit });
    const newEnvelope = await envelopeOf(after.decisionId);
    expect(newEnvelope.signatures[0]!.keyid).toBe(current.keyId);

    const res = await (keysRoute.GET as Handler)(new Request(`${base}/api/v1/keys`), { params: Promise.resolve({}) });
    const { keys } = (await res.json()) as {
      keys: { keyId: string; publicKeyPem: string; validFrom: string; validUntil: string | null; status: string }[];
    };
    const old = keys.find((k) => k.keyId === previous.keyId)!;
    expect(old.status).toBe("retired");
    expect(new Date(old.validUntil!).getTime()).toBeGreaterThanOrEqual(new Date(before.evaluatedAt).getTime());
    expect(new Date(old.validUntil!).getTime()).toBeLessThanOrEqual(new Date(after.evaluatedAt).getTime());
    expect(opensslVerifies(old.publicKeyPem, oldEnvelope)).toBe(true);
    expect(opensslVerifies(old.publicKeyPem, newEnvelope)).toBe(false);
    expect(opensslVerifies(keys.find((k) => k.keyId === current.keyId)!.publicKeyPem, newEnvelope)).toBe(true);

    // An instance still holding the retired key refuses to sign, and the decision is not recorded either.
    const source = signingKeySource();
    configureSigning({ file: oldFile, shared: true });
    try {
      const count = async () =>
        (await queryRows<{ n: number }>(t.db(), sql`select count(*)::int as n from gate_decisions`))[0]!.n;
      const n = await count();
      await expect(evaluateGateRequest(writer, { service, stage: "test", commit })).rejects.toThrow(/retired/);
      expect(await count()).toBe(n);
    } finally {
      configureSigning(source);
    }
  });

  it("follows a shared key file: another instance's rotation is picked up at the next signature", async () => {
    const source = signingKeySource();
    const shared = path.join(mkdtempSync(path.join(tmpdir(), "gatehouse-shared-")), "gatehouse-signing.pem");
    configureSigning({ file: shared, shared: true });
    try {
      const first = await evaluateGateRequest(writer, { service, stage: "dev", commit });
      const k1 = (await envelopeOf(first.decisionId)).signatures[0]!.keyid;
      // What `keys rotate` on another host does to the shared file: a new key, renamed into place.
      const pem = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ type: "pkcs8", format: "pem" });
      writeFileSync(`${shared}.new`, pem, { mode: 0o600 });
      renameSync(`${shared}.new`, shared);
      const second = await evaluateGateRequest(writer, { service, stage: "dev", commit });
      const k2 = (await envelopeOf(second.decisionId)).signatures[0]!.keyid;
      expect(k2).not.toBe(k1);
      const listed = (await listSigningKeys(writer)).map((k) => k.keyId);
      expect(listed).toEqual(expect.arrayContaining([k1, k2]));
      // A shared file (a mounted secret, say) is not ours to chmod: it is reported in the log instead.
      chmodSync(shared, 0o640);
      await evaluateGateRequest(writer, { service, stage: "dev", commit });
      expect(statSync(shared).mode & 0o777).toBe(0o640);
    } finally {
      configureSigning(source);
    }
  });

  it("keeps the key file private: created 0600, and repaired when it was opened up", async () => {
    const source = signingKeySource();
    const dir = mkdtempSync(path.join(tmpdir(), "gatehouse-keyfile-"));
    const file = path.join(dir, "data", "signing-key.pem");
    configureSigning({ file, shared: false });
    try {
      const d = await evaluateGateRequest(writer, { service, stage: "dev", commit });
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(readFileSync(file, "utf8")).toMatch(/^-----BEGIN PRIVATE KEY-----/);
      chmodSync(file, 0o644);
      const again = await evaluateGateRequest(writer, { service, stage: "dev", commit });
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect((await envelopeOf(again.decisionId)).signatures[0]!.keyid).toBe(
        (await envelopeOf(d.decisionId)).signatures[0]!.keyid,
      );
      // Neither the database nor the audit trail ever holds the private key.
      const dump = await queryRows<{ t: string }>(
        t.db(),
        sql`select coalesce(string_agg(row_to_json(a)::text, ''), '') as t from (select * from audit_events) a`,
      );
      const keysDump = await queryRows<{ t: string }>(
        t.db(),
        sql`select string_agg(row_to_json(k)::text, '') as t from signing_keys k`,
      );
      expect(dump[0]!.t + keysDump[0]!.t).not.toMatch(/PRIVATE KEY/);
    } finally {
      configureSigning(source);
    }
  });
});
