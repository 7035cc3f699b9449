// One error vocabulary for every transport: REST maps it to problem+json, tRPC to its codes, the CLI to exit codes.

export type ErrorCode =
  | "bad_request"
  | "unauthorized"
  | "forbidden"
  | "not_found"
  | "conflict"
  | "payload_too_large"
  | "unsupported_media_type"
  | "unprocessable"
  | "rate_limited"
  | "unavailable";

export const HTTP_STATUS: Record<ErrorCode, number> = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  unprocessable: 422,
  rate_limited: 429,
  unavailable: 503,
};

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** stable machine-readable problem type, e.g. "malformed-report" */
    readonly type: string = code.replace(/_/g, "-"),
    /** extra, safe-to-show members of the problem document */
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = "DomainError";
  }
}

export const notFound = (what: string) => new DomainError("not_found", `${what} was not found.`);
export const conflict = (message: string, type = "conflict") => new DomainError("conflict", message, type);
export const validation = (message: string, extra: Record<string, unknown> = {}, type = "validation-error") =>
  new DomainError("bad_request", message, type, extra);
export const forbidden = (message = "This credential may not do that.") => new DomainError("forbidden", message);
export const unauthorized = (message = "A valid credential is required.") => new DomainError("unauthorized", message);
