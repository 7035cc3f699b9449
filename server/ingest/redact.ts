// Secrets found in reports are never stored: only a salted hash (for dedup) and a masked preview.
import type { RedactedSecret } from "./types";

/** Masked preview: at most the first 4 characters of a long secret, never more than a quarter of it. */
export function maskSecret(secret: string): string {
  const s = secret.trim();
  const shown = s.length >= 16 ? 4 : s.length >= 8 ? 2 : 0;
  return `${s.slice(0, shown)}${"*".repeat(8)}`;
}

/**
 * Builds the redactor parsers receive. `hmac(key, text)` is injected (node:crypto in the server),
 * so this module stays pure.
 */
export function makeRedactor(salt: string, hmac: (key: string, text: string) => string): (secret: string) => RedactedSecret {
  return (secret: string) => ({ hash: hmac(salt, secret.trim()), preview: maskSecret(secret) });
}

/** Replaces every occurrence of `secret` inside `text` (a Match line, a snippet) with its preview. */
export function maskSecretIn(text: string, secret: string): string {
  const s = secret.trim();
  if (s.length < 4) return text;
  return text.split(s).join(maskSecret(s));
}
