// The services list: every service the caller can see, with its grade and open findings.
import type { z } from "zod";
import type { ServiceContext } from "../context";
import type { Severity } from "../ingest/types";
import { visibleServices, type VisibleService, type ScoreSummary } from "./posture";
import { openTotal, postureFactsOf } from "./posture-facts";
import { servicesFilter, type ServicesFilter } from "./filters";
import { cursorPage, decodeCursor, type CursorPage } from "./cursor";
import { pageOf, resolveVisibility, type Page } from "./visibility";

export { SERVICE_SORTS, servicesFilter, type ServicesFilter } from "./filters";

export type ServiceListItem = VisibleService & { score: ScoreSummary | null; open: Record<Severity, number> };

const TIER_RANK = { critical: 4, high: 3, medium: 2, low: 1 } as const;

type Scorer = (services: VisibleService[]) => Promise<Map<string, ScoreSummary>>;
type SortKey = number | string;

/** Every visible service the filter keeps, scored, in the filter's order; `keyOf` gives each one's sort key. */
async function servicesInOrder(ctx: ServiceContext, f: z.output<typeof servicesFilter>, scoresOf: Scorer) {
  const seen = await resolveVisibility(ctx, f);
  const q = f.q?.toLowerCase();
  const all = (await visibleServices(ctx, seen)).filter(
    (s) => !q || s.slug.includes(q) || s.name.toLowerCase().includes(q) || s.team.includes(q),
  );
  const [scores, { facts }] = await Promise.all([
    scoresOf(all),
    postureFactsOf(
      ctx,
      all.map((s) => s.id),
    ),
  ]);
  const items: ServiceListItem[] = all
    .map((s) => ({ ...s, score: scores.get(s.id) ?? null, open: openTotal(facts.get(s.id)) }))
    .filter((s) => !f.grade || s.score?.grade === f.grade);
  const sign = f.dir === "asc" ? 1 : -1;
  const keyOf = (s: ServiceListItem): SortKey => {
    switch (f.sort) {
      case "grade":
        return s.score?.score ?? -1;
      case "critical":
        return s.open.critical * 1e6 + s.open.high;
      case "lastScan":
        return s.lastScanAt ?? "";
      case "tier":
        return TIER_RANK[s.tier];
      default:
        return s.slug;
    }
  };
  const compare = (x: SortKey, xSlug: string, y: SortKey, ySlug: string) =>
    (x < y ? -1 : x > y ? 1 : 0) * sign || xSlug.localeCompare(ySlug);
  items.sort((a, b) => compare(keyOf(a), a.slug, keyOf(b), b.slug));
  return { items, keyOf, compare };
}

/** The dashboard's list: numbered pages. */
export async function listServicesView(
  ctx: ServiceContext,
  raw: ServicesFilter,
  scoresOf: Scorer,
): Promise<Page<ServiceListItem>> {
  const f = servicesFilter.parse(raw);
  const { items } = await servicesInOrder(ctx, f, scoresOf);
  const start = (f.page - 1) * f.pageSize;
  return pageOf(items.slice(start, start + f.pageSize), items.length, f.page, f.pageSize);
}

/** The read API's list: the same filters and order, paged with a cursor (the sort key and slug of the last one). */
export async function listServicesAfter(
  ctx: ServiceContext,
  raw: Omit<ServicesFilter, "page" | "pageSize">,
  page: { cursor?: string; limit: number },
  scoresOf: Scorer,
): Promise<CursorPage<ServiceListItem>> {
  const f = servicesFilter.parse(raw);
  const { items, keyOf, compare } = await servicesInOrder(ctx, f, scoresOf);
  const sort = `${f.sort}:${f.dir}`;
  let start = 0;
  if (page.cursor) {
    const [key, slug] = decodeCursor(page.cursor, sort, 2);
    const after = items.findIndex((s) => compare(keyOf(s), s.slug, key!, String(slug)) > 0);
    start = after < 0 ? items.length : after;
  }
  return cursorPage(
    items.slice(start, start + page.limit + 1),
    page.limit,
    sort,
    (s) => [keyOf(s), s.slug],
    (s) => s,
  );
}
