// Signatures of the audit webhook: HMAC-SHA256 over "<unix seconds>.<body>", as Stripe and Slack sign theirs,
// so that a receiver can check both who sent a delivery and that it is recent (no replays).
import { createHmac, timingSafeEqual } from "node:crypto";

export const SIGNATURE_HEADER = "x-gatehouse-signature";
export const TIMESTAMP_HEADER = "x-gatehouse-timestamp";
export const DELIVERY_HEADER = "x-gatehouse-delivery";

export function signDelivery(secret: string, timestamp: number, body: string): string {
  return `v1=${createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex")}`;
}

/** What a receiver does: the signature matches and the timestamp is within `toleranceSeconds` of `nowSeconds`. */
export function verifyDelivery(
  secret: string,
  headers: { signature: string | null; timestamp: string | null },
  body: string,
  nowSeconds: number,
  toleranceSeconds = 300,
): boolean {
  const ts = Number(headers.timestamp);
  if (!headers.signature || !Number.isInteger(ts) || Math.abs(nowSeconds - ts) > toleranceSeconds) return false;
  const expected = Buffer.from(signDelivery(secret, ts, body));
  const given = Buffer.from(headers.signature);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
