// What every domain verb receives: who acts, on which database, for which request.
import type { Database } from "@/db/client";
import type { Role } from "@/db/schema/users";

export type Actor =
  | { type: "system"; label: string }
  | { type: "cli"; label: string }
  | { type: "user"; id: string; label: string; role: Role; teamIds: string[]; sessionId?: string }
  | {
      type: "token";
      id: string;
      label: string;
      /** an organisation token (org: true) belongs to no team: its teamId is NO_TEAM, which no team has */
      teamId: string;
      serviceIds: string[] | null;
      scopes: string[];
      org: boolean;
      /** the person who made the token (its waiver requests count as theirs); null: an operator at the console */
      creatorId: string | null;
    };

/** The team id of an organisation token: no team has it, so every team-scoped check refuses such a token. */
export const NO_TEAM = "org:none";

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
