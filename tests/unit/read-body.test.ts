// readBody: the raw upload path reads into one buffer when the length is declared, in chunks when it is not, and
// refuses what is over the limit either way; OwnedBytes hands a body over once.
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { readBody } from "@/server/api/rest/read-body";
import { DomainError } from "@/server/errors";
import { OwnedBytes } from "@/server/owned-bytes";

/** A request whose body arrives in `chunks`, with the Content-Length given (or none). */
function request(chunks: Uint8Array[], headers: Record<string, string> = {}): Request {
  let i = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(c) {
      if (i < chunks.length) c.enqueue(chunks[i++]!);
      else c.close();
    },
  });
  return new Request("http://localhost/api/v1/scans", { method: "POST", body, headers, duplex: "half" } as RequestInit);
}

const bytes = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, k) => (k * 31 + seed) % 251);
const joined = (parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((p) => [...p]));

describe("readBody", () => {
  const parts = [bytes(1000, 1), bytes(3, 2), bytes(4096, 3), bytes(1, 4)];
  const whole = joined(parts);

  it("reads a body of declared length into one buffer of exactly its bytes", async () => {
    const got = await readBody(request(parts, { "content-length": String(whole.length) }), 1 << 20);
    expect(got).toEqual(whole);
    expect(got.buffer.byteLength).toBe(whole.length);
  });

  it("reads a body without a declared length, chunk by chunk", async () => {
    expect(await readBody(request(parts), 1 << 20)).toEqual(whole);
  });

  it("reads on rather than cut a body longer than the length it declared", async () => {
    expect(await readBody(request(parts, { "content-length": "1001" }), 1 << 20)).toEqual(whole);
  });

  it("returns only what arrived when a body is shorter than declared", async () => {
    expect(await readBody(request(parts, { "content-length": String(whole.length + 50) }), 1 << 20)).toEqual(whole);
  });

  it("refuses a body over the limit with 413, declared or not", async () => {
    for (const headers of [{ "content-length": String(whole.length) }, {}] as Record<string, string>[]) {
      const e = await readBody(request(parts, headers), 2000).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(DomainError);
      expect(e).toMatchObject({ code: "payload_too_large", type: "payload-too-large" });
    }
  });

  it("gunzips a gzip body whatever length it declares", async () => {
    const gz = gzipSync(whole);
    const got = await readBody(request([gz], { "content-encoding": "gzip", "content-length": String(gz.length) }), 1 << 20);
    expect(new Uint8Array(got)).toEqual(whole);
  });
});

describe("OwnedBytes", () => {
  it("hands its bytes over once and keeps only their size", () => {
    const b = new OwnedBytes(bytes(10, 5));
    expect(b.take()).toEqual(bytes(10, 5));
    expect(b.byteLength).toBe(10);
    expect(() => b.take()).toThrow(/already taken/);
  });
});
