// Per-token API rate limit: a one-minute window per token, counted in the database for every instance.
import type { Database } from "@/db/client";
import { enforce } from "./rate-limit";

export const apiRateKey = (tokenId: string) => `api:token:${tokenId}`;

/** Throws 429 (Retry-After in seconds) when the token made more than perMinute calls in its window. */
export async function enforceApiRate(db: Database, tokenId: string, now: Date, perMinute: number): Promise<void> {
  await enforce(
    db,
    { key: apiRateKey(tokenId), max: perMinute, windowSeconds: 60, noFlush: true },
    now,
    "Too many API requests for this token",
  );
}
