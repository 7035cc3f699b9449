// RFC 8785 JSON Canonicalization Scheme (JCS): the bytes Gatehouse hashes to name a policy document.
// ECMAScript's own serialization of strings and numbers is what JCS specifies; keys sort by UTF-16 code units.

/** The JCS text of a JSON value. Throws on values JSON cannot carry (NaN, Infinity, undefined, functions…). */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === "boolean" || typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new TypeError(`JCS: ${value} is not a JSON number`);
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v)).join(",")}]`;
  if (typeof value === "object") {
    const obj = value as Record<string, unknown>;
    // Default sort compares UTF-16 code units, exactly as RFC 8785 §3.2.3 asks.
    const keys = Object.keys(obj)
      .filter((k) => obj[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(",")}}`;
  }
  throw new TypeError(`JCS: a ${typeof value} is not JSON`);
}
