import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { signDelivery, verifyDelivery } from "@/server/audit/webhook-signature";

const secret = "a-webhook-secret-of-at-least-32-characters";
const body = JSON.stringify({ events: [{ id: "aud_1", action: "policy.set" }] });

describe("audit webhook signatures", () => {
  it("is HMAC-SHA256 over '<timestamp>.<body>', hex, with a version prefix", () => {
    const expected = createHmac("sha256", secret).update(`1764115200.${body}`).digest("hex");
    expect(signDelivery(secret, 1764115200, body)).toBe(`v1=${expected}`);
  });

  it("verifies a fresh delivery and refuses a changed body, another secret, a replay and a missing header", () => {
    const ts = 1764115200;
    const signature = signDelivery(secret, ts, body);
    const headers = { signature, timestamp: String(ts) };
    expect(verifyDelivery(secret, headers, body, ts + 10)).toBe(true);
    expect(verifyDelivery(secret, headers, body.replace("policy.set", "policy.get"), ts)).toBe(false);
    expect(verifyDelivery(`${secret}x`, headers, body, ts)).toBe(false);
    expect(verifyDelivery(secret, headers, body, ts + 301)).toBe(false);
    expect(verifyDelivery(secret, { signature: null, timestamp: String(ts) }, body, ts)).toBe(false);
    expect(verifyDelivery(secret, { signature, timestamp: "soon" }, body, ts)).toBe(false);
    expect(verifyDelivery(secret, { signature: signature.slice(0, -1), timestamp: String(ts) }, body, ts)).toBe(false);
  });
});
