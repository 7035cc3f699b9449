// readBody: the raw upload path reads into one buffer when the length is declared, in chunks when it is not, and
// refuses what is over the limit either way; OwnedBytes hands a body over once.
import { setImmediate } from "node:timers/promises";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { readBody } from "@/server/api/rest/read-body";
import { DomainError } from "@/server/errors";
import { collectGarbage } from "@/server/heap";
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

describe("readBody, gzip", () => {
  const report = Uint8Array.from({ length: 300_000 }, (_, k) => 32 + ((k * 7919) % 90));
  const gz = (b: Uint8Array) => new Uint8Array(gzipSync(b));
  const send = (body: Uint8Array, limit = 1 << 22, pieces = 7) => {
    const step = Math.ceil(body.length / pieces);
    const chunks = Array.from({ length: pieces }, (_, i) => body.subarray(i * step, (i + 1) * step)).filter((c) => c.length);
    return readBody(request(chunks, { "content-encoding": "gzip" }), limit);
  };
  const refusal = (p: Promise<unknown>) =>
    p.then(
      () => "accepted",
      (e: unknown) => (e as DomainError).type,
    );

  it("decompresses a body sent in pieces into exactly the report", async () => {
    const got = await send(gz(report));
    expect(Buffer.compare(got, report)).toBe(0);
  });

  it("decompresses every member of a multi-member body (its trailer states the last member's size only)", async () => {
    const a = report.subarray(0, 1000);
    const b = report.subarray(1000);
    const got = await send(Buffer.concat([gz(a), gz(b)]));
    expect(Buffer.compare(got, report)).toBe(0);
  });

  it("refuses a body whose trailer lies about the size, and a truncated one, as malformed gzip", async () => {
    const lying = gz(report);
    new DataView(lying.buffer).setUint32(lying.length - 4, 10, true);
    expect(await refusal(send(lying))).toBe("malformed-gzip");
    const whole = gz(report);
    expect(await refusal(send(whole.subarray(0, whole.length - 10)))).toBe("malformed-gzip");
    expect(await refusal(send(Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20])))).toBe(
      "malformed-gzip",
    );
  });

  it("refuses a report over the limit once decompressed, and a decompression bomb", async () => {
    expect(await refusal(send(gz(report), 200_000))).toBe("payload-too-large");
    expect(await refusal(send(gz(new Uint8Array(3 << 20)), 8 << 20))).toBe("decompression-bomb");
  });
});

describe("OwnedBytes", () => {
  it("hands its bytes over once and keeps only their size", () => {
    const b = new OwnedBytes(bytes(10, 5));
    expect(b.take()).toEqual(bytes(10, 5));
    expect(b.byteLength).toBe(10);
    expect(() => b.take()).toThrow(/already taken/);
  });

  it("lets a hash be read while it keeps the bytes, and hands them to one consumer, which is all that holds them", async () => {
    const b = new OwnedBytes(bytes(10, 5));
    expect(b.read((x) => x.byteLength + x[0]!)).toBe(15);
    expect(b.read((x) => x[0])).toBe(5);
    expect(b.consume((x) => Array.from(x))).toEqual(Array.from(bytes(10, 5)));
    expect(() => b.read((x) => x)).toThrow(/already taken/);
    expect(() => b.consume((x) => x)).toThrow(/already taken/);

    // Once the consumer returns, the bytes are garbage although the holder lives on.
    const big = (() => {
      const bytes = new Uint8Array(8 << 20);
      return { holder: new OwnedBytes(bytes), ref: new WeakRef(bytes) };
    })();
    await setImmediate(); // a WeakRef's target is kept to the end of the turn that made it
    expect(big.holder.consume((x) => x.byteLength)).toBe(8 << 20);
    await setImmediate();
    collectGarbage();
    expect(big.ref.deref()).toBeUndefined();
    expect(big.holder.byteLength).toBe(8 << 20);
  });
});
