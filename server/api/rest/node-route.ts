// Serves a REST route straight from Node.js's HTTP server, without Next.js's request handling. Only for the gate:
// every pipeline calls it at every stage, and Next.js's handling of a request was about a fifth of the server's CPU per
// call (docs/performance.md, "Seventh session"). The route is the same `apiRoute` Next.js serves (its contract, its
// checks, its answers); this only turns Node's request into a Web `Request` and the `Response` back.
import type { IncomingMessage, ServerResponse } from "node:http";
import { gzipSync } from "node:zlib";
import { DomainError } from "../../errors";
import { logger } from "../../log";
import { CLIENT_IP_HEADER } from "../../security/front-door";
import { problemResponse } from "./problem";
import type { ApiRoute } from "./route";

const NO_PARAMS = { params: Promise.resolve({}) };
/** As Next.js compresses: answers of 1 KiB and more, to clients that accept gzip. */
const GZIP_FROM_BYTES = 1024;

/** Whether Accept-Encoding accepts gzip: named with a weight above zero, or else `*` with one (RFC 9110 §12.5.3). */
export function acceptsGzip(header: string | undefined): boolean {
  const weights = new Map<string, number>();
  for (const part of (header ?? "").toLowerCase().split(",")) {
    const [coding, ...params] = part.trim().split(";");
    const q = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
    if (coding) weights.set(coding, q === undefined ? 1 : Number(q.slice(2)));
  }
  const weight = weights.get("gzip") ?? weights.get("*") ?? 0;
  return weight > 0;
}

/** Node's request headers as Web headers (repeated ones joined as Node received them; pseudo-headers left out). */
export function webHeaders(req: IncomingMessage): Headers {
  const headers = new Headers();
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.startsWith(":")) continue;
    headers.append(name, raw[i + 1]!);
  }
  // The server sets these on `req.headers` (request id, the caller's address): they win over what the client sent.
  for (const name of ["x-request-id", CLIENT_IP_HEADER]) {
    const v = req.headers[name];
    if (typeof v === "string") headers.set(name, v);
    else headers.delete(name);
  }
  return headers;
}

/**
 * The request's body as a Web stream, read only when the route reads it, with backpressure. `release` lets the rest
 * go: once the route has answered, whatever it did not read (a body over its limit, or a refusal before the body) is
 * read and dropped as Node.js does after an early answer, so the connection stays in step and the client gets the
 * answer. Destroying the request instead (what `Readable.toWeb` does on cancel) resets a connection the client is
 * still sending on; leaving it paused stalls the connection for the client's next request.
 */
function bodyOf(req: IncomingMessage): { stream: ReadableStream<Uint8Array>; release: () => void } {
  let controller: ReadableStreamDefaultController<Uint8Array> | undefined;
  let settled = false;
  const settle = (how: () => void) => {
    if (settled) return;
    settled = true;
    how();
  };
  const onData = (chunk: Buffer) => {
    controller!.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    if ((controller!.desiredSize ?? 0) <= 0) req.pause();
  };
  const onEnd = () => settle(() => controller!.close());
  // A client gone before the end of its body: a refusal like any other, not an error of ours to log.
  const onGone = () =>
    settle(() =>
      controller!.error(new DomainError("bad_request", "The connection closed before the end of the body.", "incomplete-body")),
    );
  const release = () => {
    settled = true;
    if (controller) {
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onGone);
      req.off("close", onGone);
    }
    if (!req.complete) req.resume();
  };
  const stream = new ReadableStream<Uint8Array>({
    pull(c) {
      if (!controller) {
        controller = c;
        req.on("data", onData);
        req.once("end", onEnd);
        req.once("error", onGone);
        req.once("close", onGone);
      }
      req.resume();
    },
    cancel: release,
  });
  return { stream, release };
}

/**
 * Answers `req` with `route`. `origin` only completes the URL the route reads its path and query from. The body is
 * streamed to the route, which enforces its own size limit while reading; a client that goes away before the end of
 * its body gets a 400 it will not read (the route's work, if it had begun, completes: a decision is recorded whole).
 */
export async function serveRoute(route: ApiRoute, req: IncomingMessage, res: ServerResponse, origin: string): Promise<void> {
  const requestId = String(req.headers["x-request-id"] ?? "");
  let response: Response;
  let body: ReturnType<typeof bodyOf> | undefined;
  try {
    const hasBody = req.method !== "GET" && req.method !== "HEAD";
    body = hasBody ? bodyOf(req) : undefined;
    // Node's fetch needs `duplex` for a streamed body; the DOM's RequestInit does not know it.
    const init: RequestInit & { duplex: "half" } = {
      method: req.method,
      headers: webHeaders(req),
      body: body?.stream,
      duplex: "half",
    };
    const request = new Request(new URL(req.url ?? "/", origin), init);
    response = await route(request, NO_PARAMS);
  } catch (e) {
    response = problemResponse(e, requestId, (req.url ?? "/").split("?")[0]);
  }
  body?.release();
  if (res.destroyed) return;
  try {
    sendAnswer(res, await answerOf(response, req.headers["accept-encoding"]));
  } catch (err) {
    logger().error({ err, reqId: requestId }, "could not send an answer");
    res.destroy();
  }
}

/** A request whose body was read whole (by the thread that holds the connection): what a gate worker is given. */
export type BufferedRequest = {
  method: string;
  url: string;
  headers: [string, string][];
  body: Uint8Array;
  requestId: string;
};

/** Answers a buffered request with `route`, as `serveRoute` answers a streamed one. */
export async function answerBuffered(route: ApiRoute, r: BufferedRequest, origin: string): Promise<WireAnswer> {
  const headers = new Headers(r.headers);
  let response: Response;
  try {
    const body = r.body.byteLength ? (r.body as Uint8Array<ArrayBuffer>) : null;
    response = await route(new Request(new URL(r.url, origin), { method: r.method, headers, body }), NO_PARAMS);
  } catch (e) {
    response = problemResponse(e, r.requestId, r.url.split("?")[0]);
  }
  return answerOf(response, headers.get("accept-encoding") ?? undefined);
}

/** A route's answer as it goes on the wire: what a gate worker sends back to the thread that holds the connection. */
export type WireAnswer = { status: number; headers: [string, string][]; cookies: string[]; payload: Uint8Array };

/** The Web `Response` read whole, and gzipped as Next.js would for a client that accepts it. */
export async function answerOf(response: Response, acceptEncoding: string | undefined): Promise<WireAnswer> {
  let payload = new Uint8Array(await response.arrayBuffer());
  const headers: [string, string][] = [];
  for (const [name, value] of response.headers) if (name !== "set-cookie") headers.push([name, value]);
  if (payload.byteLength >= GZIP_FROM_BYTES && !response.headers.has("content-encoding")) {
    headers.push(["vary", "Accept-Encoding"]);
    if (acceptsGzip(acceptEncoding)) {
      payload = gzipSync(payload);
      headers.push(["content-encoding", "gzip"]);
    }
  }
  return { status: response.status, headers, cookies: response.headers.getSetCookie(), payload };
}

export function sendAnswer(res: ServerResponse, answer: WireAnswer): void {
  res.statusCode = answer.status;
  for (const [name, value] of answer.headers) res.setHeader(name, value);
  if (answer.cookies.length) res.setHeader("set-cookie", answer.cookies);
  res.setHeader("content-length", answer.payload.byteLength);
  res.end(answer.payload);
}
