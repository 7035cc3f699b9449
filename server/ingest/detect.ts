// Which format a decoded report is: from its content, or checked against the format the caller named.
import { DomainError } from "../errors";
import { FORMAT_ALIASES, FORMAT_IDS, FORMATS, formatById } from "./formats";
import type { Document, FormatModule } from "./types";

export const SUPPORTED_FORMATS: readonly string[] = FORMAT_IDS;

function unsupported(message: string): DomainError {
  return new DomainError("unsupported_media_type", message, "unsupported-format", { supportedFormats: SUPPORTED_FORMATS });
}

/** `[]`, `null`, `{}` and the like: valid output of several tools, impossible to attribute. */
export function isAmbiguousEmpty(doc: Document): boolean {
  if (doc.type !== "json") return false;
  const v = doc.value;
  if (v === null) return true;
  if (Array.isArray(v)) return v.length === 0;
  if (typeof v === "object") {
    const keys = Object.keys(v as object);
    return keys.length === 0 || (keys.length === 1 && keys[0] === "results" && (v as { results: unknown }).results === null);
  }
  return false;
}

export function resolveRequestedFormats(requested: string): FormatModule[] {
  const key = requested.trim().toLowerCase();
  const own = formatById(key);
  const formats = FORMAT_ALIASES.get(key) ?? (own ? [own] : undefined);
  if (!formats)
    throw unsupported(`Unknown format "${requested}". Supported formats: ${SUPPORTED_FORMATS.join(", ")}, or "auto".`);
  return [...formats];
}

export function detectFormat(doc: Document, requested?: string): FormatModule {
  const explicit = requested && requested.toLowerCase() !== "auto" ? resolveRequestedFormats(requested) : undefined;
  if (explicit) {
    const hit = explicit.find((f) => f.detect(doc));
    if (hit) return hit;
    if (isAmbiguousEmpty(doc) && explicit.length >= 1) return explicit[0]!;
    const actual = FORMATS.find((f) => f.detect(doc));
    throw new DomainError(
      "unprocessable",
      `The report is not ${explicit.map((f) => f.name).join(" or ")}${actual ? ` (it looks like ${actual.name}; use format=${actual.id} or auto)` : ""}.`,
      "format-mismatch",
      { supportedFormats: SUPPORTED_FORMATS },
    );
  }
  const found = FORMATS.find((f) => f.detect(doc));
  if (found) return found;
  if (doc.type === "yaml") {
    throw unsupported(
      "YAML is read only as a pipeline definition (a GitHub Actions workflow or action.yml, or a .gitlab-ci.yml), and this one is neither.",
    );
  }
  if (isAmbiguousEmpty(doc)) {
    throw new DomainError(
      "unprocessable",
      "The report is empty in a way several tools write it ([], null or {}); name its format with format=<id>.",
      "ambiguous-report",
      { supportedFormats: SUPPORTED_FORMATS },
    );
  }
  throw unsupported(`The report's format was not recognized. Supported formats: ${SUPPORTED_FORMATS.join(", ")}.`);
}
