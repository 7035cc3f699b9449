ALTER TABLE "score_snapshots" ADD COLUMN "area_grades" jsonb;--> statement-breakpoint
-- Each service's newest snapshot is what the lists read: fill it in now; older rows keep a null (read from "areas").
UPDATE "score_snapshots" s SET "area_grades" = coalesce((
  SELECT jsonb_agg(jsonb_build_object('area', a -> 'area', 'score', a -> 'score', 'grade', a -> 'grade'))
  FROM jsonb_array_elements(s."areas" -> 'areas') a), '[]'::jsonb)
FROM (SELECT "service_id", max("day") AS "day" FROM "score_snapshots" GROUP BY "service_id") latest
WHERE s."service_id" = latest."service_id" AND s."day" = latest."day";
