// The REST routes' memory of tokens (see authenticateTokenCached): one map per process, emptied by every verb of
// this process that revokes, rotates or narrows a token, once its change is committed.
const KEY = Symbol.for("gatehouse.token-cache");
type Holder = { [KEY]?: Map<string, unknown> };

// Route handlers are bundled apart from the verbs by Next.js: a global keeps one map for both.
function cache(): Map<string, unknown> {
  const g = globalThis as Holder;
  return (g[KEY] ??= new Map());
}

export function rememberedTokens<T>(): Map<string, { found: T; readAt: number }> {
  return cache() as Map<string, { found: T; readAt: number }>;
}

/** Drops every remembered token. */
export function forgetCachedTokens(): void {
  cache().clear();
}

/** Forgets remembered tokens once `work` (a transaction) is over, committed or not. */
export async function afterCommitForget<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } finally {
    forgetCachedTokens();
  }
}
