// Signed decisions, pure parts: the DSSE pre-authentication encoding against the specification's own test
// vector, RFC 8785 canonical JSON against its published examples, the VSA statement, and signatures checked
// by an implementation other than the signer's (@noble/curves, pure JavaScript, against Node's OpenSSL).
import { createPublicKey, generateKeyPairSync, verify } from "node:crypto";
import { p256 } from "@noble/curves/nist.js";
import { describe, expect, it } from "vitest";
import { canonicalJson } from "@/server/attestation/canonical-json";
import { envelopeOf, IN_TOTO_PAYLOAD_TYPE, preAuthEncoding } from "@/server/attestation/dsse";
import { keyIdOf, parseSigningKey, signBytes } from "@/server/attestation/signing-key";
import { buildVerificationSummary, isAttestable, stageLevel, type DecisionFacts } from "@/server/attestation/statement";

const utf8 = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array) => Buffer.from(b).toString("latin1");

// DSSE protocol.md, "Test Vectors": ECDSA P-256/SHA-256, deterministic (RFC 6979), raw r||s.
const SPEC = {
  type: "http://example.com/HelloWorld",
  body: "hello world",
  pae: "DSSEv1 29 http://example.com/HelloWorld 11 hello world",
  x: 46950820868899156662930047687818585632848591499744589407958293238635476079160n,
  y: 5640078356564379163099075877009565129882514886557779369047442380624545832820n,
  d: 97358161215184420915383655311931858321456579547487070936769975997791359926199n,
  envelope: {
    payload: "aGVsbG8gd29ybGQ=",
    payloadType: "http://example.com/HelloWorld",
    signatures: [{ sig: "A3JqsQGtVsJ2O2xqrI5IcnXip5GToJ3F+FnZ+O88SjtR6rDAajabZKciJTfUiHqJPcIAriEGAHTVeCUjW2JIZA==" }],
  },
};
const bytes32 = (n: bigint) => Buffer.from(n.toString(16).padStart(64, "0"), "hex");
const b64url = (b: Buffer) => b.toString("base64url");

describe("DSSE pre-authentication encoding", () => {
  it("is byte for byte the specification's example", () => {
    expect(text(preAuthEncoding(SPEC.type, utf8(SPEC.body)))).toBe(SPEC.pae);
  });

  it("counts bytes, not characters, and keeps an empty body's trailing space", () => {
    expect(text(preAuthEncoding("application/vnd.exämple+json", utf8("{}")))).toBe(
      Buffer.from("DSSEv1 29 application/vnd.exämple+json 2 {}", "utf8").toString("latin1"),
    );
    expect(text(preAuthEncoding(IN_TOTO_PAYLOAD_TYPE, new Uint8Array()))).toBe("DSSEv1 28 application/vnd.in-toto+json 0 ");
  });

  it("is what the specification's key signed: its signature verifies over our encoding (Node's OpenSSL)", () => {
    const key = createPublicKey({
      key: { kty: "EC", crv: "P-256", x: b64url(bytes32(SPEC.x)), y: b64url(bytes32(SPEC.y)) },
      format: "jwk",
    });
    const message = preAuthEncoding(SPEC.envelope.payloadType, Buffer.from(SPEC.envelope.payload, "base64"));
    const sig = Buffer.from(SPEC.envelope.signatures[0]!.sig, "base64");
    expect(verify("sha256", message, { key, dsaEncoding: "ieee-p1363" }, sig)).toBe(true);
    expect(verify("sha256", utf8(`${SPEC.pae} `), { key, dsaEncoding: "ieee-p1363" }, sig)).toBe(false);
  });

  it("reproduces the specification's deterministic signature exactly (@noble/curves, RFC 6979)", () => {
    const sig = p256.sign(preAuthEncoding(SPEC.type, utf8(SPEC.body)), bytes32(SPEC.d), { format: "compact" });
    expect(Buffer.from(sig).toString("base64")).toBe(SPEC.envelope.signatures[0]!.sig);
  });

  it("builds the JSON envelope with standard base64", () => {
    const env = envelopeOf(SPEC.type, utf8(SPEC.body), [
      { keyid: "k", sig: Buffer.from(SPEC.envelope.signatures[0]!.sig, "base64") },
    ]);
    expect(env).toEqual({ ...SPEC.envelope, signatures: [{ keyid: "k", sig: SPEC.envelope.signatures[0]!.sig }] });
  });
});

