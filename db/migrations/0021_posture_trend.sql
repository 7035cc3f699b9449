CREATE TABLE "posture_trend" (
	"day" date NOT NULL,
	"team_id" text NOT NULL,
	"tier" "criticality" NOT NULL,
	"services" integer NOT NULL,
	"critical" integer NOT NULL,
	"high" integer NOT NULL,
	"medium" integer NOT NULL,
	"low" integer NOT NULL,
	"info" integer NOT NULL,
	CONSTRAINT "posture_trend_day_team_id_tier_pk" PRIMARY KEY("day","team_id","tier")
);
--> statement-breakpoint
-- Snapshot rows (service, day, open findings by severity) with a sign, added to their day, team and tier; a group
-- that no longer sums any snapshot is removed. Upserts in key order, so concurrent writers do not deadlock.
CREATE OR REPLACE FUNCTION gatehouse_posture_trend_merge(delta jsonb) RETURNS void LANGUAGE sql AS $$
  INSERT INTO posture_trend AS pt (day, team_id, tier, services, critical, high, medium, low, info)
  SELECT d.day, s.team_id, s.criticality, sum(d.sign)::int,
         sum(d.sign * coalesce((d.open ->> 'critical')::int, 0))::int, sum(d.sign * coalesce((d.open ->> 'high')::int, 0))::int,
         sum(d.sign * coalesce((d.open ->> 'medium')::int, 0))::int, sum(d.sign * coalesce((d.open ->> 'low')::int, 0))::int,
         sum(d.sign * coalesce((d.open ->> 'info')::int, 0))::int
  FROM jsonb_to_recordset(delta) AS d(service_id text, day date, sign int, open jsonb)
  JOIN services s ON s.id = d.service_id
  GROUP BY d.day, s.team_id, s.criticality
  ORDER BY d.day, s.team_id, s.criticality
  ON CONFLICT (day, team_id, tier) DO UPDATE
    SET services = pt.services + excluded.services, critical = pt.critical + excluded.critical,
        high = pt.high + excluded.high, medium = pt.medium + excluded.medium, low = pt.low + excluded.low,
        info = pt.info + excluded.info;
  DELETE FROM posture_trend
  WHERE services = 0 AND day IN (SELECT (x ->> 'day')::date FROM jsonb_array_elements(delta) x);
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION gatehouse_posture_trend_snapshots() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  delta jsonb := '[]';
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    DELETE FROM posture_trend WHERE true;
    RETURN NULL;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    delta := delta || coalesce((SELECT jsonb_agg(jsonb_build_object('service_id', n.service_id, 'day', n.day, 'sign', 1,
                                                                    'open', n.open_by_severity)) FROM new_snapshots n), '[]');
  END IF;
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    delta := delta || coalesce((SELECT jsonb_agg(jsonb_build_object('service_id', o.service_id, 'day', o.day, 'sign', -1,
                                                                    'open', o.open_by_severity)) FROM old_snapshots o), '[]');
  END IF;
  PERFORM gatehouse_posture_trend_merge(delta);
  RETURN NULL;
END $$;
--> statement-breakpoint
-- A service moved to another team or tier takes its snapshots with it.
CREATE OR REPLACE FUNCTION gatehouse_posture_trend_services() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  moved jsonb;
BEGIN
  SELECT jsonb_agg(jsonb_build_object('id', n.id, 'team_id', o.team_id, 'tier', o.criticality)) INTO moved
  FROM old_services o JOIN new_services n ON n.id = o.id
  WHERE n.team_id IS DISTINCT FROM o.team_id OR n.criticality IS DISTINCT FROM o.criticality;
  IF moved IS NULL THEN
    RETURN NULL;
  END IF;
  -- Out of the old group (as the old team and tier), then into the new one (services now says the new).
  INSERT INTO posture_trend AS pt (day, team_id, tier, services, critical, high, medium, low, info)
  SELECT ss.day, m.team_id, m.tier::criticality, -count(*)::int,
         -sum(coalesce((ss.open_by_severity ->> 'critical')::int, 0))::int, -sum(coalesce((ss.open_by_severity ->> 'high')::int, 0))::int,
         -sum(coalesce((ss.open_by_severity ->> 'medium')::int, 0))::int, -sum(coalesce((ss.open_by_severity ->> 'low')::int, 0))::int,
         -sum(coalesce((ss.open_by_severity ->> 'info')::int, 0))::int
  FROM jsonb_to_recordset(moved) AS m(id text, team_id text, tier text)
  JOIN score_snapshots ss ON ss.service_id = m.id
  GROUP BY ss.day, m.team_id, m.tier
  ORDER BY ss.day, m.team_id, m.tier
  ON CONFLICT (day, team_id, tier) DO UPDATE
    SET services = pt.services + excluded.services, critical = pt.critical + excluded.critical,
        high = pt.high + excluded.high, medium = pt.medium + excluded.medium, low = pt.low + excluded.low,
        info = pt.info + excluded.info;
  PERFORM gatehouse_posture_trend_merge(
    (SELECT jsonb_agg(jsonb_build_object('service_id', ss.service_id, 'day', ss.day, 'sign', 1, 'open', ss.open_by_severity))
     FROM score_snapshots ss WHERE ss.service_id IN (SELECT m.id FROM jsonb_to_recordset(moved) AS m(id text))));
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER score_snapshots_posture_trend_insert AFTER INSERT ON score_snapshots
  REFERENCING NEW TABLE AS new_snapshots FOR EACH STATEMENT EXECUTE FUNCTION gatehouse_posture_trend_snapshots();
--> statement-breakpoint
CREATE TRIGGER score_snapshots_posture_trend_update AFTER UPDATE ON score_snapshots
  REFERENCING OLD TABLE AS old_snapshots NEW TABLE AS new_snapshots FOR EACH STATEMENT EXECUTE FUNCTION gatehouse_posture_trend_snapshots();
--> statement-breakpoint
CREATE TRIGGER score_snapshots_posture_trend_delete AFTER DELETE ON score_snapshots
  REFERENCING OLD TABLE AS old_snapshots FOR EACH STATEMENT EXECUTE FUNCTION gatehouse_posture_trend_snapshots();
--> statement-breakpoint
CREATE TRIGGER score_snapshots_posture_trend_truncate AFTER TRUNCATE ON score_snapshots
  FOR EACH STATEMENT EXECUTE FUNCTION gatehouse_posture_trend_snapshots();
--> statement-breakpoint
CREATE TRIGGER services_posture_trend_update AFTER UPDATE ON services
  REFERENCING OLD TABLE AS old_services NEW TABLE AS new_services FOR EACH STATEMENT EXECUTE FUNCTION gatehouse_posture_trend_services();
--> statement-breakpoint
-- Every snapshot taken before this migration.
INSERT INTO posture_trend (day, team_id, tier, services, critical, high, medium, low, info)
SELECT ss.day, s.team_id, s.criticality, count(*)::int,
       sum(coalesce((ss.open_by_severity ->> 'critical')::int, 0))::int, sum(coalesce((ss.open_by_severity ->> 'high')::int, 0))::int,
       sum(coalesce((ss.open_by_severity ->> 'medium')::int, 0))::int, sum(coalesce((ss.open_by_severity ->> 'low')::int, 0))::int,
       sum(coalesce((ss.open_by_severity ->> 'info')::int, 0))::int
FROM score_snapshots ss JOIN services s ON s.id = ss.service_id
GROUP BY ss.day, s.team_id, s.criticality;
