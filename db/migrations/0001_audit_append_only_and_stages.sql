-- The audit trail is append-only, enforced by the database itself.
CREATE OR REPLACE FUNCTION gatehouse_reject_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'table % is append-only: % is not allowed', TG_TABLE_NAME, TG_OP
    USING ERRCODE = 'insufficient_privilege';
END;
$$;
--> statement-breakpoint
CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
  FOR EACH ROW EXECUTE FUNCTION gatehouse_reject_change();
--> statement-breakpoint
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
  FOR EACH STATEMENT EXECUTE FUNCTION gatehouse_reject_change();
--> statement-breakpoint
INSERT INTO stages (id, slug, name, position) VALUES
  ('stg_dev', 'dev', 'Development', 10),
  ('stg_test', 'test', 'Test', 20),
  ('stg_production', 'production', 'Production', 30)
ON CONFLICT DO NOTHING;
