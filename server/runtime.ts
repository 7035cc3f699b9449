// The process-wide runtime (database handle) set once at start-up by server/main.ts.
// Route handlers are bundled separately by Next.js, so it is shared through a global symbol.
import type { DbHandle } from "@/db/client";

export type Runtime = {
  db: DbHandle["db"];
  kind: DbHandle["kind"];
  describe: string;
  startedAt: Date;
  publicUrl: string;
};

const KEY = Symbol.for("gatehouse.runtime");
type Holder = { [KEY]?: Runtime };

export function setRuntime(rt: Runtime | undefined): void {
  (globalThis as Holder)[KEY] = rt;
}

export function runtime(): Runtime {
  const rt = (globalThis as Holder)[KEY];
  if (!rt) throw new Error("Gatehouse runtime is not initialised: start the app with `npm start`.");
  return rt;
}

export const hasRuntime = (): boolean => (globalThis as Holder)[KEY] !== undefined;
