// A real local HTTP server that records what it receives, for webhook tests; it can answer with any status, go
// down and come back on the same port.
import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export type Received = { path: string; headers: IncomingHttpHeaders; body: string; at: number };

export type Receiver = {
  url: (path?: string) => string;
  port: number;
  received: Received[];
  /** the status the next requests get */
  answer: (status: number) => void;
  down: () => Promise<void>;
  up: () => Promise<void>;
  close: () => Promise<void>;
};

export async function startReceiver(): Promise<Receiver> {
  const received: Received[] = [];
  let status = 200;
  let server: Server | undefined;
  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      const s = createServer((req, res) => {
        let body = "";
        req.on("data", (c: Buffer) => (body += c.toString("utf8")));
        req.on("end", () => {
          received.push({ path: req.url ?? "/", headers: req.headers, body, at: Date.now() });
          res.writeHead(status).end();
        });
      });
      s.once("error", reject);
      s.listen(port, "127.0.0.1", () => {
        server = s;
        resolve((s.address() as AddressInfo).port);
      });
    });
  const close = () =>
    new Promise<void>((r) => {
      if (!server) return r();
      server.closeAllConnections();
      server.close(() => r());
      server = undefined;
    });
  const port = await listen(0);
  return {
    url: (path = "/hook") => `http://127.0.0.1:${port}${path}`,
    port,
    received,
    answer: (s) => (status = s),
    down: close,
    up: async () => {
      if (!server) await listen(port);
    },
    close,
  };
}

/**
 * The receiver's own check of a Standard Webhooks signature, written from the specification and not from
 * Gatehouse's code: HMAC-SHA256 keyed with the base64 after "whsec_", over "id.timestamp.body", base64.
 */
export function verifyStandardWebhook(secret: string, r: Received): boolean {
  const id = r.headers["webhook-id"];
  const ts = r.headers["webhook-timestamp"];
  const sig = r.headers["webhook-signature"];
  if (typeof id !== "string" || typeof ts !== "string" || typeof sig !== "string") return false;
  const key = Buffer.from(secret.replace(/^whsec_/, ""), "base64");
  const expected = Buffer.from(createHmac("sha256", key).update(`${id}.${ts}.${r.body}`).digest("base64"));
  return sig.split(" ").some((s) => {
    const [version, value] = s.split(",");
    const given = Buffer.from(value ?? "");
    return version === "v1" && given.length === expected.length && timingSafeEqual(given, expected);
  });
}
