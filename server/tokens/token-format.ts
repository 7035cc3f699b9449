// Machine tokens look like GitHub's: a recognizable prefix, random bytes and a checksum, so that secret
// scanners can spot a leaked one and a typo is refused without a database look-up.
import { createHash, randomBytes } from "node:crypto";

export const TOKEN_PREFIX = "gth_";
const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const BODY_LENGTH = 30; // ≈178 bits
const CHECKSUM_LENGTH = 6;

function toBase62(n: number, width: number): string {
  let out = "";
  let v = n >>> 0;
  for (let i = 0; i < width; i++) {
    out = BASE62[v % 62]! + out;
    v = Math.floor(v / 62);
  }
  return out;
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

export function crc32(s: string): number {
  let c = 0xffffffff;
  for (let i = 0; i < s.length; i++) c = CRC_TABLE[(c ^ s.charCodeAt(i)) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

export function generateToken(): string {
  const bytes = randomBytes(BODY_LENGTH);
  let body = "";
  // 62*4 = 248: reject bytes ≥ 248 to keep the alphabet uniform.
  for (let i = 0; body.length < BODY_LENGTH; i++) {
    if (i >= bytes.length) return generateToken();
    const b = bytes[i]!;
    if (b < 248) body += BASE62[b % 62];
  }
  return `${TOKEN_PREFIX}${body}${toBase62(crc32(body), CHECKSUM_LENGTH)}`;
}

const TOKEN_SHAPE = new RegExp(`^${TOKEN_PREFIX}[0-9A-Za-z]{${BODY_LENGTH + CHECKSUM_LENGTH}}$`);

/** True when the string is shaped like a Gatehouse token and its checksum matches. */
export function isWellFormedToken(token: string): boolean {
  if (!TOKEN_SHAPE.test(token)) return false;
  const body = token.slice(TOKEN_PREFIX.length, TOKEN_PREFIX.length + BODY_LENGTH);
  return token.slice(-CHECKSUM_LENGTH) === toBase62(crc32(body), CHECKSUM_LENGTH);
}

/** Tokens carry ≥170 bits of entropy, so a plain sha256 is a sound one-way lookup key. */
export const hashToken = (token: string): string => createHash("sha256").update(token).digest("hex");

export const displayPrefix = (token: string): string => token.slice(0, TOKEN_PREFIX.length + 6);
