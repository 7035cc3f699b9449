import { z } from "zod";

export const slugSchema = z
  .string()
  .min(1)
  .max(63)
  .regex(/^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/, "lower-case letters, digits and inner dashes only");

/** A git commit hash, stored lower-cased. */
export const commitSchema = z
  .string()
  .regex(/^[0-9a-fA-F]{7,64}$/, "must be a git commit hash (7–64 hex characters)")
  .transform((s) => s.toLowerCase());

/** An image or artifact digest, stored lower-cased. */
export const artifactSchema = z
  .string()
  .regex(/^sha256:[0-9a-fA-F]{64}$/, "must be an image or artifact digest: sha256:<64 hex>")
  .transform((s) => s.toLowerCase());

// Text that reaches the database must be text PostgreSQL can store and people can read: no NUL (PostgreSQL refuses it
// in text and jsonb), no lone UTF-16 surrogates (not Unicode), and no other control characters where they make no sense.
// eslint-disable-next-line no-control-regex
const CONTROL_IN_LINE = /[\u0000-\u001f\u007f]/;
// eslint-disable-next-line no-control-regex
const CONTROL_IN_TEXT = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;
// eslint-disable-next-line no-control-regex
const CONTROL_IN_LINE_ALL = /[\u0000-\u001f\u007f]/g;

/** One line of text: no control characters at all, and well-formed Unicode. */
export const isCleanLine = (s: string): boolean => !CONTROL_IN_LINE.test(s) && s.isWellFormed();
/** Free text: tabs and line breaks allowed; no NUL or other control characters, and well-formed Unicode. */
export const isCleanText = (s: string): boolean => !CONTROL_IN_TEXT.test(s) && s.isWellFormed();

/** A trimmed, non-empty single line of at most `max` characters (names, branches, scanner names, ids). */
export const singleLineSchema = (max: number) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max)
    .refine(isCleanLine, "must be one line of text, without control characters (such as NUL) or invalid Unicode");

/** Trimmed, non-empty free text of at most `max` characters (reasons, comments). */
export const multilineTextSchema = (max: number) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max)
    .refine(isCleanText, "must be text without control characters (such as NUL) or invalid Unicode");

/** A git branch or ref name as a pipeline reports it. */
export const branchSchema = singleLineSchema(250);

export type UnsafeValue = { path: string; problem: string };

/**
 * The first place in a decoded request (JSON body, tRPC input) that no handler should ever see: a string or key with a
 * NUL or a lone surrogate, nesting deeper than maxDepth, or more than maxNodes values in all. Undefined when clean.
 */
export function findUnsafeValue(value: unknown, opts: { maxDepth?: number; maxNodes?: number } = {}): UnsafeValue | undefined {
  const maxDepth = opts.maxDepth ?? 64;
  const maxNodes = opts.maxNodes ?? 1_000_000;
  let nodes = 0;
  const bad = (s: string) => s.includes("\u0000") || !s.isWellFormed();
  // The path goes into an error message: printable, whatever the keys were.
  const printable = (p: string) => p.toWellFormed().replace(CONTROL_IN_LINE_ALL, "?").slice(0, 200);
  // Iterative, so that the check itself cannot overflow the stack on a deep value.
  const stack: { v: unknown; path: string; depth: number }[] = [{ v: value, path: "", depth: 0 }];
  while (stack.length) {
    const { v, path, depth } = stack.pop()!;
    if (++nodes > maxNodes) return { path: printable(path), problem: `more than ${maxNodes} values` };
    if (typeof v === "string") {
      if (bad(v)) return { path: printable(path), problem: "a NUL character or invalid Unicode" };
      continue;
    }
    if (v === null || typeof v !== "object") continue;
    if (depth >= maxDepth) return { path: printable(path), problem: `nested deeper than ${maxDepth} levels` };
    if (Array.isArray(v)) {
      v.forEach((item, i) => stack.push({ v: item, path: `${path}[${i}]`, depth: depth + 1 }));
      continue;
    }
    for (const [k, item] of Object.entries(v as Record<string, unknown>)) {
      const p = path ? `${path}.${k}` : k;
      if (bad(k)) return { path: printable(p), problem: "a key with a NUL character or invalid Unicode" };
      stack.push({ v: item, path: p, depth: depth + 1 });
    }
  }
  return undefined;
}
