// The services list: every service the caller can see, with its grade and open findings.
import type { ServiceContext } from "../context";
import type { Severity } from "../ingest/types";
import { scopedServices, type ScopedService, type ScoreSummary } from "./posture";
import { openTotal, postureFactsOf } from "./posture-facts";
import { servicesFilter, type ServicesFilter } from "./filters";
import { pageOf, resolveScope, type Page } from "./scope";

export { SERVICE_SORTS, servicesFilter, type ServicesFilter } from "./filters";

export type ServiceListItem = ScopedService & { score: ScoreSummary | null; open: Record<Severity, number> };

const TIER_RANK = { critical: 4, high: 3, medium: 2, low: 1 } as const;

export async function listServicesView(
  ctx: ServiceContext,
  raw: ServicesFilter,
  scoresOf: (services: ScopedService[]) => Promise<Map<string, ScoreSummary>>,
): Promise<Page<ServiceListItem>> {
  const f = servicesFilter.parse(raw);
  const scope = await resolveScope(ctx, f);
  const q = f.q?.toLowerCase();
  const all = (await scopedServices(ctx, scope)).filter(
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
  const key = (s: ServiceListItem): number | string => {
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
  items.sort((a, b) => {
    const x = key(a);
    const y = key(b);
    return (x < y ? -1 : x > y ? 1 : 0) * sign || a.slug.localeCompare(b.slug);
  });
  const start = (f.page - 1) * f.pageSize;
  return pageOf(items.slice(start, start + f.pageSize), items.length, f.page, f.pageSize);
}
