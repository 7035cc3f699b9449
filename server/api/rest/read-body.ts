// Reads a request body with a size limit enforced while streaming, before and after gunzip,
// and a bound on the decompression ratio (a gzip bomb is refused long before it fills memory).
import { createGunzip } from "node:zlib";
import { DomainError } from "../../errors";
import { deepNestingAt, lineColumn, locateJsonError } from "../../ingest/decode";
import { findUnsafeValue } from "../../validation";
import type { RouteSpec } from "./contract";

export const MAX_GZIP_RATIO = 1000;
const RATIO_GRACE_BYTES = 1024 * 1024;

const tooLarge = (limit: number, what = "The report") =>
  new DomainError(
    "payload_too_large",
    `${what} is larger than the limit of ${Math.round(limit / 1048576)} MB (GATEHOUSE_MAX_UPLOAD_MB).`,
    "payload-too-large",
    {
      limitBytes: limit,
    },
  );

export async function readBody(req: Request, limit: number): Promise<Uint8Array> {
  const encoding = (req.headers.get("content-encoding") ?? "identity").trim().toLowerCase();
  if (!["identity", "gzip", "x-gzip", ""].includes(encoding)) {
    throw new DomainError(
      "unsupported_media_type",
      `Content-Encoding "${encoding}" is not supported; send the report as is or gzip it.`,
      "unsupported-encoding",
    );
  }
  const declared = Number(req.headers.get("content-length") ?? NaN);
  if (Number.isFinite(declared) && declared > limit) throw tooLarge(limit);
  if (!req.body) return new Uint8Array();
  const gzip = encoding === "gzip" || encoding === "x-gzip";
  const reader = req.body.getReader();

  if (!gzip) return readAll(reader, limit, declared);

  // The compressed body (a tenth of the report, typically) is read whole first: its trailer states the decompressed
  // size, so the report is decompressed straight into one buffer of that size, and each piece zlib hands over is
  // garbage at once (keeping the pieces and copying them was twice the report until they were collected).
  const input = await readAll(reader, limit, declared);
  // ISIZE, the last member's size modulo 2^32, sizes the buffer: several members grow it; a wrong or missing trailer
  // is refused by zlib as malformed gzip.
  const stated =
    input.byteLength >= 18 ? new DataView(input.buffer, input.byteOffset + input.byteLength - 4).getUint32(0, true) : 0;
  let out = new Uint8Array(Math.min(limit, Math.max(stated, 64 * 1024)));
  let outSize = 0;
  let failure: Error | undefined;
  const gunzip = createGunzip();
  gunzip.on("data", (d: Buffer) => {
    if (failure) return;
    if (outSize + d.length > limit) failure = tooLarge(limit, "The decompressed report");
    else if (outSize + d.length > RATIO_GRACE_BYTES && outSize + d.length > input.byteLength * MAX_GZIP_RATIO) {
      failure = new DomainError(
        "payload_too_large",
        `The gzip body expands more than ${MAX_GZIP_RATIO}:1; refused as a decompression bomb.`,
        "decompression-bomb",
      );
    }
    if (failure) {
      gunzip.destroy();
      return;
    }
    if (outSize + d.length > out.byteLength) {
      const grown = new Uint8Array(Math.min(limit, Math.max(out.byteLength * 2, outSize + d.length)));
      grown.set(out.subarray(0, outSize));
      out = grown;
    }
    out.set(d, outSize);
    outSize += d.length;
  });
  await new Promise<void>((resolve, reject) => {
    gunzip.on("end", resolve);
    gunzip.on("close", resolve);
    gunzip.on("error", (e) =>
      reject(failure ?? new DomainError("bad_request", `The body is not valid gzip (${e.message}).`, "malformed-gzip")),
    );
    gunzip.end(input);
  });
  if (failure) throw failure;
  return out.subarray(0, outSize);
}

/**
 * Every byte of a body, refused once over `limit`. With a declared length (within the limit), each chunk is copied
 * into one buffer as it arrives and can go at once: a 100 MB upload is 100 MB here, not its chunks and their copy
 * (200 MB until they are collected).
 */
async function readAll(reader: ReadableStreamDefaultReader<Uint8Array>, limit: number, declared: number): Promise<Uint8Array> {
  let into = Number.isSafeInteger(declared) && declared > 0 ? new Uint8Array(declared) : null;
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (size + value.byteLength > limit) {
      await reader.cancel().catch(() => {});
      throw tooLarge(limit);
    }
    if (into && size + value.byteLength > into.byteLength) {
      // More than declared (HTTP/1.1 framing does not let it happen): read on in chunks rather than cut it.
      chunks.push(into.subarray(0, size));
      into = null;
    }
    if (into) into.set(value, size);
    else chunks.push(value);
    size += value.byteLength;
  }
  return into ? into.subarray(0, size) : concat(chunks, size);
}

function concat(chunks: Uint8Array[], size: number): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const buf = new Uint8Array(size);
  let o = 0;
  for (const c of chunks) {
    buf.set(c, o);
    o += c.byteLength;
  }
  return buf;
}

/** The size limit of a JSON request body, unless its route says otherwise. */
export const JSON_BODY_LIMIT = 256 * 1024;

/** The size limit of a route's JSON body (0: the route takes none, or another kind). */
export const jsonBodyLimit = (spec: RouteSpec): number =>
  spec.body?.type === "json" ? (spec.body.maxBytes ?? JSON_BODY_LIMIT) : 0;

/** A small JSON request body (gate, deployments, waivers): 415 unless JSON, 400 with line and column when malformed. */
export async function readJson(req: Request, limit = JSON_BODY_LIMIT): Promise<unknown> {
  const type = (req.headers.get("content-type") ?? "").toLowerCase();
  if (!type.includes("json")) {
    throw new DomainError(
      "unsupported_media_type",
      "Send a JSON body with Content-Type: application/json.",
      "unsupported-media-type",
    );
  }
  const text = new TextDecoder().decode(await readBody(req, limit));
  if (text.trim() === "") throw new DomainError("bad_request", "The request body is empty.", "empty-body");
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch {
    const deep = deepNestingAt(text, 64);
    const { line, column } = lineColumn(text, deep !== -1 ? deep : locateJsonError(text));
    const what = deep !== -1 ? "Malformed JSON: nested too deeply" : "Malformed JSON";
    throw new DomainError("bad_request", `${what} (line ${line}, column ${column}).`, "malformed-json", { line, column });
  }
  const unsafe = findUnsafeValue(value, { maxDepth: 32 });
  if (unsafe)
    throw new DomainError("bad_request", `${unsafe.path || "body"}: ${unsafe.problem} is not accepted.`, "invalid-text");
  return value;
}
