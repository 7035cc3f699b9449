// `gatehouse verify`, the deploy side's offline check, run as a deploy job runs it: the real client on saved
// envelopes. Tampering with the payload, the signature, the subject or the result exits 1; errors exit 2.
import { generateKeyPairSync } from "node:crypto";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { envelopeOf, IN_TOTO_PAYLOAD_TYPE, preAuthEncoding, type DsseEnvelope } from "@/server/attestation/dsse";
import { parseSigningKey, signBytes, type SigningKey } from "@/server/attestation/signing-key";
import { buildVerificationSummary, type DecisionFacts } from "@/server/attestation/statement";
import { repoRoot, run, tempDir } from "@/tests/helpers/server";

const dir = tempDir("gatehouse-verify-");
const newKey = () =>
  parseSigningKey(
    generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ type: "pkcs8", format: "pem" }) as string,
    "k",
  );
const key = newKey();
const stranger = newKey();
const write = (name: string, content: string) => {
  const f = path.join(dir, name);
  writeFileSync(f, content);
  return f;
};
const pub = write("gatehouse.pub", key.publicKeyPem);
const digest = `sha256:${"4f1c".repeat(16)}`;
const commit = "9".repeat(40);

const facts = (over: Partial<DecisionFacts> = {}): DecisionFacts => ({
  publicUrl: "https://gatehouse.example.com",
  version: "0.1.0",
  decisionId: "dec_x",
  service: "checkout",
  stage: "production",
  commit,
  artifact: digest,
  decision: "allow",
  evaluatedAt: new Date(Date.now() - 60_000),
  policy: { stage: "production", version: 1, sha256: "0".repeat(64) },
  scans: [],
  ...over,
});

function sign(statement: unknown, by: SigningKey = key): DsseEnvelope {
  const body = new TextEncoder().encode(JSON.stringify(statement));
  return envelopeOf(IN_TOTO_PAYLOAD_TYPE, body, [
    { keyid: by.keyId, sig: signBytes(by, preAuthEncoding(IN_TOTO_PAYLOAD_TYPE, body)) },
  ]);
}
let n = 0;
const saved = (e: unknown) => write(`vsa-${n++}.json`, typeof e === "string" ? e : JSON.stringify(e));
const verify = (file: string, ...args: string[]) =>
  run(process.execPath, [path.join(repoRoot, "bin/gatehouse.mjs"), "verify", file, ...args], {});
const std = ["--key", pub, "--artifact", digest, "--stage", "production"];

const good = sign(buildVerificationSummary(facts()));
const payloadOf = (e: DsseEnvelope) => JSON.parse(Buffer.from(e.payload, "base64").toString("utf8")) as Record<string, unknown>;
const withPayload = (e: DsseEnvelope, p: unknown): DsseEnvelope => ({
  ...e,
  payload: Buffer.from(JSON.stringify(p)).toString("base64"),
});

