// The instance's own secrets: the HMAC key that turns secrets found in reports into fingerprints (secret_salt) and the
// key that signs session cookies (auth_secret). With an instance key (GATEHOUSE_SECRET_KEY, or on the embedded database
// a key file in the data directory), they are kept in the database only sealed with it (AES-256-GCM): a dump of the
// database alone neither lets anyone test guessed secrets against fingerprints nor forge a session cookie.
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";
import { closeSync, existsSync, openSync, readFileSync, writeSync } from "node:fs";
import path from "node:path";
import { eq, inArray } from "drizzle-orm";
import type { Database } from "@/db/client";
import { instanceSettings } from "@/db/schema";
import { recordAudit } from "../audit/record-audit";
import { withTransaction } from "../context";
import { env } from "../env";

export const SECRET_NAMES = ["secret_salt", "auth_secret"] as const;
export type SecretName = (typeof SECRET_NAMES)[number];

/** How each secret is made the first time it is needed (the formats older versions stored). */
const GENERATE: Record<SecretName, () => string> = {
  secret_salt: () => randomBytes(32).toString("hex"),
  auth_secret: () => randomBytes(32).toString("base64url"),
};

const SEALED_PREFIX = "sealed:";
export const sealedKeyOf = (name: SecretName) => `${SEALED_PREFIX}${name}`;

/** The key file of the embedded database: created at first start, readable by its owner only. */
export const KEY_FILE = "instance.key";
export const keyFilePath = (dataDir: string) => path.join(path.resolve(/* turbopackIgnore: true */ dataDir), KEY_FILE);

export class InstanceKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InstanceKeyError";
  }
}

/** An AES-256 key derived from the operator's key text, whatever its length (at least 32 characters). */
export function deriveInstanceKey(text: string): Buffer {
  return Buffer.from(hkdfSync("sha256", Buffer.from(text, "utf8"), "gatehouse", "gatehouse instance secrets v1", 32));
}

/** Reads the key file, or creates it (0600, 256 random bits) when there is none. */
export function readOrCreateKeyFile(dataDir: string): { text: string; created: boolean } {
  const file = keyFilePath(dataDir);
  if (existsSync(file)) {
    const text = readFileSync(file, "utf8").trim();
    if (text.length < 32) throw new InstanceKeyError(`the key file ${file} is damaged (too short); restore it from a backup`);
    return { text, created: false };
  }
  const text = randomBytes(32).toString("base64url");
  const fd = openSync(file, "wx", 0o600);
  try {
    writeSync(fd, `${text}\n`);
  } finally {
    closeSync(fd);
  }
  return { text, created: true };
}

export type InstanceKey = { key: Buffer; source: "GATEHOUSE_SECRET_KEY" | "key file" };

const HOLDER = Symbol.for("gatehouse.instanceKey");
type Holder = { [HOLDER]?: InstanceKey | null };

/** Set once at start-up (server and CLI); route handlers are bundled apart, so it is shared through a global symbol. */
export function setInstanceKey(k: InstanceKey | null | undefined): void {
  (globalThis as Holder)[HOLDER] = k ?? undefined;
}

/** The key set at start-up, else GATEHOUSE_SECRET_KEY, else none. */
export function currentInstanceKey(): InstanceKey | null {
  const held = (globalThis as Holder)[HOLDER];
  if (held !== undefined) return held;
  const text = env().GATEHOUSE_SECRET_KEY;
  return text ? { key: deriveInstanceKey(text), source: "GATEHOUSE_SECRET_KEY" } : null;
}

/** AES-256-GCM with a random nonce; the setting's name is bound in as associated data. */
export function seal(key: Buffer, name: string, value: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(Buffer.from(name));
  const body = Buffer.concat([cipher.update(value, "utf8"), cipher.final()]);
  return `v1.${Buffer.concat([iv, body, cipher.getAuthTag()]).toString("base64url")}`;
}

export function unseal(key: Buffer, name: string, sealed: string): string {
  const raw = sealed.startsWith("v1.") ? Buffer.from(sealed.slice(3), "base64url") : Buffer.alloc(0);
  try {
    if (raw.length < 12 + 16) throw new Error("short");
    const decipher = createDecipheriv("aes-256-gcm", key, raw.subarray(0, 12));
    decipher.setAAD(Buffer.from(name));
    decipher.setAuthTag(raw.subarray(raw.length - 16));
    return Buffer.concat([decipher.update(raw.subarray(12, raw.length - 16)), decipher.final()]).toString("utf8");
  } catch {
    throw new InstanceKeyError(
      `the instance key does not open the sealed ${name} in the database: GATEHOUSE_SECRET_KEY (or the key file) is not ` +
        "the one it was sealed with; restore that key",
    );
  }
}

async function rowsFor(db: Database, name: SecretName): Promise<{ plain?: string; sealed?: string }> {
  const rows = await db
    .select({ key: instanceSettings.key, value: instanceSettings.value })
    .from(instanceSettings)
    .where(inArray(instanceSettings.key, [name, sealedKeyOf(name)]));
  return {
    plain: rows.find((r) => r.key === name)?.value,
    sealed: rows.find((r) => r.key === sealedKeyOf(name))?.value,
  };
}

/**
 * One instance secret, created on first use. With a key: the sealed copy (a clear copy left by an older version is
 * sealed and removed first, so fingerprints and sessions carry on). Without one: the clear copy, as before.
 */
