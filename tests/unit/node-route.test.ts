// serveRoute: a REST route answered by Node.js's own HTTP server, without Next.js (server/api/rest/node-route.ts).
// A real server on a loopback port, a real route built with apiRoute (public, so no database), real clients.
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { acceptsGzip, serveRoute } from "@/server/api/rest/node-route";
import { apiRoute, reply } from "@/server/api/rest/route";

const seen: { url: string; requestId: string | null; ip: string | null; forwarded: string | null }[] = [];

const echo = apiRoute(
  {
    method: "POST",
    path: "/echo",
    operationId: "echo",
    summary: "echo",
    tags: ["test"],
    auth: "none",
    body: {
      type: "json",
      schema: z.object({ say: z.string(), pad: z.number().int().min(0).max(10_000).default(0) }),
      maxBytes: 4096,
    },
    responses: { 200: { description: "echo", schema: z.object({ said: z.string(), query: z.string(), padding: z.string() }) } },
  },
  async ({ body, req }) => {
    seen.push({
      url: req.url,
      requestId: req.headers.get("x-request-id"),
      ip: req.headers.get("x-gatehouse-client-ip"),
      forwarded: req.headers.get("x-forwarded-for"),
    });
    if (body.say === "crash") throw new Error("an internal detail that must not leak");
    return reply(200, { said: body.say, query: new URL(req.url).search, padding: "x".repeat(body.pad) });
  },
);

