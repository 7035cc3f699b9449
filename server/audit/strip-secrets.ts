// Secrets never leave in an audit export: hashes, passwords, tokens and secrets are dropped at any depth. Pure.

const SECRET_KEY = /(hash|password|secret|token|apikey|privatekey|credential)$/;

/** True for keys such as hash, passwordHash, secret_hash, token, clientSecret; not tokenId or displayPrefix. */
export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key.toLowerCase().replace(/[^a-z]/g, ""));
}

export function stripSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripSecrets);
  if (value && typeof value === "object") {
    // fromEntries defines own properties: a "__proto__" key stays data.
    return Object.fromEntries(
      Object.entries(value)
        .filter(([k]) => !isSecretKey(k))
        .map(([k, v]) => [k, stripSecrets(v)]),
    );
  }
  return value;
}