export async function instanceSecret(db: Database, name: SecretName, k = currentInstanceKey()): Promise<string> {
  let rows = await rowsFor(db, name);
  if (!k) {
    if (rows.sealed !== undefined)
      throw new InstanceKeyError(
        `the database holds a sealed ${name}: start Gatehouse with the GATEHOUSE_SECRET_KEY it was sealed with`,
      );
    if (rows.plain !== undefined) return rows.plain;
    await db.insert(instanceSettings).values({ key: name, value: GENERATE[name]() }).onConflictDoNothing();
    rows = await rowsFor(db, name);
    return rows.plain!;
  }
  if (rows.sealed !== undefined && rows.plain === undefined) return unseal(k.key, name, rows.sealed);
  const moved = await sealStored(db, k, [name]);
  if (moved.length === 0 && rows.sealed === undefined) {
    await db
      .insert(instanceSettings)
      .values({ key: sealedKeyOf(name), value: seal(k.key, name, GENERATE[name]()) })
      .onConflictDoNothing();
  }
  rows = await rowsFor(db, name);
  return unseal(k.key, name, rows.sealed!);
}

/**
 * Seals the clear copies older versions stored and deletes them, in one transaction, audited. A secret that is
 * already sealed keeps its sealed value (which must open with this key). Returns the names moved.
 */
export async function sealStored(db: Database, k: InstanceKey, names: readonly SecretName[] = SECRET_NAMES): Promise<string[]> {
  const ctx = { db, actor: { type: "system" as const, label: "instance-secrets" }, now: () => new Date() };
  return withTransaction(ctx, async (tx) => {
    const moved: string[] = [];
    for (const name of names) {
      const [plain] = await tx.db.select().from(instanceSettings).where(eq(instanceSettings.key, name)).for("update");
      if (!plain) continue;
      const [sealed] = await tx.db
        .select()
        .from(instanceSettings)
        .where(eq(instanceSettings.key, sealedKeyOf(name)));
      if (sealed) unseal(k.key, name, sealed.value);
      else await tx.db.insert(instanceSettings).values({ key: sealedKeyOf(name), value: seal(k.key, name, plain.value) });
      await tx.db.delete(instanceSettings).where(eq(instanceSettings.key, name));
      moved.push(name);
    }
    if (moved.length)
      await recordAudit(tx, {
        action: "instance.secrets_sealed",
        targetType: "instance",
        after: { secrets: moved, key: k.source },
      });
    return moved;
  });
}

export type PreparedSecrets = { sealed: boolean; moved: string[]; keyFileCreated: boolean; warning?: string };

/**
 * At start-up, after the migrations: picks the instance key (GATEHOUSE_SECRET_KEY; on the embedded database a key file
 * otherwise), seals what an older version stored in clear, and checks that the key opens what is sealed.
 */
export async function prepareInstanceSecrets(
  db: Database,
  opts: { secretKey?: string; dataDir?: string; authSecretFromEnv: boolean },
): Promise<PreparedSecrets> {
  let k: InstanceKey | null = null;
  let keyFileCreated = false;
  if (opts.secretKey) k = { key: deriveInstanceKey(opts.secretKey), source: "GATEHOUSE_SECRET_KEY" };
  else if (opts.dataDir) {
    const file = readOrCreateKeyFile(opts.dataDir);
    keyFileCreated = file.created;
    k = { key: deriveInstanceKey(file.text), source: "key file" };
  }
  setInstanceKey(k);
  if (!k) {
    // Fails here, at start-up, rather than at the first upload or sign-in.
    for (const name of SECRET_NAMES) {
      if ((await rowsFor(db, name)).sealed !== undefined)
        throw new InstanceKeyError(
          `the database holds a sealed ${name}: start Gatehouse with the GATEHOUSE_SECRET_KEY it was sealed with`,
        );
    }
    return { sealed: false, moved: [], keyFileCreated, warning: unsealedWarning(opts.authSecretFromEnv) };
  }
  const moved = await sealStored(db, k);
  for (const name of SECRET_NAMES) {
    const { sealed } = await rowsFor(db, name);
    if (sealed !== undefined) unseal(k.key, name, sealed);
  }
  return { sealed: true, moved, keyFileCreated };
}

/** What running PostgreSQL without GATEHOUSE_SECRET_KEY exposes, said once at start-up. */
export function unsealedWarning(authSecretFromEnv: boolean): string {
  const what = authSecretFromEnv
    ? "the HMAC key for secret fingerprints (secret_salt) is stored in the database in clear"
    : "the HMAC key for secret fingerprints (secret_salt) and the session-signing secret (auth_secret) are stored in the database in clear";
  const exposes = authSecretFromEnv
    ? "anyone with a copy of the database (a dump, a backup, a replica) can test guessed secrets offline against the stored fingerprints of leaked credentials"
    : "anyone with a copy of the database (a dump, a backup, a replica) can test guessed secrets offline against the stored fingerprints of leaked credentials, and forge a session cookie for any user";
  return (
    `GATEHOUSE_SECRET_KEY is not set: ${what}, so ${exposes}. ` +
    "Set GATEHOUSE_SECRET_KEY (at least 32 random characters, kept outside the database) and restart: they are then sealed with it and removed from the database."
  );
}

/** The per-installation HMAC key for secret hashes (fingerprints of secrets found in reports). */
export const secretSalt = (db: Database): Promise<string> => instanceSecret(db, "secret_salt");