describe("RFC 8785 canonical JSON", () => {
  it("serializes primitives as ECMAScript does (RFC 8785 §3.2.2 example)", () => {
    const input = JSON.parse(
      '{"numbers": [1E30, 4.50, 333333333.33333329, 2e-3, 0.000000000000000000000000001],' +
        '"escaping": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/", "literals": [null, true, false]}',
    ) as unknown;
    expect(canonicalJson(input)).toBe(
      '{"escaping":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/","literals":[null,true,false],"numbers":[1e+30,4.5,333333333.3333333,0.002,1e-27]}',
    );
  });

  it("sorts properties by UTF-16 code units (RFC 8785 §3.2.3 example)", () => {
    const input = JSON.parse(
      '{"\\u20ac": "Euro Sign", "\\r": "Carriage Return", "\\ufb33": "Hebrew Letter Dalet With Dagesh", "1": "One",' +
        '"\\ud83d\\ude00": "Emoji: Grinning Face", "\\u0080": "Control", "\\u00f6": "Latin Small Letter O With Diaeresis"}',
    ) as unknown;
    expect(canonicalJson(input)).toBe(
      '{"\\r":"Carriage Return","1":"One","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis",' +
        '"\u20ac":"Euro Sign","\ud83d\ude00":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
    );
    expect(canonicalJson({ b: [{ d: 1, c: 2 }], a: "x" })).toBe('{"a":"x","b":[{"c":2,"d":1}]}');
  });

  it("refuses what JSON cannot carry", () => {
    expect(() => canonicalJson({ a: Number.NaN })).toThrow(/not a JSON number/);
    expect(() => canonicalJson([Infinity])).toThrow();
    expect(() => canonicalJson({ f: () => 1 } as unknown)).toThrow();
    expect(canonicalJson({ gone: undefined, kept: null })).toBe('{"kept":null}');
  });
});

const facts = (over: Partial<DecisionFacts> = {}): DecisionFacts => ({
  publicUrl: "https://gatehouse.example.com",
  version: "1.2.3",
  decisionId: "dec_01",
  service: "checkout",
  stage: "pre-prod",
  commit: "a".repeat(40),
  artifact: `sha256:${"b".repeat(64)}`,
  decision: "allow",
  evaluatedAt: new Date("2025-03-04T05:06:07.089Z"),
  policy: { stage: "pre-prod", version: 3, sha256: "c".repeat(64) },
  scans: [
    { id: "scan_2", tool: "trivy", format: "trivy", reportSha256: "e".repeat(64) },
    { id: "scan_1", tool: "semgrep", format: "sarif", reportSha256: "d".repeat(64) },
  ],
  ...over,
});

