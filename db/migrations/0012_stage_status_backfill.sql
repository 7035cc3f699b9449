-- What runs in each stage before re-checks existed: the newest deployment per service and stage, status unknown
-- until the first re-check, which is due at once.
INSERT INTO stage_status (service_id, stage, deployment_id, commit, artifact, deployed_at, deploy_decision_id, bypass,
                          status, since, checks, due_at, reasons)
SELECT DISTINCT ON (service_id, stage) service_id, stage, id, commit, artifact, deployed_at, decision_id, bypass,
       'unknown', deployed_at, '[]'::jsonb, now(), ARRAY['deployment']
FROM deployments
ORDER BY service_id, stage, deployed_at DESC, id DESC;
--> statement-breakpoint
-- Events are records of what happened: nobody changes them later (their deliveries carry the progress).
CREATE TRIGGER notification_events_append_only BEFORE UPDATE OR DELETE ON notification_events
  FOR EACH ROW EXECUTE FUNCTION gatehouse_reject_change();
