// The running server's local admin endpoint: CLI commands go through it while the server holds the
// embedded database. Only loopback callers that can read the lock file's token get in.
import { timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Database } from "@/db/client";
import { logger } from "../log";
import { runCommand } from "./run-command";

export const ADMIN_PATH = "/api/internal/admin";
const MAX_BODY = 1024 * 1024;

const isLoopback = (addr: string | undefined) =>
  !!addr && (addr === "::1" || addr.startsWith("127.") || addr.startsWith("::ffff:127."));

function send(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
  res.end(JSON.stringify(body));
}

function tokenMatches(given: string | undefined, expected: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * A loopback caller with the lock file's token. Anyone else is not answered here at all: the request goes on to
 * Next.js like any unknown path, so the endpoint's answer (HTML 404, headers and all) gives nothing away.
 */
export function isAdminCaller(req: IncomingMessage, token: string): boolean {
  const header = req.headers["x-gatehouse-admin-token"];
  return isLoopback(req.socket.remoteAddress) && tokenMatches(typeof header === "string" ? header : undefined, token);
}

/** Runs an operator command for a caller that isAdminCaller() let in. */
export async function handleAdminRequest(
  req: IncomingMessage,
  res: ServerResponse,
  opts: { db: Database; requestId: string },
): Promise<void> {
  if (req.method !== "POST") return send(res, 405, { error: "POST only" });
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) return send(res, 413, { error: "request too large" });
    chunks.push(chunk as Buffer);
  }
  let body: { command?: unknown; input?: unknown; user?: unknown };
  try {
    body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as typeof body;
  } catch {
    return send(res, 400, { error: "malformed JSON" });
  }
  if (typeof body.command !== "string") return send(res, 400, { error: "command is required" });
  const user = typeof body.user === "string" ? body.user.slice(0, 100) : "unknown";
  try {
    const result = await runCommand(
      {
        db: opts.db,
        actor: { type: "cli", label: `cli:${user}` },
        requestId: opts.requestId,
        ip: req.socket.remoteAddress,
        now: () => new Date(),
      },
      body.command,
      body.input,
    );
    send(res, 200, result);
  } catch (e) {
    logger().error({ err: e, requestId: opts.requestId }, "admin command failed");
    send(res, 500, { error: `internal error (request ${opts.requestId})` });
  }
}
