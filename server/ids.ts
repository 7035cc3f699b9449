// Prefixed, time-sortable ids that say what they are: svc_…, scan_…, fnd_…, dec_…, tok_….
import { randomFillSync } from "node:crypto";

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
  session: "ses",
  setup: "stp",
  subscription: "sub",
  event: "evt",
  delivery: "msg",
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

/** Random bytes drawn from the system's CSPRNG 4 KiB at a time: a draw per id cost more than the rest of newId. */
const pool = Buffer.alloc(4096);
let pooled = 0;
function randomPart(): Uint8Array {
  if (pooled < 10) {
    randomFillSync(pool);
    pooled = pool.length;
  }
  pooled -= 10;
  return pool.subarray(pooled, pooled + 10);
}

let lastTime = -1;
const lastRandom = new Uint8Array(10);

/**
 * 48 bits of milliseconds then 80 random bits: sorts by creation time, unguessable. Within one
 * millisecond the random part counts up (as ULIDs do), so ids made in order sort in order.
 */
export function newId(kind: IdKind, now: number = Date.now()): string {
  const buf = new Uint8Array(16);
  let t = now;
  for (let i = 5; i >= 0; i--) {
    buf[i] = t % 256;
    t = Math.floor(t / 256);
  }
  if (now === lastTime) {
    for (let i = 9; i >= 0; i--) {
      lastRandom[i] = (lastRandom[i]! + 1) & 0xff;
      if (lastRandom[i] !== 0) break;
    }
  } else {
    lastTime = now;
    lastRandom.set(randomPart());
    lastRandom[0]! &= 0x7f; // headroom so that counting up never wraps
  }
  buf.set(lastRandom, 6);
  return `${ID_PREFIXES[kind]}_${base32(buf)}`;
}

export function isId(kind: IdKind, value: string): boolean {
  return new RegExp(`^${ID_PREFIXES[kind]}_[0-9a-z]{26}$`).test(value);
}
