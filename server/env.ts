// Configuration: process.env parsed once with zod. A bad value stops start-up naming the variable.
import { z } from "zod";
import { parseCidrList, type Cidr } from "./security/client-address";

const bool = z.enum(["1", "0", "true", "false", "yes", "no", ""]).transform((v) => v === "1" || v === "true" || v === "yes");

const optionalText = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === "" ? undefined : v.trim()));

const postgresUrl = z
  .string()
  .optional()
  .transform((v) => (v === "" ? undefined : v))
  .refine((v) => v === undefined || /^postgres(ql)?:\/\/[^\s]+$/.test(v), {
    message: "must be a postgres:// or postgresql:// URL",
  });

// Reverse proxies whose X-Forwarded-For is believed: a list of CIDRs (or bare addresses).
const cidrList = z
  .string()
  .optional()
  .transform((v, ctx): Cidr[] => {
    const { cidrs, bad } = parseCidrList(v ?? "");
    if (bad.length) ctx.addIssue({ code: "custom", message: `not an address or CIDR: ${bad.join(", ")}` });
    return cidrs;
  });

const envSchema = z
  .object({
    NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
    PORT: z.coerce.number().int().min(1).max(65535).default(3000),
    HOST: z.string().min(1).default("0.0.0.0"),
    DATABASE_URL: postgresUrl,
    // The owner role that applies migrations; DATABASE_URL is then a runtime role with DML grants only.
    GATEHOUSE_MIGRATION_DATABASE_URL: postgresUrl,
    GATEHOUSE_DATA_DIR: z.string().min(1).default(".data"),
    GATEHOUSE_DB_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
    GATEHOUSE_DB_CONNECT_TIMEOUT_S: z.coerce.number().int().min(1).max(120).default(10),
    GATEHOUSE_DB_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(0).max(3_600_000).default(60_000),
    // Named prepared statements on the gate's hot path (db/client.ts withPreparedStatements); "off" for a pooler in
    // transaction mode that cannot keep them (PgBouncer before 1.21).
    GATEHOUSE_DB_PREPARED_STATEMENTS: z.enum(["on", "off"]).default("on"),
    // Threads that serve the gate beside the main one when it is busy (server/workers/gate-workers.ts), PostgreSQL
    // only. 0 (the default): the main thread answers every gate.
    GATEHOUSE_GATE_WORKERS: z.preprocess((v) => (v === "" ? undefined : v), z.coerce.number().int().min(0).max(64).default(0)),
    GATEHOUSE_PUBLIC_URL: z.url().optional(),
    GATEHOUSE_MAX_UPLOAD_MB: z.coerce.number().int().min(1).max(2048).default(100),
    // How much the heap may grow between full garbage collections, in percent of what survived the last (server/heap.ts);
    // 0 leaves it to V8 (up to 300%: less CPU, ≈ 230 MiB more at the peak of a 100 MB upload); empty is unset, not 0.
    GATEHOUSE_HEAP_GROWTH_PERCENT: z.preprocess(
      (v) => (v === "" ? undefined : v),
      z.coerce.number().int().min(0).max(1000).default(50),
    ),
    GATEHOUSE_API_RATE_PER_MINUTE: z.coerce.number().int().min(1).max(1_000_000).default(600),
    GATEHOUSE_WAIVER_MAX_DAYS: z.coerce.number().int().min(1).max(3650).default(90),
    // A team-wide token's first upload to an unknown service name registers it in the token's team.
    GATEHOUSE_AUTO_REGISTER_SERVICES: bool.default(true),
    GATEHOUSE_LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
    GATEHOUSE_LOG_PRETTY: bool.optional(),
    // Sign-in. Without GATEHOUSE_AUTH_SECRET a random secret is generated once and kept in the database.
    GATEHOUSE_AUTH_SECRET: optionalText.pipe(z.string().min(32, "must be at least 32 characters").optional()),
    // Seals the instance's own secrets (secret-hash key, session secret) so that they are never in the database in clear.
    GATEHOUSE_SECRET_KEY: optionalText.pipe(z.string().min(32, "must be at least 32 characters").optional()),
    GATEHOUSE_TRUSTED_PROXIES: cidrList,
    GATEHOUSE_SESSION_IDLE_MINUTES: z.coerce.number().int().min(1).max(1440).default(60),
    GATEHOUSE_SESSION_MAX_HOURS: z.coerce.number().int().min(1).max(720).default(12),
    GATEHOUSE_OIDC_ISSUER: optionalText.pipe(z.url({ protocol: /^https?$/ }).optional()),
    GATEHOUSE_OIDC_CLIENT_ID: optionalText,
    GATEHOUSE_OIDC_CLIENT_SECRET: optionalText,
    GATEHOUSE_OIDC_NAME: optionalText,
    GATEHOUSE_GITHUB_CLIENT_ID: optionalText,
    GATEHOUSE_GITHUB_CLIENT_SECRET: optionalText,
    // Audit events streamed to a SIEM, signed with HMAC-SHA256; off unless both are set.
    GATEHOUSE_AUDIT_WEBHOOK_URL: optionalText.pipe(z.url({ protocol: /^https?$/ }).optional()),
    GATEHOUSE_AUDIT_WEBHOOK_SECRET: optionalText.pipe(z.string().min(32, "must be at least 32 characters").optional()),
    GATEHOUSE_AUDIT_WEBHOOK_INTERVAL_S: z.coerce.number().int().min(1).max(3600).default(10),
    // The PEM file holding the key that signs decisions, shared by every instance; unset: one in the data dir.
    GATEHOUSE_SIGNING_KEY_FILE: optionalText,
    // Re-checks of what runs, and notifications (see server/recheck and server/notify).
    GATEHOUSE_RECHECK_INTERVAL_S: z.coerce.number().int().min(1).max(86_400).default(300),
    GATEHOUSE_WEBHOOK_ALLOW_HOSTS: optionalText,
    GATEHOUSE_SMTP_URL: optionalText.pipe(z.url({ protocol: /^smtps?$/ }).optional()),
    GATEHOUSE_SMTP_FROM: optionalText.pipe(z.string().max(320).optional()),
    // Threat intelligence (CISA KEV, FIRST EPSS): a daily fetch when on; the URLs default to the publishers' feeds.
    GATEHOUSE_INTEL_SYNC: bool.default(false),
    GATEHOUSE_INTEL_KEV_URL: optionalText
      .pipe(z.url({ protocol: /^https?$/ }).optional())
      .transform((v) => v ?? "https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json"),
    GATEHOUSE_INTEL_EPSS_URL: optionalText
      .pipe(z.url({ protocol: /^https?$/ }).optional())
      .transform((v) => v ?? "https://epss.empiricalsecurity.com/epss_scores-current.csv.gz"),
  })
  .superRefine((e, ctx) => {
    if (e.GATEHOUSE_MIGRATION_DATABASE_URL && !e.DATABASE_URL)
      ctx.addIssue({
        code: "custom",
        path: ["GATEHOUSE_MIGRATION_DATABASE_URL"],
        message: "needs DATABASE_URL (the runtime role) as well",
      });
    // The embedded database lives in the main thread: another thread cannot open it.
    if (e.GATEHOUSE_GATE_WORKERS && !e.DATABASE_URL)
      ctx.addIssue({
        code: "custom",
        path: ["GATEHOUSE_GATE_WORKERS"],
        message: "needs DATABASE_URL (PostgreSQL): the embedded database serves the gate on the main thread",
      });
    // Audit events leave the host: in clear only to this machine.
    const hook = e.GATEHOUSE_AUDIT_WEBHOOK_URL ? new URL(e.GATEHOUSE_AUDIT_WEBHOOK_URL) : null;
    if (hook && hook.protocol === "http:" && !["localhost", "127.0.0.1", "[::1]"].includes(hook.hostname))
      ctx.addIssue({ code: "custom", path: ["GATEHOUSE_AUDIT_WEBHOOK_URL"], message: "must use https (http only to localhost)" });
    // A sign-in provider is on only when all of its variables are set; half a configuration is a mistake.
    const groups = [
      ["GATEHOUSE_OIDC_ISSUER", "GATEHOUSE_OIDC_CLIENT_ID", "GATEHOUSE_OIDC_CLIENT_SECRET"],
      ["GATEHOUSE_GITHUB_CLIENT_ID", "GATEHOUSE_GITHUB_CLIENT_SECRET"],
      ["GATEHOUSE_AUDIT_WEBHOOK_URL", "GATEHOUSE_AUDIT_WEBHOOK_SECRET"],
    ] as const;
    for (const g of groups) {
      const set = g.filter((k) => e[k] !== undefined);
      if (set.length === 0 || set.length === g.length) continue;
      for (const k of g.filter((k) => e[k] === undefined))
        ctx.addIssue({ code: "custom", path: [k], message: `is required when ${set.join(" and ")} is set` });
    }
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
    // Secrets (and database URLs, which may carry a password) never reach a message or a log.
    const got = /SECRET|SMTP_URL|DATABASE_URL/.test(name) ? "[redacted]" : JSON.stringify(source[name] ?? "");
    return `${name}: ${i.message} (got ${got})`;
  });
  throw new ConfigError(`Invalid configuration: ${lines.join("; ")}`);
}

let cached: Env | undefined;

/** The process configuration, parsed on first use. */
export function env(): Env {
  cached ??= parseEnv(process.env);
  return cached;
}