let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    // As server/main.ts does before it hands a request over: the request id and the caller's address are the server's.
    req.headers["x-request-id"] = "req-from-the-server";
    req.headers["x-gatehouse-client-ip"] = "192.0.2.1";
    void serveRoute(echo, req, res, "https://gatehouse.example.com");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const post = (body: string | ReadableStream<Uint8Array>, headers: Record<string, string> = {}, path = "/echo") =>
  fetch(`${base}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body,
    ...(typeof body === "string" ? {} : { duplex: "half" }),
  } as RequestInit);

/** A raw HTTP exchange, to see the bytes and headers as sent (fetch decodes gzip and hides Content-Encoding's effect). */
function raw(
  body: string,
  headers: Record<string, string>,
): Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${base}/echo`,
      { method: "POST", headers: { "content-type": "application/json", ...headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

describe("serveRoute", () => {
  it("hands the route the path, query and body, and sends its answer with the route's headers", async () => {
    const res = await post(JSON.stringify({ say: "hello" }), {}, "/echo?service=a&stage=b");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/json");
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(await res.json()).toEqual({ said: "hello", query: "?service=a&stage=b", padding: "" });
    expect(seen.at(-1)!.url).toBe("https://gatehouse.example.com/echo?service=a&stage=b");
  });

  it("gives the route the server's request id and client address, never the ones the client sent", async () => {
    const res = await post(JSON.stringify({ say: "who" }), {
      "x-request-id": "client-chosen",
      "x-gatehouse-client-ip": "203.0.113.9",
      "x-forwarded-for": "198.51.100.7",
    });
    expect(res.status).toBe(200);
    expect(seen.at(-1)).toMatchObject({ requestId: "req-from-the-server", ip: "192.0.2.1", forwarded: "198.51.100.7" });
  });

  it("answers the route's refusals as problem+json: malformed JSON with where, a body over the route's limit with 413, streamed or not", async () => {
    const bad = await post('{"say": "x",}');
    expect(bad.status).toBe(400);
    expect(bad.headers.get("content-type")).toBe("application/problem+json");
    expect(await bad.json()).toMatchObject({ type: "/problems/malformed-json", requestId: "req-from-the-server" });

    // 8 MB: far more than the socket's buffers hold, so the client is still sending when the answer comes. The rest of
    // the body is read and dropped, not cut with a reset, so the client gets the 413 rather than EPIPE or ECONNRESET.
    for (const size of [5000, 8_000_000]) {
      const big = JSON.stringify({ say: "x".repeat(size) });
      for (const body of [big, new Blob([big]).stream()]) {
        const res = await post(body);
        expect(res.status, `${size} bytes`).toBe(413);
        expect(await res.json()).toMatchObject({ type: "/problems/payload-too-large" });
      }
    }
  });

  it("keeps a connection in step after refusing bodies it did not read whole: the next request on it is answered", async () => {
    // Over the limit as declared (refused before reading), then streamed (refused part-way), then a good one: fetch
    // reuses its connection, so each request starts where the server stopped reading the one before.
    const over = JSON.stringify({ say: "x".repeat(300_000) });
    for (let round = 0; round < 3; round++) {
      for (const body of [over, new Blob([over]).stream()]) {
        const refused = await post(body);
        expect(refused.status).toBe(413);
        await refused.text();
      }
      const ok = await post(JSON.stringify({ say: `round ${round}` }));
      expect(ok.status).toBe(200);
      expect(((await ok.json()) as { said: string }).said).toBe(`round ${round}`);
    }
  });

  it("answers an error the route did not expect with a 500 that names the request, not the error", async () => {
    const res = await post(JSON.stringify({ say: "crash" }));
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(JSON.parse(text)).toMatchObject({ type: "/problems/internal-error", requestId: "req-from-the-server" });
    expect(text).not.toContain("internal detail");
  });

  it("compresses an answer of 1 KiB or more for a client that accepts gzip, as Next.js does, and only then", async () => {
    const big = JSON.stringify({ say: "big", pad: 5000 });
    const zipped = await raw(big, { "accept-encoding": "br, gzip;q=0.8" });
    expect(zipped.status).toBe(200);
    expect(zipped.headers["content-encoding"]).toBe("gzip");
    expect(zipped.headers.vary).toBe("Accept-Encoding");
    expect(Number(zipped.headers["content-length"])).toBe(zipped.body.byteLength);
    expect(zipped.body.byteLength).toBeLessThan(1000);
    expect(JSON.parse(gunzipSync(zipped.body).toString()).padding).toHaveLength(5000);

    for (const headers of [{}, { "accept-encoding": "gzip;q=0, identity" }] as Record<string, string>[]) {
      const plain = await raw(big, headers);
      expect(plain.headers["content-encoding"]).toBeUndefined();
      expect(JSON.parse(plain.body.toString()).padding).toHaveLength(5000);
    }
    const small = await raw(JSON.stringify({ say: "small" }), { "accept-encoding": "gzip" });
    expect(small.headers["content-encoding"]).toBeUndefined();
    expect(JSON.parse(small.body.toString()).said).toBe("small");
  });

  it("survives a client that goes away in the middle of its body, and answers the next one", async () => {
    await new Promise<void>((resolve) => {
      const req = request(`${base}/echo`, {
        method: "POST",
        headers: { "content-type": "application/json", "content-length": "1000" },
      });
      req.on("error", () => resolve());
      req.write('{"say": "half');
      setTimeout(() => {
        req.destroy();
        resolve();
      }, 50);
    });
    const res = await post(JSON.stringify({ say: "still here" }));
    expect(res.status).toBe(200);
    expect(((await res.json()) as { said: string }).said).toBe("still here");
  });
});

describe("acceptsGzip", () => {
  it("reads Accept-Encoding as RFC 9110 does: gzip or * with a weight above zero", () => {
    expect(acceptsGzip("gzip, deflate")).toBe(true);
    expect(acceptsGzip("br;q=1.0, gzip;q=0.5")).toBe(true);
    expect(acceptsGzip("*")).toBe(true);
    expect(acceptsGzip("GZIP")).toBe(true);
    expect(acceptsGzip(undefined)).toBe(false);
    expect(acceptsGzip("")).toBe(false);
    expect(acceptsGzip("br, deflate")).toBe(false);
    expect(acceptsGzip("gzip;q=0")).toBe(false);
    expect(acceptsGzip("gzip;q=0.000")).toBe(false);
    expect(acceptsGzip("x-gzip-not")).toBe(false);
    // A coding named outright weighs more than `*`, either way round.
    expect(acceptsGzip("*;q=0, gzip")).toBe(true);
    expect(acceptsGzip("gzip;q=0, *")).toBe(false);
  });
});
