// The REST routes' memory of tokens (see authenticateTokenCached): one map per thread, emptied by every verb of
// this process that revokes, rotates or narrows a token, once its change is committed. The process's gate workers
// (server/workers/gate-workers.ts) hold maps of their own: they are told through `onForgetTokens`.
const KEY = Symbol.for("gatehouse.token-cache");
const HOOKS = Symbol.for("gatehouse.token-cache.forget-hooks");
type Holder = { [KEY]?: Map<string, unknown>; [HOOKS]?: Set<() => void> };

// Route handlers are bundled apart from the verbs by Next.js: a global keeps one map for both.
function cache(): Map<string, unknown> {
  const g = globalThis as Holder;
  return (g[KEY] ??= new Map());
}

export function rememberedTokens<T>(): Map<string, { found: T; readAt: number }> {
  return cache() as Map<string, { found: T; readAt: number }>;
}

const hooks = (): Set<() => void> => ((globalThis as Holder)[HOOKS] ??= new Set());

/** Drops every remembered token, here and wherever `onForgetTokens` passes the word on. */
export function forgetCachedTokens(): void {
  forgetHere();
  for (const fn of hooks()) fn();
}

/** Drops this thread's remembered tokens only (a worker told by the thread that made the change). */
export function forgetHere(): void {
  cache().clear();
}

/** Calls `fn` after each `forgetCachedTokens` of this thread; returns the function that stops it. */
export function onForgetTokens(fn: () => void): () => void {
  hooks().add(fn);
  return () => hooks().delete(fn);
}

/** Forgets remembered tokens once `work` (a transaction) is over, committed or not. */
export async function afterCommitForget<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } finally {
    forgetCachedTokens();
  }
}
