// Glue shared by the dashboard pages: sign-in, the server tRPC caller, search params and NOT_FOUND.
import { TRPCError } from "@trpc/server";
import { notFound, redirect } from "next/navigation";
import { serverApi } from "@/server/api/trpc/server";
import { currentUser } from "@/server/auth/current-user";
import { runtime } from "@/server/runtime";

export const SIGN_IN_PATH = "/sign-in";

export type SearchParams = Promise<Record<string, string | string[] | undefined>>;
export type Query = Record<string, string | string[] | undefined>;

/** The signed-in user's tRPC caller, or a redirect to sign in that comes back here. */
export async function pageApi(path: string) {
  const user = await currentUser();
  if (!user) redirect(`${SIGN_IN_PATH}?next=${encodeURIComponent(path)}`);
  return { api: await serverApi(), user };
}

/** Another team's (or a missing) resource renders the 404 page. */
export async function orNotFound<T>(p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (e) {
    if (e instanceof TRPCError && e.code === "NOT_FOUND") notFound();
    throw e;
  }
}

export const publicUrl = () => runtime().publicUrl;

// Search params are untrusted: invalid values are dropped rather than failing the page.
export const one = (q: Query, k: string): string | undefined => {
  const v = q[k];
  const s = Array.isArray(v) ? v[0] : v;
  return s === undefined || s === "" ? undefined : s;
};
export const many = (q: Query, k: string): string[] => {
  const v = q[k];
  return (Array.isArray(v) ? v : v ? [v] : []).filter((s) => s !== "");
};
export function oneOf<T extends string>(q: Query, k: string, allowed: readonly T[]): T | undefined {
  const v = one(q, k);
  return v !== undefined && (allowed as readonly string[]).includes(v) ? (v as T) : undefined;
}
export function manyOf<T extends string>(q: Query, k: string, allowed: readonly T[]): T[] {
  return many(q, k).filter((v): v is T => (allowed as readonly string[]).includes(v));
}
export function int(q: Query, k: string, min: number, max: number): number | undefined {
  const v = one(q, k);
  if (!v || !/^\d{1,7}$/.test(v)) return undefined;
  const n = Number(v);
  return n >= min && n <= max ? n : undefined;
}
export const slug = (q: Query, k: string): string | undefined => {
  const v = one(q, k);
  return v && /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/.test(v) && v.length <= 63 ? v : undefined;
};
export const text = (q: Query, k: string, max = 200): string | undefined => one(q, k)?.slice(0, max);

/**
 * Starts a query now and awaits it later (in a Suspense boundary): no request waterfall. The no-op catch
 * keeps a rejection from being "unhandled" while the page is still awaiting something else.
 */
export function early<T>(p: Promise<T>): Promise<T> {
  p.catch(() => {});
  return p;
}
