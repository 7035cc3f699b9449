import { AreaHeatmapTable, type HeatmapRow } from "@/components/dashboard/area-heatmap-table";
import type { Severity } from "@/server/ingest/types";
import type { PostureRow } from "@/server/views/posture";

const AREAS = [1, 2, 3, 4, 5, 6, 7];
const sum = (o: Record<Severity, number> | undefined) => (o ? Object.values(o).reduce((a, b) => a + b, 0) : 0);

/** Services (worst first) × the seven risk areas: the posture rows cut to what the table shows. */
export function AreaHeatmap({ rows }: { rows: PostureRow[] }) {
  const compact = rows.map((r): HeatmapRow => ({
    id: r.id,
    slug: r.slug,
    name: r.name,
    team: r.team,
    tier: r.tier,
    grade: r.score?.grade ?? null,
    score: r.score?.score ?? null,
    areas: AREAS.map((a) => r.score?.areas.find((x) => x.area === a)?.score ?? null),
    open: AREAS.map((a) => sum(r.open[a])),
    critical: r.openTotal.critical,
    high: r.openTotal.high,
  }));
  return <AreaHeatmapTable rows={compact} />;
}
