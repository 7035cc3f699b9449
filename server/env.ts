// Configuration: process.env parsed once with zod. A bad value stops start-up naming the variable.
import { z } from "zod";

const bool = z.enum(["1", "0", "true", "false", "yes", "no", ""]).transform((v) => v === "1" || v === "true" || v === "yes");

const envSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  HOST: z.string().min(1).default("0.0.0.0"),
  DATABASE_URL: z
    .string()
    .optional()
    .transform((v) => (v === "" ? undefined : v))
    .refine((v) => v === undefined || /^postgres(ql)?:\/\/[^\s]+$/.test(v), {
      message: "must be a postgres:// or postgresql:// URL",
    }),
  GATEHOUSE_DATA_DIR: z.string().min(1).default(".data"),
  GATEHOUSE_DB_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
  GATEHOUSE_DB_CONNECT_TIMEOUT_S: z.coerce.number().int().min(1).max(120).default(10),
  GATEHOUSE_DB_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(0).max(3_600_000).default(60_000),
  GATEHOUSE_PUBLIC_URL: z.url().optional(),
  GATEHOUSE_MAX_UPLOAD_MB: z.coerce.number().int().min(1).max(2048).default(100),
  GATEHOUSE_WAIVER_MAX_DAYS: z.coerce.number().int().min(1).max(3650).default(90),
  GATEHOUSE_LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  GATEHOUSE_LOG_PRETTY: bool.optional(),
});

export type Env = z.infer<typeof envSchema>;

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

/** Parses an environment; throws ConfigError with one line per bad variable. */
export function parseEnv(source: Record<string, string | undefined>): Env {
  const r = envSchema.safeParse(source);
  if (r.success) return r.data;
  const lines = r.error.issues.map((i) => {
    const name = String(i.path[0] ?? "environment");
    return `${name}: ${i.message} (got ${JSON.stringify(source[name] ?? "")})`;
  });
  throw new ConfigError(`Invalid configuration: ${lines.join("; ")}`);
}

let cached: Env | undefined;

/** The process configuration, parsed on first use. */
export function env(): Env {
  cached ??= parseEnv(process.env);
  return cached;
}
