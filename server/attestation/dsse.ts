// DSSE v1 (Dead Simple Signing Envelope): the pre-authentication encoding that is signed, and the JSON envelope.
// https://github.com/secure-systems-lab/dsse/blob/v1.0.2/protocol.md

export const IN_TOTO_PAYLOAD_TYPE = "application/vnd.in-toto+json";

export type DsseSignature = { keyid: string; sig: string };
export type DsseEnvelope = { payloadType: string; payload: string; signatures: DsseSignature[] };

const encoder = new TextEncoder();

/** PAE(type, body) = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body, lengths in bytes, in ASCII decimal. */
export function preAuthEncoding(payloadType: string, body: Uint8Array): Uint8Array {
  const type = encoder.encode(payloadType);
  const head = encoder.encode(`DSSEv1 ${type.length} `);
  const mid = encoder.encode(` ${body.length} `);
  const out = new Uint8Array(head.length + type.length + mid.length + body.length);
  out.set(head, 0);
  out.set(type, head.length);
  out.set(mid, head.length + type.length);
  out.set(body, head.length + type.length + mid.length);
  return out;
}

/** Standard base64 with padding (verifiers must accept it and the URL-safe form alike). */
export const toBase64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString("base64");

/** The envelope of one signed payload: what `GET …/attestation` serves and `gatehouse verify` reads. */
export function envelopeOf(payloadType: string, body: Uint8Array, signatures: { keyid: string; sig: Uint8Array }[]) {
  const envelope: DsseEnvelope = {
    payloadType,
    payload: toBase64(body),
    signatures: signatures.map((s) => ({ keyid: s.keyid, sig: toBase64(s.sig) })),
  };
  return envelope;
}
