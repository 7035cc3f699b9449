// Prefixed, time-sortable ids that say what they are: svc_…, scan_…, fnd_…, dec_…, tok_….
import { randomBytes } from "node:crypto";

export const ID_PREFIXES = {
  team: "team",
  service: "svc",
  stage: "stg",
  audit: "aud",
  scan: "scan",
  finding: "fnd",
  token: "tok",
  decision: "dec",
  policy: "pol",
  waiver: "wvr",
  deployment: "dep",
  user: "usr",
} as const;

export type IdKind = keyof typeof ID_PREFIXES;

const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"; // Crockford base32, lower case

function base32(bytes: Uint8Array): string {
  let out = "";
  let bits = 0;
  let value = 0;
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return out;
}

/** 48 bits of milliseconds then 80 random bits: sorts by creation time, unguessable. */
export function newId(kind: IdKind, now: number = Date.now()): string {
  const buf = new Uint8Array(16);
  let t = now;
  for (let i = 5; i >= 0; i--) {
    buf[i] = t % 256;
    t = Math.floor(t / 256);
  }
  buf.set(randomBytes(10), 6);
  return `${ID_PREFIXES[kind]}_${base32(buf)}`;
}

export function isId(kind: IdKind, value: string): boolean {
  return new RegExp(`^${ID_PREFIXES[kind]}_[0-9a-z]{26}$`).test(value);
}
