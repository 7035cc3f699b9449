// Structured logging: JSON in production, pretty in development when pino-pretty is installed.
import { createRequire } from "node:module";
import pino, { type Logger } from "pino";
import { env } from "./env";

function wantPretty(): boolean {
  const e = env();
  if (e.GATEHOUSE_LOG_PRETTY !== undefined) return e.GATEHOUSE_LOG_PRETTY;
  if (e.NODE_ENV === "production") return false;
  try {
    createRequire(import.meta.url).resolve("pino-pretty");
    return true;
  } catch {
    return false;
  }
}

const REDACT_PATHS = [
  "req.headers.authorization",
  "req.headers.cookie",
  'req.headers["x-gatehouse-admin-token"]',
  "headers.authorization",
  "headers.cookie",
  'headers["x-gatehouse-admin-token"]',
  "body",
  "req.body",
  ...["token", "password", "secret", "passwordHash", "hash"].flatMap((k) => [k, `*.${k}`]),
];

type SerializedError = Record<string, unknown> & { message?: string; stack?: string; cause?: unknown };

// Database errors carry the statement's parameters (report contents, hashes): log the statement, never the values.
const stripParams = (s: string | undefined) => s?.replace(/\nparams: [\s\S]*?(?=\n\s+at |$)/g, "\nparams: [redacted]");

export function serializeError(err: unknown): unknown {
  if (!(err instanceof Error)) return err;
  const out = pino.stdSerializers.err(err) as unknown as SerializedError;
  const clean = (e: SerializedError): SerializedError => {
    const { params: _p, parameters: _q, ...rest } = e;
    return {
      ...rest,
      message: stripParams(rest.message),
      stack: stripParams(rest.stack),
      ...(rest.cause && typeof rest.cause === "object" ? { cause: clean(rest.cause as SerializedError) } : {}),
    };
  };
  return clean(out);
}

function create(): Logger {
  const e = env();
  return pino({
    level: e.GATEHOUSE_LOG_LEVEL,
    base: { service: "gatehouse" },
    // Tokens, cookies, passwords and bodies never reach the logs.
    redact: { paths: REDACT_PATHS, censor: "[redacted]" },
    serializers: { err: serializeError },
    transport: wantPretty() ? { target: "pino-pretty", options: { colorize: true, translateTime: "SYS:HH:MM:ss.l" } } : undefined,
  });
}

const holder = globalThis as unknown as { __gatehouseLogger?: Logger };

export function logger(): Logger {
  holder.__gatehouseLogger ??= create();
  return holder.__gatehouseLogger;
}
