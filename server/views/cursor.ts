// Cursor pages for the read API: an opaque, URL-safe token holding the sort and the last row's sort key, so that the
// next page starts right after it however many rows arrive meanwhile. Pure.
import { z } from "zod";
import { DomainError } from "../errors";

export type CursorKey = string | number;

/** A page of a cursor list: nextCursor is null on the last page. */
export type CursorPage<T> = { items: T[]; nextCursor: string | null };

const shape = z.object({ s: z.string(), k: z.array(z.union([z.string(), z.number()])) });

export function encodeCursor(sort: string, keys: CursorKey[]): string {
  return Buffer.from(JSON.stringify({ s: sort, k: keys }), "utf8").toString("base64url");
}

/** The keys a cursor holds; 400 invalid-cursor when it is not one of ours or was made for another sort. */
export function decodeCursor(raw: string, sort: string, arity: number): CursorKey[] {
  let parsed: z.infer<typeof shape> | undefined;
  try {
    const r = shape.safeParse(JSON.parse(Buffer.from(raw, "base64url").toString("utf8")));
    if (r.success) parsed = r.data;
  } catch {
    parsed = undefined;
  }
  if (!parsed || parsed.k.length !== arity)
    throw new DomainError("bad_request", "cursor: not a cursor this list gave; start again without one.", "invalid-cursor");
  if (parsed.s !== sort)
    throw new DomainError(
      "bad_request",
      `cursor: it was made for the sort ${parsed.s}, not ${sort}; keep the sort while paging.`,
      "invalid-cursor",
    );
  return parsed.k;
}

/** The page and the cursor after its last item: rows holds up to limit + 1 rows, the extra one says there is more. */
export function cursorPage<R, T>(
  rows: R[],
  limit: number,
  sort: string,
  keysOf: (r: R) => CursorKey[],
  item: (r: R) => T,
): CursorPage<T> {
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return { items: page.map(item), nextCursor: rows.length > limit && last ? encodeCursor(sort, keysOf(last)) : null };
}
