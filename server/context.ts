// What every domain verb receives: who acts, on which database, for which request.
import type { Database } from "@/db/client";
import type { Role } from "@/db/schema/users";

export type Actor =
  | { type: "system"; label: string }
  | { type: "cli"; label: string }
  | { type: "user"; id: string; label: string; role: Role; teamIds: string[]; sessionId?: string }
  | { type: "token"; id: string; label: string; teamId: string; serviceIds: string[] | null; scopes: string[] };

export type ServiceContext = {
  db: Database;
  actor: Actor;
  requestId?: string;
  ip?: string;
  /** the clock, injected so that verbs and tests agree on "now" */
  now: () => Date;
};

/** Runs fn in one transaction; the context it receives writes through that transaction. */
export async function withTransaction<T>(ctx: ServiceContext, fn: (tx: ServiceContext) => Promise<T>): Promise<T> {
  return ctx.db.transaction(async (tx) => fn({ ...ctx, db: tx as unknown as Database }));
}

export const actorId = (a: Actor): string | null => ("id" in a ? a.id : null);
