// The published side of signing: public keys registered in the database (every instance's, current and
// retired), listed without authentication, and rotated by the operator.
import { asc, sql } from "drizzle-orm";
import { signingKeys } from "@/db/schema";
import { queryRows, type Database } from "@/db/client";
import { recordAudit } from "../audit/record-audit";
import { withTransaction, type ServiceContext } from "../context";
import { forbidden } from "../errors";
import { currentSigningKey, replaceSigningKeyFile, SIGNING_ALGORITHM, SigningKeyError, type SigningKey } from "./signing-key";
import { logger } from "../log";

export type PublicSigningKey = {
  keyId: string;
  algorithm: string;
  publicKeyPem: string;
  validFrom: string;
  /** null while the key signs; the moment a rotation replaced it otherwise */
  validUntil: string | null;
  status: "current" | "retired";
};

const warnLooseMode = (file: string, mode: number) =>
  logger().warn({ file, mode: mode.toString(8) }, "the signing key file is readable by others than its owner: make it 0600");

/** The key this process signs with (loaded, or generated at first use). */
export const activeSigningKey = (): SigningKey => currentSigningKey(warnLooseMode);

/** Publishes a key's public half (once); the first registration is audited. */
export async function registerSigningKey(ctx: ServiceContext, key: SigningKey): Promise<boolean> {
  const now = ctx.now();
  const [created] = await ctx.db
    .insert(signingKeys)
    .values({
      id: key.keyId,
      algorithm: SIGNING_ALGORITHM,
      publicKeyPem: key.publicKeyPem,
      createdAt: now,
      createdBy: ctx.actor.label,
    })
    .onConflictDoNothing()
    .returning({ id: signingKeys.id });
  if (!created) return false;
  await recordAudit(ctx, {
    action: "signing_key.register",
    targetType: "signing_key",
    targetId: key.keyId,
    after: { algorithm: SIGNING_ALGORITHM },
  });
  return true;
}

/**
 * Makes sure a key may sign in this transaction: published (registered now if it is not yet) and not retired.
 * The row is share-locked, so a rotation waits for the transaction and never retires a key "before" a signature.
 */
export async function ensureSigningKeyUsable(tx: ServiceContext, key: SigningKey): Promise<void> {
  const state = () =>
    queryRows<{ retired_at: Date | string | null }>(
      tx.db,
      sql`select retired_at from signing_keys where id = ${key.keyId} for share`,
    );
  let rows = await state();
  if (rows.length === 0) {
    await registerSigningKey({ ...tx, actor: { type: "system", label: "system:signing" } }, key);
    rows = await state();
  }
  if (rows[0]?.retired_at)
    throw new SigningKeyError(
      `signing key ${key.keyId} was retired but is still in the key file: run \`gatehouse keys rotate\` where that file is`,
    );
}

/** At start-up: make sure this instance's key exists, is published, and was not retired. */
export async function initSigning(db: Database, now = new Date()): Promise<SigningKey> {
  const ctx: ServiceContext = { db, actor: { type: "system", label: "system:signing" }, now: () => now };
  return withTransaction(ctx, async (tx) => {
    const key = activeSigningKey();
    await ensureSigningKeyUsable(tx, key);
    return key;
  });
}

export async function listSigningKeys(ctx: Pick<ServiceContext, "db">): Promise<PublicSigningKey[]> {
  const rows = await ctx.db.select().from(signingKeys).orderBy(asc(signingKeys.createdAt), asc(signingKeys.id));
  return rows.map((r) => ({
    keyId: r.id,
    algorithm: r.algorithm,
    publicKeyPem: r.publicKeyPem,
    validFrom: r.createdAt.toISOString(),
    validUntil: r.retiredAt?.toISOString() ?? null,
    status: r.retiredAt ? "retired" : "current",
  }));
}

/**
 * Rotation: a new key in the key file, published; the previous one retired (still published, with the time
 * it stopped signing). The file changes first: if the database step fails, the new key is published at its
 * first signature and the old one simply stays marked current.
 */
export async function rotateSigningKey(ctx: ServiceContext): Promise<{ previous: PublicSigningKey; current: PublicSigningKey }> {
  if (ctx.actor.type !== "cli" && ctx.actor.type !== "system") throw forbidden("Signing keys are rotated with the operator CLI.");
  const { previous, current } = replaceSigningKeyFile();
  await withTransaction(ctx, async (tx) => {
    await registerSigningKey(tx, previous);
    // Decisions in flight hold the old row share-locked: wait for them, then read the clock.
    await tx.db.execute(sql`select id from signing_keys where id = ${previous.keyId} for update`);
    const now = tx.now();
    await tx.db
      .update(signingKeys)
      .set({ retiredAt: now })
      .where(sql`${signingKeys.id} = ${previous.keyId} and ${signingKeys.retiredAt} is null`);
    await registerSigningKey({ ...tx, now: () => now }, current);
    await recordAudit(tx, {
      action: "signing_key.rotate",
      targetType: "signing_key",
      targetId: current.keyId,
      before: { keyId: previous.keyId },
      after: { keyId: current.keyId },
    });
  });
  const all = await listSigningKeys(ctx);
  const find = (id: string) => all.find((k) => k.keyId === id)!;
  return { previous: find(previous.keyId), current: find(current.keyId) };
}
