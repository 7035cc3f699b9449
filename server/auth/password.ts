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

// The common-password list of zxcvbn-ts (its "passwords-common" dictionary, ~49,000 passwords seen in breaches, MIT),
// loaded on first use: it is a large module that sign-in itself never needs.
let common: Promise<Set<string>> | undefined;
const commonPasswords = () =>
  (common ??= import("@zxcvbn-ts/language-common").then((m) => new Set(m.dictionary["passwords-common"])));

/**
 * Why a new password is refused, or null (NIST SP 800-63B 3.1.1.2: compare new passwords against breached and
 * commonly used values and context-specific words). Length is passwordSchema's job; this checks what length does not:
 * a password on the common-password list (also with digits or symbols only added around it) or one that contains the
 * account's email name.
 */
export async function passwordProblem(password: string, email: string): Promise<string | null> {
  const lower = password.toLowerCase();
  const list = await commonPasswords();
  const core = lower.replace(/^[^\p{L}]+|[^\p{L}]+$/gu, "");
  if (list.has(lower) || (core.length >= 4 && list.has(core)))
    return "is on a list of commonly used passwords (attackers try those first); choose another";
  const local = email.split("@")[0]!.toLowerCase();
  if (local.length >= 3 && lower.includes(local)) return "must not contain your email address's name; choose another";
  if (lower.includes("gatehouse")) return "must not contain the name of this service; choose another";
  return null;
}
