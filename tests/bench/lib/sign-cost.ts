// What signing one decision costs: the DSSE pre-authentication encoding of a VSA-sized payload, signed with the
// active key (ECDSA P-256), in milliseconds per signature.
import { preAuthEncoding, IN_TOTO_PAYLOAD_TYPE } from "@/server/attestation/dsse";
import { signBytes } from "@/server/attestation/signing-key";
import { activeSigningKey } from "@/server/attestation/signing-keys";

export function signCost(n = 2000): number {
  const key = activeSigningKey();
  const body = new TextEncoder().encode(JSON.stringify({ payload: "x".repeat(1500) }));
  for (let i = 0; i < 100; i++) signBytes(key, preAuthEncoding(IN_TOTO_PAYLOAD_TYPE, body));
  const t0 = performance.now();
  for (let i = 0; i < n; i++) signBytes(key, preAuthEncoding(IN_TOTO_PAYLOAD_TYPE, body));
  return (performance.now() - t0) / n;
}
