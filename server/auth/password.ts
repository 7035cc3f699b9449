// Password hashing: argon2id with OWASP's minimum parameters (19 MiB, 2 passes, 1 lane).
import { hash, verify, type Algorithm } from "@node-rs/argon2";
import { z } from "zod";

export const PASSWORD_MIN = 12;
// argon2 takes any length; a cap keeps a megabyte "password" from being a cheap denial of service.
export const PASSWORD_MAX = 256;

export const passwordSchema = z
  .string()
  .min(PASSWORD_MIN, `must be at least ${PASSWORD_MIN} characters`)
  .max(PASSWORD_MAX, `must be at most ${PASSWORD_MAX} characters`);

const OPTIONS = { algorithm: 2 as Algorithm /* Argon2id */, memoryCost: 19_456, timeCost: 2, parallelism: 1 };

export function hashPassword(password: string): Promise<string> {
  return hash(password, OPTIONS);
}

// Verified against when the account does not exist, so that unknown emails take as long as wrong passwords.
let dummy: Promise<string> | undefined;

/** True when password matches stored; a null or malformed stored hash never matches (but costs the same). */
export async function verifyPassword(stored: string | null | undefined, password: string): Promise<boolean> {
  if (password.length > PASSWORD_MAX) return false;
  if (!stored?.startsWith("$argon2")) {
    dummy ??= hashPassword("gatehouse-timing-equalizer");
    await verify(await dummy, password).catch(() => false);
    return false;
  }
  try {
    return await verify(stored, password);
  } catch {
    return false;
  }
}
