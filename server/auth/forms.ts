// Shapes shared by the sign-in pages' forms and their server actions.

export type FormState = {
  /** a message for the whole form, announced to screen readers */
  error?: string;
  fieldErrors?: Record<string, string>;
  /** seconds until another sign-in attempt is accepted */
  retryAfter?: number;
  /** what the person typed (never a password), to fill the form again */
  values?: Record<string, string>;
};

/** Where to go after signing in: a path on this site only, never another origin. */
export function safeNext(value: unknown, fallback = "/"): string {
  if (typeof value !== "string" || !value.startsWith("/") || value.startsWith("//")) return fallback;
  // Browsers drop tabs and newlines and read a backslash as "/": either could turn a path into another origin.
  if ([...value].some((c) => c < " " || c === "\u007f" || c === "\\")) return fallback;
  if (value.startsWith("/sign-in") || value.startsWith("/sign-out") || value.startsWith("/setup")) return fallback;
  return value.slice(0, 2000);
}
