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

function create(): Logger {
  const e = env();
  return pino({
    level: e.GATEHOUSE_LOG_LEVEL,
    base: { service: "gatehouse" },
    // Tokens and cookies never reach the logs.
    redact: {
      paths: ["req.headers.authorization", "req.headers.cookie", "headers.authorization", "headers.cookie", "token", "*.token"],
      censor: "[redacted]",
    },
    transport: wantPretty() ? { target: "pino-pretty", options: { colorize: true, translateTime: "SYS:HH:MM:ss.l" } } : undefined,
  });
}

const holder = globalThis as unknown as { __gatehouseLogger?: Logger };

export function logger(): Logger {
  holder.__gatehouseLogger ??= create();
  return holder.__gatehouseLogger;
}
