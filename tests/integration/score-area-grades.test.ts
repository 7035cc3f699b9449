// Migration 0022 keeps each area's grade beside a snapshot's detail: an upgraded installation gets it for every
// service's newest snapshot (what the lists read), and the older rows still give the same grades from their detail.
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { queryRows, type DbHandle } from "@/db/client";
import { snapshotScores } from "@/server/views/scores";
import { backends } from "@/tests/helpers/db";
import { upgradedDatabase } from "@/tests/helpers/migrations";

const BEFORE = "0021_posture_trend";

const detail = (grades: [number, number | null, string][]) =>
  JSON.stringify({
    areas: grades.map(([area, score, grade]) => ({
      area,
      name: `area ${area}`,
      score,
      grade,
      deductions: [{ id: "x", points: 1 }],
    })),
    caps: [],
    uncappedScore: 80,
  });

for (const kind of backends()) {
  describe(`upgrading an installation's score snapshots to keep area grades [${kind}]`, () => {
    let h: DbHandle;

    beforeAll(async () => {
      h = await upgradedDatabase(kind, BEFORE, async (run) => {
        await run(`insert into teams (id, slug, name, created_at) values ('team_a', 'alpha', 'Alpha', now())`);
        await run(`insert into services (id, team_id, slug, name, criticality, created_at, updated_at)
                   values ('svc_a', 'team_a', 'a', 'A', 'high', now(), now()), ('svc_b', 'team_a', 'b', 'B', 'low', now(), now())`);
        const snap = (svc: string, d: string, grade: string, areas: string) =>
          `('${svc}', '${d}', 1, '${grade}', 80, '${areas}', '{}', now())`;
        await run(`insert into score_snapshots (service_id, day, formula_version, grade, score, areas, open_by_severity, computed_at) values
          ${snap(
            "svc_a",
            "2026-01-01",
            "C",
            detail([
              [1, 60, "D"],
              [2, null, "N/A"],
            ]),
          )},
          ${snap(
            "svc_a",
            "2026-01-02",
            "B",
            detail([
              [1, 85, "B"],
              [2, 100, "A"],
            ]),
          )},
          ${snap("svc_b", "2026-01-01", "A", detail([]))}`);
      });
    }, 120_000);
    afterAll(async () => {
      await h?.close();
    });

    it("fills in each service's newest snapshot and leaves the older rows to their detail", async () => {
      const rows = await queryRows<{ service_id: string; day: string | Date; area_grades: unknown }>(
        h.db,
        sql`select service_id, day, area_grades from score_snapshots order by service_id, day`,
      );
      const parsed = rows.map((r) => [
        r.service_id,
        String(r.day instanceof Date ? r.day.toISOString() : r.day).slice(0, 10),
        typeof r.area_grades === "string" ? JSON.parse(r.area_grades) : r.area_grades,
      ]);
      expect(parsed).toEqual([
        ["svc_a", "2026-01-01", null],
        [
          "svc_a",
          "2026-01-02",
          [
            { area: 1, score: 85, grade: "B" },
            { area: 2, score: 100, grade: "A" },
          ],
        ],
        ["svc_b", "2026-01-01", []],
      ]);
      const ctx = { db: h.db, now: () => new Date("2026-01-03T00:00:00Z"), actor: { type: "system" as const, label: "test" } };
      const scores = await snapshotScores(ctx, ["svc_a", "svc_b"]);
      expect(scores.get("svc_a")).toEqual({
        grade: "B",
        score: 80,
        areas: [
          { area: 1, score: 85, grade: "B" },
          { area: 2, score: 100, grade: "A" },
        ],
      });
      expect(scores.get("svc_b")).toEqual({ grade: "A", score: 80, areas: [] });
    });
  });
}
