// RFC 9457 problem details: the one error shape of the public API. Internals never leak.
import { ZodError } from "zod";
import { DomainError, HTTP_STATUS, type ErrorCode } from "../../errors";
import { logger } from "../../log";

const TITLES: Record<ErrorCode, string> = {
  bad_request: "Bad request",
  unauthorized: "Unauthorized",
  forbidden: "Forbidden",
  not_found: "Not found",
  conflict: "Conflict",
  payload_too_large: "Payload too large",
  unsupported_media_type: "Unsupported media type",
  unprocessable: "Unprocessable report",
  rate_limited: "Too many requests",
  unavailable: "Service unavailable",
};

export const problemType = (type: string) => `/problems/${type}`;

export function problemResponse(e: unknown, requestId: string, instance?: string): Response {
  let err: DomainError;
  if (e instanceof DomainError) err = e;
  else if (e instanceof ZodError) {
    err = new DomainError(
      "bad_request",
      e.issues.map((i) => `${i.path.join(".") || "request"}: ${i.message}`).join("; "),
      "validation-error",
      { errors: e.issues.map((i) => ({ path: i.path.join("."), message: i.message })) },
    );
  } else {
    logger().error({ err: e, reqId: requestId }, "unhandled error");
    err = new DomainError("unavailable", "", "internal-error");
    return json(500, {
      type: problemType("internal-error"),
      title: "Internal server error",
      status: 500,
      detail: `Something went wrong on our side. Quote request id ${requestId} when reporting it.`,
      requestId,
    });
  }
  const status = HTTP_STATUS[err.code];
  const headers: Record<string, string> = {};
  if (err.code === "unauthorized") headers["www-authenticate"] = 'Bearer realm="gatehouse"';
  if (err.code === "rate_limited" && typeof err.extra.retryAfter === "number")
    headers["retry-after"] = String(err.extra.retryAfter);
  return json(
    status,
    {
      type: problemType(err.type),
      title: TITLES[err.code],
      status,
      detail: err.message,
      ...(instance ? { instance } : {}),
      requestId,
      ...err.extra,
    },
    headers,
  );
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/problem+json", "cache-control": "no-store", ...headers },
  });
}