describe("the VSA statement of a decision", () => {
  it("follows in-toto Statement v1 and SLSA VSA v1, field by field", () => {
    expect(buildVerificationSummary(facts())).toEqual({
      _type: "https://in-toto.io/Statement/v1",
      subject: [
        {
          name: "checkout",
          digest: { sha256: "b".repeat(64) },
          annotations: {
            decisionId: "dec_01",
            decisionUrl: "https://gatehouse.example.com/api/v1/gate/decisions/dec_01",
            service: "checkout",
            stage: "pre-prod",
            commit: "a".repeat(40),
          },
        },
      ],
      predicateType: "https://slsa.dev/verification_summary/v1",
      predicate: {
        verifier: { id: "https://gatehouse.example.com", version: { gatehouse: "1.2.3" } },
        timeVerified: "2025-03-04T05:06:07.089Z",
        resourceUri: "https://gatehouse.example.com/services/checkout",
        policy: {
          uri: "https://gatehouse.example.com/api/v1/policies/pre-prod?version=3",
          digest: { sha256: "c".repeat(64) },
        },
        inputAttestations: [
          {
            name: "scan_1",
            uri: "https://gatehouse.example.com/api/v1/scans/scan_1",
            digest: { sha256: "d".repeat(64) },
            annotations: { tool: "semgrep", format: "sarif" },
          },
          {
            name: "scan_2",
            uri: "https://gatehouse.example.com/api/v1/scans/scan_2",
            digest: { sha256: "e".repeat(64) },
            annotations: { tool: "trivy", format: "trivy" },
          },
        ],
        verificationResult: "PASSED",
        verifiedLevels: ["GATEHOUSE_STAGE_PRE_PROD"],
      },
    });
  });

  it("names the commit when no artifact was given, and says FAILED for a block", () => {
    const st = buildVerificationSummary(facts({ artifact: null, decision: "block", commit: "f".repeat(64) }));
    expect(st.subject[0]!.digest).toEqual({ gitCommit: "f".repeat(64) });
    expect(st.predicate.verificationResult).toBe("FAILED");
    expect(st.predicate.verifiedLevels).toEqual(["FAILED"]);
  });

  it("attests only what a digest can name", () => {
    expect(isAttestable("abc1234", null)).toBe(false);
    expect(isAttestable("abc1234", `sha256:${"0".repeat(64)}`)).toBe(true);
    expect(isAttestable("0".repeat(40), null)).toBe(true);
    expect(() => buildVerificationSummary(facts({ commit: "abc1234", artifact: null }))).toThrow(/full commit/);
    expect(stageLevel("production")).toBe("GATEHOUSE_STAGE_PRODUCTION");
  });
});

describe("signatures", () => {
  const pem = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ type: "pkcs8", format: "pem" }) as string;
  const key = parseSigningKey(pem, "test.pem");

  it("verify with @noble/curves (pure JavaScript) and with Node's crypto, over the PAE bytes only", () => {
    const message = preAuthEncoding(IN_TOTO_PAYLOAD_TYPE, utf8('{"_type":"https://in-toto.io/Statement/v1"}'));
    const sig = signBytes(key, message);
    const jwk = createPublicKey(key.publicKeyPem).export({ format: "jwk" });
    const point = Buffer.concat([Buffer.from([4]), Buffer.from(jwk.x!, "base64url"), Buffer.from(jwk.y!, "base64url")]);
    expect(p256.verify(sig, message, point, { format: "der", lowS: false })).toBe(true);
    expect(verify("sha256", message, createPublicKey(key.publicKeyPem), sig)).toBe(true);
    const other = Uint8Array.from(message);
    other[other.length - 2] = other[other.length - 2]! ^ 1;
    expect(p256.verify(sig, other, point, { format: "der", lowS: false })).toBe(false);
  });

  it("name the key by the SHA-256 of its DER SubjectPublicKeyInfo", () => {
    const der = createPublicKey(key.publicKeyPem).export({ type: "spki", format: "der" });
    expect(key.keyId).toMatch(/^[0-9a-f]{64}$/);
    expect(keyIdOf(createPublicKey(key.publicKeyPem))).toBe(key.keyId);
    expect(der.length).toBe(91);
  });

  it("refuse a key that is not ECDSA P-256", () => {
    const ed = generateKeyPairSync("ed25519").privateKey.export({ type: "pkcs8", format: "pem" }) as string;
    expect(() => parseSigningKey(ed, "ed.pem")).toThrow(/ECDSA P-256/);
    expect(() => parseSigningKey("not a key", "x.pem")).toThrow(/PEM private key/);
  });
});