describe("gatehouse verify", () => {
  it("exits 0 when the signature, subject, result, stage and age all hold", async () => {
    const r = await verify(
      saved(good),
      ...std,
      "--max-age-hours",
      "24",
      "--service",
      "checkout",
      "--verifier",
      "https://gatehouse.example.com/",
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/VERIFIED: sha256:4f1c.* may enter production/);
    const c = await verify(
      saved(sign(buildVerificationSummary(facts({ artifact: null })))),
      "--key",
      pub,
      "--commit",
      commit,
      "--stage",
      "production",
    );
    expect(c.code, c.stderr).toBe(0);
  });

  it("exits 1 when the payload was changed after signing (result, subject or anything else)", async () => {
    const p = payloadOf(good) as { predicate: Record<string, unknown>; subject: { digest: Record<string, string> }[] };
    const flipped = withPayload(good, {
      ...p,
      predicate: { ...p.predicate, verificationResult: "PASSED", verifiedLevels: ["GATEHOUSE_STAGE_PRODUCTION", "X"] },
    });
    const otherSubject = withPayload(good, { ...p, subject: [{ ...p.subject[0], digest: { sha256: "1".repeat(64) } }] });
    for (const e of [flipped, otherSubject]) {
      const r = await verify(saved(e), ...std);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/FAIL signature: no signature verifies/);
      expect(r.stderr).toMatch(/NOT VERIFIED: signature/);
    }
  });

  it("exits 1 when the signature was changed, or made by another key", async () => {
    const sig = Buffer.from(good.signatures[0]!.sig, "base64");
    sig[sig.length - 1]! ^= 1;
    const r = await verify(saved({ ...good, signatures: [{ ...good.signatures[0], sig: sig.toString("base64") }] }), ...std);
    expect(r.code).toBe(1);
    const other = await verify(saved(sign(buildVerificationSummary(facts()), stranger)), ...std);
    expect(other.code).toBe(1);
    expect(other.stderr).toMatch(/signature/);
    const none = await verify(saved({ ...good, signatures: [] }), ...std);
    expect(none.code).toBe(1);
  });

  it("exits 1, naming the check, for another artifact, a FAILED result, another stage or an old decision", async () => {
    const cases: [string, string[], RegExp][] = [
      [saved(good), ["--key", pub, "--artifact", `sha256:${"a".repeat(64)}`, "--stage", "production"], /NOT VERIFIED: subject$/m],
      [saved(sign(buildVerificationSummary(facts({ decision: "block" })))), std, /NOT VERIFIED: result, stage$/m],
      [saved(sign(buildVerificationSummary(facts({ stage: "test" })))), std, /NOT VERIFIED: stage$/m],
      [
        saved(sign(buildVerificationSummary(facts({ evaluatedAt: new Date(Date.now() - 30 * 3_600_000) })))),
        [...std, "--max-age-hours", "24"],
        /FAIL age: verified 30\.0 h ago \(at most 24 h\)/,
      ],
      [
        saved(sign(buildVerificationSummary(facts({ evaluatedAt: new Date(Date.now() + 3_600_000) })))),
        std,
        /NOT VERIFIED: age$/m,
      ],
      [saved(good), [...std, "--service", "payments"], /NOT VERIFIED: service$/m],
      [saved(good), [...std, "--verifier", "https://evil.example.com"], /NOT VERIFIED: verifier$/m],
      [saved(good), [...std, "--commit", "8".repeat(40)], /NOT VERIFIED: commit$/m],
      [saved(sign({ _type: "x" })), std, /NOT VERIFIED: statement, subject, result, stage, age$/m],
    ];
    for (const [file, args, pattern] of cases) {
      const r = await verify(file, ...args);
      expect(r.code, `${args.join(" ")}\n${r.stdout}${r.stderr}`).toBe(1);
      expect(r.stderr).toMatch(pattern);
    }
    const old = saved(sign(buildVerificationSummary(facts({ evaluatedAt: new Date(Date.now() - 30 * 3_600_000) }))));
    expect((await verify(old, ...std, "--max-age-hours", "48")).code).toBe(0);
  });

  it("checks the key's validity when given the JSON of /api/v1/keys", async () => {
    const at = Date.now() - 3_600_000;
    const keys = (from: number, until: number | null) =>
      write(
        `keys-${n++}.json`,
        JSON.stringify({
          keys: [
            {
              keyId: stranger.keyId,
              publicKeyPem: stranger.publicKeyPem,
              validFrom: new Date(0).toISOString(),
              validUntil: null,
            },
            {
              keyId: key.keyId,
              publicKeyPem: key.publicKeyPem,
              validFrom: new Date(from).toISOString(),
              validUntil: until ? new Date(until).toISOString() : null,
            },
          ],
        }),
      );
    const file = saved(sign(buildVerificationSummary(facts({ evaluatedAt: new Date(at) }))));
    const args = (k: string) => ["--key", k, "--artifact", digest, "--stage", "production"];
    expect((await verify(file, ...args(keys(at - 1000, at + 1000)))).code).toBe(0);
    expect((await verify(file, ...args(keys(at - 1000, null)))).code).toBe(0);
    const retired = await verify(file, ...args(keys(at - 10_000, at - 5000)));
    expect(retired.code).toBe(1);
    expect(retired.stderr).toMatch(/NOT VERIFIED: key validity/);
    // Several PEM keys in one file (every instance's, or current and retired) work too.
    expect((await verify(file, ...args(write("both.pub", stranger.publicKeyPem + key.publicKeyPem)))).code).toBe(0);
  });

  it("accepts URL-safe base64, as DSSE requires of verifiers, and prints JSON on request", async () => {
    const url = {
      ...good,
      payload: Buffer.from(good.payload, "base64").toString("base64url"),
      signatures: good.signatures.map((s) => ({ ...s, sig: Buffer.from(s.sig, "base64").toString("base64url") })),
    };
    const r = await verify(saved(url), ...std, "--json");
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { verified: boolean; checks: { name: string; ok: boolean }[] };
    expect(out.verified).toBe(true);
    expect(out.checks.map((c) => c.name)).toEqual(["signature", "statement", "subject", "result", "stage"]);
  });

  it("exits 2 on errors: no such file, not an envelope, no usable key, bad arguments", async () => {
    const cases: [string, string[], RegExp][] = [
      [path.join(dir, "missing.json"), std, /cannot read .*missing\.json/],
      [write("not-json.json", "{nope"), std, /cannot read .* as JSON/],
      [saved({ hello: "world" }), std, /not a DSSE envelope/],
      [
        saved(good),
        ["--key", path.join(dir, "missing.pub"), "--artifact", digest, "--stage", "production"],
        /cannot read the key file/,
      ],
      [
        saved(good),
        ["--key", write("empty.pub", "nothing here"), "--artifact", digest, "--stage", "production"],
        /no public key/,
      ],
      [
        saved(good),
        [
          "--key",
          write("bad.pub", "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"),
          "--artifact",
          digest,
          "--stage",
          "production",
        ],
        /cannot be read/,
      ],
      [saved(good), ["--key", pub, "--stage", "production"], /--artifact or --commit is required/],
      [saved(good), ["--key", pub, "--artifact", "sha256:abc", "--stage", "production"], /--artifact must be/],
      [saved(good), ["--key", pub, "--artifact", digest], /--stage is required/],
      [saved(good), [...std, "--max-age-hours", "soon"], /--max-age-hours must be/],
    ];
    for (const [file, args, pattern] of cases) {
      const r = await verify(file, ...args);
      expect(r.code, `${args.join(" ")}\n${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(pattern);
    }
  });
});
